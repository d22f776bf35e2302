/**
 * ONNX import: bytes of any ONNX file → an editable {@link ResidualDocument} with residual blocks,
 * plus its weights. Files we exported ourselves re-open with the exact document they carry.
 *
 * Pipeline: {@link decodeModel} (hostile-input-safe) → map ops to layers ({@link mapLayers}) →
 * recover residual blocks and stages ({@link recoverBlocks}) → assemble the document → give every
 * tensor the owner fingerprint of the flat layer that will use it (from {@link analyze}).
 */
import { diag, hasErrors, msg, type Diagnostic } from '../../diagnostics/catalogue.ts';
import { parseDocument } from '../../document/document.ts';
import type { ResidualDocument, UserBlockDef } from '../../graph/types.ts';
import { resolveParams } from '../../ops/validate.ts';
import { fingerprint } from '../../shape/fingerprint.ts';
import { analyze, type Analysis } from '../../shape/analyze.ts';
import type { StoredTensor, WeightStore } from '../../weights/types.ts';
import { DOCUMENT_METADATA_KEY, lowerToIr } from '../compile.ts';
import { decodeModel } from '../decode.ts';
import { DataType, MAX_OPSET, MIN_OPSET, type IrModel } from '../ir.ts';
import type { DecodeLimits } from '../limits.ts';
import { assemble, expandBlockLayers, type PendingWeight } from './assemble.ts';
import { recoverBlocks } from './blocks.ts';
import { recoverVariantBlocks } from './variant-blocks.ts';
import { recoverConvNeXtBlocks } from './convnext-blocks.ts';
import { recoverInvertedResiduals } from './inverted-residuals.ts';
import { recoverUserBlocks, splitLibrary } from './user-blocks.ts';
import { deadline, ImportTimeout } from './deadline.ts';
import { mapLayers, type MappedInput } from './layers.ts';
import { installOpaqueDecoder } from './opaque-payload.ts';
import { isResidualBlockKind } from '../../ops/registry.ts';

export { decodeOpaquePayload, encodeOpaquePayload, installOpaqueDecoder } from './opaque-payload.ts';
export { modulePath } from './layers.ts';

/** Options of {@link importOnnx}. */
export interface ImportOptions {
  /** Document name when the file carries none (e.g. the file name without extension). */
  readonly name?: string;
  /** Limits for the reader (defaults: see {@link DecodeLimits}). */
  readonly limits?: Partial<DecodeLimits>;
  /** Ignore an embedded Residual Studio document and import the graph itself. */
  readonly ignoreEmbedded?: boolean;
  /** Working height and width for a file whose input height/width are symbolic (default: 224, or the file's fixed side). */
  readonly inputSize?: { readonly height: number; readonly width: number };
  /**
   * Give up with RS607 after this many milliseconds (checked as the importer walks the graph).
   * No limit by default; the CLI sets one, the app's import runs in a worker the user can cancel.
   */
  readonly timeLimitMs?: number;
  /** Called with a fraction 0–1 and a phase name as the import proceeds (for progress bars). */
  readonly onProgress?: (fraction: number, phase: 'decode' | 'map' | 'blocks' | 'weights' | 'done') => void;
  /**
   * User-defined blocks to recognise (a document's or a library file's): layers wired as one of
   * them become an instance card of it, before the built-in blocks are looked for, and the
   * imported document's block library holds them all.
   */
  readonly library?: readonly UserBlockDef[];
}

/** What {@link importOnnx} returns: a document and its weights, or diagnostics saying why not. */
export interface ImportResult {
  readonly doc?: ResidualDocument;
  readonly weights?: WeightStore;
  readonly diagnostics: Diagnostic[];
  /** True when the document came from the file's embedded `residual_studio.document`. */
  readonly embedded?: boolean;
}

installOpaqueDecoder();

/**
 * Imports ONNX bytes. Never throws: a damaged, hostile or unrepresentable file gives diagnostics
 * (RS601–RS604 from the reader, RS602 for a graph the editor cannot represent) and no document.
 *
 * @example
 * const { doc, weights, diagnostics } = importOnnx(new Uint8Array(await file.arrayBuffer()), { name: 'resnet18' });
 * if (!doc) showProblems(diagnostics);
 * else compile(doc, { weights }); // computes what the file computed
 */
export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): ImportResult {
  try {
    return importUnsafe(bytes, opts);
  } catch (err) {
    if (err instanceof ImportTimeout) return { diagnostics: [diag('RS607', msg('import-timed-out', { seconds: Number((err.limitMs / 1000).toFixed(1)), phase: err.phase }))] };
    // A throw is a bug in the importer; the contract is diagnostics, never a crash.
    return { diagnostics: [diag('RS602', msg('import-crashed', { error: err instanceof Error ? err.message : String(err) }))] };
  }
}

function importUnsafe(bytes: Uint8Array, opts: ImportOptions): ImportResult {
  const time = deadline(opts.timeLimitMs);
  const report = opts.onProgress ?? (() => {});
  const progress: typeof report = (f, phase) => {
    time.enter(phase);
    report(f, phase);
  };
  progress(0, 'decode');
  const decoded = decodeModel(bytes, opts.limits);
  const model = decoded.model;
  if (!model) return { diagnostics: decoded.diagnostics };
  const diagnostics = [...decoded.diagnostics];

  const text = model.metadata[DOCUMENT_METADATA_KEY];
  if (text !== undefined && !opts.ignoreEmbedded) {
    const r = reopenEmbedded(model, text);
    if (r.doc) {
      progress(1, 'done');
      return { ...r, diagnostics: [...diagnostics, ...r.diagnostics], embedded: true };
    }
    diagnostics.push(...r.diagnostics);
  }

  progress(0.5, 'map');
  const mapped = mapLayers(model, { ...(opts.inputSize ? { inputSize: opts.inputSize } : {}), deadline: time });
  diagnostics.push(...mapped.diagnostics);
  if (!mapped.layers || !mapped.input || hasErrors(mapped.diagnostics)) return { diagnostics };

  progress(0.6, 'blocks');
  const outputs = new Set(mapped.outputs);
  // The user's own blocks first: a block they defined is what they mean where its layers are.
  // One that holds built-in blocks is looked for once those are recovered.
  const library = splitLibrary(opts.library ?? []);
  const own = recoverUserBlocks(mapped.layers, mapped.shapes, outputs, library.layersOnly, time);
  const builtIn = recoverConvNeXtBlocks(recoverInvertedResiduals(recoverBlocks(recoverVariantBlocks(own, mapped.shapes, outputs, time), mapped.shapes, outputs, time), mapped.shapes, outputs, time), mapped.shapes, outputs, time);
  const layers = recoverUserBlocks(builtIn, mapped.shapes, outputs, library.withBlocks, time);
  const last = mapped.shapes.get(mapped.outputs[0] ?? '');
  const { doc: assembled, weights: pending } = assemble(
    layers,
    {
      name: mapped.input.name,
      spec: {
        channels: mapped.input.channels,
        height: mapped.input.height,
        width: mapped.input.width,
        // The file's own input name and symbolic axes travel with the document, so a re-export
        // is fed and sized as the original was (defaults are left out: `input`, batch `N`).
        ...(mapped.input.name !== 'input' ? { name: mapped.input.name } : {}),
        ...(symbolicAxes(mapped.input.symbolic) ? { symbolic: symbolicAxes(mapped.input.symbolic) } : {}),
      },
    },
    mapped.outputs,
    mapped.shapes,
    {
      name: opts.name || model.graph.name || model.docString || 'Imported model',
      opset: Math.min(MAX_OPSET, Math.max(MIN_OPSET, model.opset)),
      ...(last && last.length === 1 ? { classes: last[0]! } : {}),
    },
    time,
  );

  const doc = opts.library?.length ? { ...assembled, blocks: [...opts.library] } : assembled;

  progress(0.8, 'weights');
  const analysis = analyze(doc);
  const weights = ownWeights(doc, analysis, pending);
  progress(1, 'done');
  return { doc, weights, diagnostics };
}

/** The symbolic axes worth keeping: all but a batch called `N`, which every export uses anyway. */
function symbolicAxes(s: MappedInput['symbolic']): MappedInput['symbolic'] | undefined {
  const kept = { ...(s.batch !== undefined && s.batch !== 'N' ? { batch: s.batch } : {}), ...(s.height !== undefined ? { height: s.height } : {}), ...(s.width !== undefined ? { width: s.width } : {}) };
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * Gives each tensor the owner fingerprint of the flat layer that uses it, read from the analysis
 * of the finished document; layers the analysis could not reach (after an opaque op of unknown
 * shape) are fingerprinted from their block's expansion directly.
 */
function ownWeights(doc: ResidualDocument, analysis: Analysis, pending: readonly PendingWeight[]): WeightStore {
  const owner = new Map<string, string>();
  for (const l of analysis.layers) owner.set(l.name, l.owner);
  const missing = pending.some((p) => !owner.has(p.layer));
  if (missing) {
    for (const n of doc.nodes) {
      if (isResidualBlockKind(n.op)) {
        const e = doc.edges.find((x) => x.target === n.id);
        const info = e ? analysis.nodes.get(e.source)?.outputShapes[0] : undefined;
        const inShape = info ?? [Number(n.params['width']), 1, 1];
        for (const m of expandBlockLayers(n, inShape, doc)) if (!owner.has(m.name)) owner.set(m.name, fingerprint(m));
      } else if (!owner.has(n.name)) owner.set(n.name, fingerprint({ ...n, params: resolveParams(n).params }));
    }
  }
  const store = new Map<string, StoredTensor>();
  for (const p of pending) {
    store.set(`${p.layer}.${p.local}`, { dims: [...p.tensor.dims], data: p.tensor.data, owner: owner.get(p.layer) ?? '', origin: 'imported' });
  }
  return store;
}

/**
 * Re-opens a document we exported: validated by {@link parseDocument}, weights taken from the
 * initializers by name. Falls back (with a warning) when the tensors do not fit the document —
 * e.g. a file exported with BN folded, whose convs carry biases the document does not have.
 */
function reopenEmbedded(model: IrModel, text: string): ImportResult {
  let parsed: ReturnType<typeof parseDocument>;
  try {
    parsed = parseDocument(text);
  } catch (err) {
    // parseDocument should not throw; a hostile document must still not crash the import.
    parsed = { diagnostics: [diag('RS501', msg('embedded-unreadable', { error: err instanceof Error ? err.message : String(err) }))] };
  }
  if (!parsed.doc) {
    return { diagnostics: [{ ...diag('RS504', msg('embedded-invalid', { problem: parsed.diagnostics[0]?.messageRef ?? parsed.diagnostics[0]?.message ?? msg('unknown-problem') })), severity: 'warning' }] };
  }
  const doc = parsed.doc;
  const analysis = analyze(doc);
  const inits = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const store = new Map<string, StoredTensor>();
  for (const l of analysis.layers) {
    for (const local of WEIGHT_LOCALS[l.op] ?? []) {
      const t = inits.get(`${l.name}.${local}`);
      if (t && t.dataType === DataType.FLOAT && t.data instanceof Float32Array) store.set(`${l.name}.${local}`, { dims: [...t.dims], data: t.data, owner: l.owner, origin: 'imported' });
    }
  }
  const check = lowerToIr(doc, { weights: store, analysis, embedDocument: false });
  const fresh = [...check.weightSources.values()].some((s) => s !== 'imported');
  if (!check.model || fresh) {
    return { diagnostics: [{ ...diag('RS504', msg('embedded-mismatch')), severity: 'warning' }] };
  }
  return { doc, weights: store, diagnostics: [] };
}

/** The weight tensors each layer op asks for in its lowering (`ctx.weight`). */
const WEIGHT_LOCALS: Partial<Record<string, readonly string[]>> = {
  Conv2d: ['weight', 'bias'],
  BatchNorm2d: ['weight', 'bias', 'running_mean', 'running_var'],
  Linear: ['weight', 'bias'],
};
