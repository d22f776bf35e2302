import { hasErrors, type Diagnostic } from '../../diagnostics/catalogue.ts';
import type { ResidualDocument } from '../../graph/types.ts';
import { lowerToIr } from '../../onnx/compile.ts';
import { fmtShape } from '../../ops/common.ts';
import { analyze } from '../../shape/analyze.ts';
import { encodeSafetensors } from '../../weights/safetensors.ts';
import type { StoredTensor, WeightStore } from '../../weights/types.ts';
import { generateModel } from './codegen.ts';
import { preludeSource, SAFETENSORS_SOURCE } from './prelude.ts';
import { pyFloat } from './python.ts';

/** The weights file `model.py` loads, beside it. */
export const PYTORCH_WEIGHTS_FILE = 'weights.safetensors';

/** Options of {@link exportPyTorch}. */
export interface PyTorchExportOptions {
  /** Real weights by name (imported or trained); fresh ones from the document's seed elsewhere, as the ONNX export does. */
  readonly weights?: WeightStore;
}

/** What {@link exportPyTorch} gives: the two files, or diagnostics saying why not. */
export interface PyTorchExport {
  /** `model.py`; absent when a diagnostic is an error. */
  readonly modelPy?: string;
  /** The weights `build_model()` loads (`weights.safetensors`), named as the ONNX file's initializers. */
  readonly weights?: Uint8Array;
  /** The state_dict `build_model()` returns: key → shape. */
  readonly state?: ReadonlyMap<string, readonly number[]>;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Writes a document as a PyTorch module a person could have written: one class per block kind,
 * torchvision's attribute names, a `forward` in the diagram's order, and `build_model()` that
 * loads the weights the ONNX export would carry (its state_dict keys and shapes are the ONNX
 * file's weight initializers). Ops PyTorch has no counterpart for give RS801, names that
 * cannot be module paths RS802.
 *
 * @example
 * const { modelPy, weights, diagnostics } = exportPyTorch(buildTemplate('resnet18')!);
 * if (modelPy) { writeFileSync('out/model.py', modelPy); writeFileSync('out/weights.safetensors', weights!); }
 */
export function exportPyTorch(doc: ResidualDocument, opts: PyTorchExportOptions = {}): PyTorchExport {
  const analysis = analyze(doc);
  if (hasErrors(analysis.diagnostics)) return { diagnostics: analysis.diagnostics };
  const gen = generateModel(doc, analysis);
  if (hasErrors(gen.diagnostics)) return { diagnostics: [...analysis.diagnostics, ...gen.diagnostics] };
  const lowered = lowerToIr(doc, { analysis, deferWeights: false, embedDocument: false, ...(opts.weights ? { weights: opts.weights } : {}) });
  if (!lowered.model) return { diagnostics: lowered.diagnostics };
  const inits = new Map(lowered.model.graph.initializers.map((t) => [t.name, t]));
  const owners = new Map(analysis.layers.map((l) => [l.name, l.owner]));
  const store = new Map<string, StoredTensor>();
  for (const [name, dims] of gen.state) {
    // A tensor two layers share is written once in ONNX, under the first one's name: the weights' own entry has it.
    const data = (inits.get(name)?.data as Float32Array | undefined) ?? opts.weights?.get(name)?.data;
    if (!data || data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`exportPyTorch: no ${dims.join('×')} tensor for ${name}`);
    const layer = name.slice(0, name.lastIndexOf('.'));
    store.set(name, { dims, data, owner: owners.get(layer) ?? '', origin: opts.weights?.get(name)?.origin ?? 'imported' });
  }
  const body = [preludeSource(gen.parts), SAFETENSORS_SOURCE, gen.classes, gen.network, buildModel(gen.networkName, doc)];
  const modelPy = [header(doc, gen.networkName, analysis.outputs.map((o) => fmtShape(o.shape)).join(', ')), imports(body.join('\n')), ...body]
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join('\n\n\n')
    .concat('\n');
  return { modelPy, weights: encodeSafetensors(store, { format: 'pt' }), state: gen.state, diagnostics: [...analysis.diagnostics] };
}

function header(doc: ResidualDocument, cls: string, outs: string): string {
  const { channels: c, height: h, width: w } = doc.input;
  const norm =
    doc.input.mean && doc.input.std
      ? `\nInputs are pixels in [0, 1] normalised per channel: (x - MEAN) / STD, MEAN = ${tuple(doc.input.mean)}, STD = ${tuple(doc.input.std)}.`
      : '';
  return `"""${doc.name}: PyTorch code exported from Residual Studio.

${cls} takes N×${c}×${h}×${w} and returns ${outs}.${norm}

    model = build_model()  # the exported weights, in eval mode
    out = model(torch.randn(1, ${c}, ${h}, ${w}))

Train it as any nn.Module (torchrun and DDP included). save_weights(model, "trained.safetensors")
writes a file Residual Studio opens back: the state_dict's names are the ONNX export's
initializer names, so each weight lands on its layer. Needs nothing but torch.
"""`;
}

const tuple = (xs: readonly number[]) => `(${xs.map(pyFloat).join(', ')}${xs.length === 1 ? ',' : ''})`;

/** The imports the code uses. */
function imports(code: string): string {
  return [
    'import json',
    'import struct',
    ...(code.includes('OrderedDict(') ? ['from collections import OrderedDict'] : []),
    'from pathlib import Path',
    '',
    'import torch',
    ...(/\bF\./.test(code) ? ['import torch.nn.functional as F'] : []),
    'from torch import nn',
  ].join('\n');
}

function buildModel(cls: string, doc: ResidualDocument): string {
  const mean = doc.input.mean && doc.input.std ? `\n\nMEAN = ${tuple(doc.input.mean)}\nSTD = ${tuple(doc.input.std)}` : '';
  return `WEIGHTS = Path(__file__).with_name("${PYTORCH_WEIGHTS_FILE}")${mean}


def build_model(weights=WEIGHTS):
    """${cls} with the exported weights loaded (every name and shape must match), in eval mode.

    weights=None leaves PyTorch's own initialisation.
    """
    model = ${cls}()
    if weights is not None:
        model.load_state_dict(load_safetensors(weights), strict=True)
    return model.eval()


if __name__ == "__main__":
    model = build_model()
    with torch.no_grad():
        out = model(torch.randn(1, ${doc.input.channels}, ${doc.input.height}, ${doc.input.width}))
    print(type(model).__name__, "->", tuple(out.shape) if torch.is_tensor(out) else [tuple(o.shape) for o in out])
`;
}
