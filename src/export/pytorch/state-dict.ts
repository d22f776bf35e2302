import { diag, msg, type Diagnostic } from '../../diagnostics/catalogue.ts';
import type { ResidualDocument } from '../../graph/types.ts';
import { analyze, type Analysis } from '../../shape/analyze.ts';
import type { StoredTensor, WeightStore } from '../../weights/types.ts';
import { layerState } from './layers.ts';

/** The state_dict a document's PyTorch module has: key → shape, in the network's order (the ONNX export's weight names). */
export function stateDictShapes(doc: ResidualDocument, analysis: Analysis = analyze(doc)): Map<string, readonly number[]> {
  return new Map(analysis.layers.flatMap((l) => layerState(l.op, l.name, { params: l.params, inputShapes: l.inputShapes })));
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const list = (names: readonly string[]) => `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;

/**
 * Takes weights saved from PyTorch (a state_dict as safetensors, by `save_weights` in an exported
 * `model.py` or by the `safetensors` package) as the document's own. Such a file carries no owner
 * fingerprints, which the compiler needs before it uses a stored tensor: each tensor whose name and
 * shape are a layer's state_dict entry gets that layer's owner (origin `trained`). Tensors that
 * already have an owner (files Residual Studio wrote) are kept as they are. Names the network does
 * not have, entries the file lacks (they stay fresh) and wrong shapes are RS504 warnings.
 *
 * @example
 * const { store } = decodeSafetensors(bytes);
 * const { weights } = adoptStateDict(doc, store!);
 * compile(doc, { weights });
 */
export function adoptStateDict(doc: ResidualDocument, store: WeightStore, analysis: Analysis = analyze(doc)): { weights: WeightStore; diagnostics: Diagnostic[] } {
  const out = new Map<string, StoredTensor>(store);
  const diagnostics: Diagnostic[] = [];
  const expected = new Set<string>();
  const missing: string[] = [];
  for (const l of analysis.layers) {
    for (const [name, dims] of layerState(l.op, l.name, { params: l.params, inputShapes: l.inputShapes })) {
      expected.add(name);
      const t = store.get(name);
      if (!t) missing.push(name);
      else if (t.owner !== '') continue;
      else if (!sameDims(t.dims, dims)) diagnostics.push({ ...diag('RS504', msg('state-dict-shape', { name, shape: t.dims.join('×'), expected: dims.join('×') }), { nodeId: l.docNode }), severity: 'warning' });
      else out.set(name, { ...t, owner: l.owner, origin: 'trained' });
    }
  }
  const unexpected = [...store.keys()].filter((k) => !expected.has(k));
  if (missing.length) diagnostics.push({ ...diag('RS504', msg('state-dict-missing', { n: missing.length, names: list(missing) })), severity: 'warning' });
  if (unexpected.length) diagnostics.push({ ...diag('RS504', msg('state-dict-unexpected', { n: unexpected.length, names: list(unexpected) })), severity: 'warning' });
  return { weights: out, diagnostics };
}
