import { diag, hasErrors, msg, type Diagnostic } from '../diagnostics/catalogue.ts';
import type { NodeId } from '../graph/ids.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { serializeDocument } from '../document/create.ts';
import { getOp } from '../ops/registry.ts';
import type { LowerContext, LowerMode } from '../ops/types.ts';
import type { FlatLayer } from '../shape/analyze.ts';
import { isUnknownShape } from '../ops/common.ts';
import { analyze, layerTensor, type Analysis, type ResourceLimits, DEFAULT_LIMITS } from '../shape/analyze.ts';
import type { FreshWeightCache } from '../weights/fresh-cache.ts';
import { initTensor, initTensorInto } from '../weights/init.ts';
import type { WeightStore } from '../weights/types.ts';
import { DataType, DEFAULT_OPSET, irVersionForOpset, MAX_OPSET, MIN_OPSET, type IrAttribute, type IrDim, type IrModel, type IrNode, type IrTensor, type IrValueInfo } from './ir.ts';
import { foldBatchNorm } from './passes/fold-batchnorm.ts';
import { runPasses, type Pass } from './passes/pipeline.ts';
// Installs the Opaque op's payload decoder, so imported opaque ops compile with their attributes
// and constant inputs wherever compile runs (the runtime worker imports only this module).
import './import/opaque-payload.ts';
import { serializeModel } from './serialize.ts';

/** The metadata key under which the editor document travels inside exported ONNX files. */
export const DOCUMENT_METADATA_KEY = 'residual_studio.document';
/** Producer name written into every exported model. */
export const PRODUCER_NAME = 'residual-studio';
/** Producer version written into every exported model. */
export const PRODUCER_VERSION = '0.1.0';

/** Options of {@link compile}. */
export interface CompileOptions {
  /** ONNX opset, 13–21; defaults to the document's. */
  readonly opset?: number;
  /** Real weights by initializer name; used where the owner fingerprint and shape still match. */
  readonly weights?: WeightStore;
  /** Extra tensors to expose as graph outputs (names from `NodeInfo.tensors`), for activation inspection. */
  readonly expose?: readonly string[];
  /** Optimised export: fold inference BatchNorm into the preceding convolution. Off by default. */
  readonly foldBatchNorm?: boolean;
  /** Embed the document in `metadata_props` (default true). */
  readonly embedDocument?: boolean;
  /** Resource guard limits (checked before any weight is allocated). */
  readonly limits?: ResourceLimits;
  /**
   * Leave fresh weights deferred (generated when serialised; `tensorData` materialises one)
   * instead of materialising them in the IR. `compile` defaults to true, `lowerToIr` to false.
   */
  readonly deferWeights?: boolean;
  /** A ready analysis of `doc`, to avoid recomputing it. */
  readonly analysis?: Analysis;
  /** Fresh tensors kept from earlier compiles (used for deferred weights): only tensors an edit changed are generated again. */
  readonly freshWeights?: FreshWeightCache;
  /**
   * Where to write the file's bytes (see `serializeModel`); e.g. `(n) => fresh.output(n)` to
   * reuse two buffers in turn, when the caller is done with each file before the compile after next.
   */
  readonly output?: (bytes: number) => Uint8Array;
  /** Lower for inference (default) or for a training step (see {@link LowerContext.mode}). */
  readonly mode?: LowerMode;
  /** A fixed batch size instead of the symbolic `N` (training needs one). */
  readonly batch?: number;
  /** Training: the seed Dropout's masks are drawn from (each layer's is derived from it and the layer's name). */
  readonly dropoutSeed?: number;
}

/** One layer as a training lowering saw it: what the gradient pass needs to differentiate it. */
export interface TapeEntry {
  readonly layer: FlatLayer;
  /** Tensor names of the layer's inputs and its output. */
  readonly inputs: readonly string[];
  readonly output: string;
  /** The layer's weights by local name: tensor name and role. */
  readonly weights: Readonly<Record<string, { readonly name: string; readonly role: 'param' | 'buffer'; readonly dims: readonly number[] }>>;
  readonly saved: Readonly<Record<string, string>>;
  /** Buffers' next values: [buffer tensor, next tensor]. */
  readonly updates: readonly (readonly [string, string])[];
}

/** Where each document node's weights came from. */
export type WeightSource = 'fresh' | 'imported' | 'trained' | 'mixed';

/** What {@link compile} returns: bytes when the document compiles, diagnostics always. */
export interface CompileResult {
  readonly bytes?: Uint8Array;
  readonly model?: IrModel;
  readonly diagnostics: readonly Diagnostic[];
  /** Per document node with weights: fresh (initialised from the seed) or real. */
  readonly weightSources: ReadonlyMap<NodeId, WeightSource>;
  /** Names of the graph outputs: `logits` first, then exposed tensors. */
  readonly outputs: readonly string[];
  /** Analysis + lowering, optional passes, serialisation (including generating fresh weights). */
  readonly timings: { readonly lowerMs: number; readonly passesMs: number; readonly serializeMs: number };
}

/**
 * Compiles a document to an ONNX model. A pipeline of passes over a typed IR:
 * analyse (shapes, diagnostics, resource guard) → lower each layer → optional passes
 * (BN folding) → serialise with the generated protobuf bindings.
 *
 * @example
 * const { bytes, diagnostics } = compile(buildTemplate('resnet18')!, { opset: 17 });
 * if (bytes) writeFileSync('resnet18.onnx', bytes);
 */
export function compile(doc: ResidualDocument, opts: CompileOptions = {}): CompileResult {
  const t0 = performance.now();
  // Fresh weights stay deferred so the serialiser generates them straight into the output.
  const { model, diagnostics, weightSources, outputs } = lowerToIr(doc, { ...opts, deferWeights: opts.deferWeights ?? true });
  const t1 = performance.now();
  if (!model) return { diagnostics, weightSources, outputs, timings: { lowerMs: t1 - t0, passesMs: 0, serializeMs: 0 } };
  const passes: Pass<IrModel>[] = opts.foldBatchNorm ? [{ name: 'fold-batchnorm', run: (m) => ({ model: foldBatchNorm(m), diagnostics: [] }) }] : [];
  const lowered = runPasses(model, passes).model ?? model;
  const t2 = performance.now();
  const bytes = serializeModel(lowered, opts.output ? { output: opts.output } : {});
  const t3 = performance.now();
  return { bytes, model: lowered, diagnostics, weightSources, outputs, timings: { lowerMs: t1 - t0, passesMs: t2 - t1, serializeMs: t3 - t2 } };
}

/** The first half of {@link compile}: document → IR model (no bytes). */
export function lowerToIr(
  doc: ResidualDocument,
  opts: CompileOptions = {},
): { model?: IrModel; diagnostics: Diagnostic[]; weightSources: Map<NodeId, WeightSource>; outputs: string[]; tape?: TapeEntry[]; analysis?: Analysis } {
  const opset = opts.opset ?? doc.opset ?? DEFAULT_OPSET;
  const weightSources = new Map<NodeId, WeightSource>();
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    return { diagnostics: [diag('RS304', msg('opset-unsupported', { opset, min: MIN_OPSET, max: MAX_OPSET }), { field: 'opset' })], weightSources, outputs: [] };
  }
  const analysis = opts.analysis ?? analyze(doc, opts.limits ?? DEFAULT_LIMITS);
  const diagnostics = [...analysis.diagnostics];
  if (hasErrors(diagnostics)) return { diagnostics, weightSources, outputs: [] };
  if (analysis.outputs.length === 0) return { diagnostics: [...diagnostics, diag('RS103', msg('no-connected-output'))], weightSources, outputs: [] };

  const nodes: IrNode[] = [];
  const initializers: IrTensor[] = [];
  const valueInfo: IrValueInfo[] = [];
  const tensorOf = new Map<NodeId, string>();
  const shapeOf = new Map<string, readonly number[]>();
  const inputName = doc.input.name ?? 'input';
  const mode = opts.mode ?? 'inference';
  const batchDim: IrDim = opts.batch ?? doc.input.symbolic?.batch ?? 'N';
  const tape: TapeEntry[] = [];
  const spatialSymbolic = doc.input.symbolic?.height !== undefined || doc.input.symbolic?.width !== undefined;
  const shared = new Map<object, { name: string; dims: readonly number[] }>();
  const constants = new Map<string, string>();
  const note = (docNode: NodeId, src: 'fresh' | 'imported' | 'trained') => {
    const cur = weightSources.get(docNode);
    weightSources.set(docNode, cur === undefined || cur === src ? src : 'mixed');
  };

  for (const layer of analysis.layers) {
    const out = layerTensor(layer);
    if (layer.op === 'Input' || layer.op === 'Output') {
      tensorOf.set(layer.id, layer.op === 'Input' ? inputName : out);
      continue;
    }
    const first = nodes.length;
    let counter = 0;
    const weights: Record<string, { name: string; role: 'param' | 'buffer'; dims: readonly number[] }> = {};
    const saved: Record<string, string> = {};
    const updates: [string, string][] = [];
    const declared = new Map<string, string>();
    const usedNames = new Set<string>();
    /** A constant's name; one declared again with the same values is the same initializer. */
    const constant = (local: string, values: string): string | undefined => {
      const name = `${layer.name}.${local}`;
      const had = declared.get(name);
      if (had === undefined) {
        declared.set(name, values);
        return undefined;
      }
      if (had === values) return name;
      throw new Error(`${layer.name}: constant ${local} declared twice with different values`);
    };
    const ctx: LowerContext = {
      opset,
      mode,
      ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
      zeroInitResidual: doc.zeroInitResidual,
      save(key, tensor) {
        saved[key] = tensor;
      },
      update(buffer, next) {
        updates.push([buffer, next]);
      },
      dropoutSeed: () => layerSeed(opts.dropoutSeed ?? doc.seed, layer.name),
      emit(opType, inputs, attributes = [], o = {}) {
        // A constant several kept ops read (the file had one tensor feeding both) is emitted once:
        // each opaque op carries its own copy in its payload, under the file's name for it.
        const key = o.shareAs;
        const again = key !== undefined ? constants.get(key) : undefined;
        if (again !== undefined) return [again];
        const suffix = o.suffix ?? (counter++ === 0 ? '' : String(counter));
        let base = suffix ? `${layer.name}/${suffix}` : layer.name;
        if (usedNames.has(base)) base = `${base}_${usedNames.size}`;
        usedNames.add(base);
        const outs = o.outputs ? [...o.outputs] : Array.from({ length: o.outputCount ?? 1 }, (_, i) => (i === 0 ? base : `${base}:${i}`));
        nodes.push({ name: base, opType, inputs, outputs: outs, attributes: attributes as IrAttribute[], ...(o.domain ? { domain: o.domain } : {}) });
        if (key !== undefined) constants.set(key, outs[0]!);
        return outs;
      },
      weight(local, dims, init, role = 'param') {
        const name = `${layer.name}.${local}`;
        weights[local] = { name, role, dims };
        const stored = opts.weights?.get(name);
        if (stored && stored.owner === layer.owner && sameDims(stored.dims, dims)) {
          note(layer.docNode, stored.origin);
          // One tensor that several layers share (torch writes equal initializers once; the
          // importer gives each layer the same array) is written once, as in the file.
          const same = shared.get(stored.data);
          if (same && sameDims(same.dims, dims)) return same.name;
          shared.set(stored.data, { name, dims });
          initializers.push({ name, dims, dataType: DataType.FLOAT, data: stored.data });
          return name;
        }
        note(layer.docNode, 'fresh');
        const key = `${layer.id}/${local}`;
        const fresh = opts.freshWeights;
        if (opts.deferWeights) {
          const fill = fresh ? (out: Float32Array, home?: Uint8Array) => void fresh.fill(init, out, doc.seed, key, home) : (out: Float32Array) => void initTensorInto(init, out, doc.seed, key);
          initializers.push({ name, dims, dataType: DataType.FLOAT, data: EMPTY, deferred: fill, freshInit: { spec: init, seed: doc.seed, key } });
        } else {
          initializers.push({ name, dims, dataType: DataType.FLOAT, data: initTensor(init, dims, doc.seed, key) });
        }
        return name;
      },
      int64(local, values) {
        const name = `${layer.name}.${local}`;
        if (constant(local, `i${values.join(',')}`)) return name;
        initializers.push({ name, dims: [values.length], dataType: DataType.INT64, data: BigInt64Array.from(values.map((v) => BigInt(v))) });
        return name;
      },
      float(local, dims, values) {
        const name = `${layer.name}.${local}`;
        if (constant(local, `f${dims.join('x')}:${values.join(',')}`)) return name;
        initializers.push({ name, dims, dataType: DataType.FLOAT, data: Float32Array.from(values) });
        return name;
      },
    };
    const inputs = layer.inputs.map((r) => tensorOf.get(r.layer)!);
    const ret = getOp(layer.op).lower!(ctx, inputs, layer.inputShapes, layer.outputShapes, layer.params);
    // The layer's output tensor is always named after the layer, whatever its lowering did inside.
    if (ret[0] !== undefined && ret[0] !== out) {
      // A lowering of several nodes without suffixes gave its first node the layer's name: that
      // one steps aside for the node whose output the layer returns.
      if (nodes.slice(first).some((n) => n.outputs.includes(out))) {
        const aside = `${out}/0`;
        renameOutput(nodes, first, out, aside);
        for (const [k, v] of Object.entries(saved)) if (v === out) saved[k] = aside;
        for (const u of updates) if (u[1] === out) u[1] = aside;
      }
      renameOutput(nodes, first, ret[0], out);
      for (const [k, v] of Object.entries(saved)) if (v === ret[0]) saved[k] = out;
      for (const u of updates) if (u[1] === ret[0]) u[1] = out;
    }
    tensorOf.set(layer.id, out);
    if (mode === 'training') tape.push({ layer, inputs, output: out, weights, saved, updates });
    const shape = layer.outputShapes[0]!;
    // An opaque op's output need not be a float activation (Shape gives int64), and an unknown
    // or size-dependent shape must not be pinned: those get no value_info.
    if (layer.op === 'Opaque' || isUnknownShape(shape)) continue;
    shapeOf.set(out, shape);
    if (!spatialSymbolic) valueInfo.push({ name: out, elemType: DataType.FLOAT, dims: [batchDim, ...shape] });
  }

  const graphOutputs: IrValueInfo[] = [];
  const outputDims = graphOutputDims(doc, analysis, spatialSymbolic);
  const names = outputNames(doc, analysis);
  const taken = new Set([inputName, ...analysis.layers.filter((l) => l.op !== 'Input' && l.op !== 'Output').map(layerTensor)]);
  for (const [i, name] of names.entries()) {
    if (taken.has(name) || names.indexOf(name) !== i) {
      return { diagnostics: [...diagnostics, diag('RS108', msg('output-name-taken', { name }), { nodeId: analysis.outputs[i]!.node, field: 'tensor' })], weightSources, outputs: [] };
    }
  }
  analysis.outputs.forEach((o, i) => {
    const name = names[i]!;
    nodes.push({ name: `output${i === 0 ? '' : `_${i}`}`, opType: 'Identity', inputs: [tensorOf.get(o.layer)!], outputs: [name], attributes: [] });
    graphOutputs.push({ name, elemType: DataType.FLOAT, ...(outputDims[i] ? { dims: outputDims[i] } : { dims: [], shapeUnknown: true }) });
  });
  for (const name of opts.expose ?? []) {
    if (graphOutputs.some((g) => g.name === name)) continue;
    const s = name === 'input' ? [doc.input.channels, doc.input.height, doc.input.width] : shapeOf.get(name);
    if (!s) {
      diagnostics.push(diag('RS105', msg('expose-missing', { name })));
      continue;
    }
    // The activation view asks for `input` by that name whatever the graph input is called.
    if (name === 'input' && inputName !== 'input') nodes.push({ name: 'expose_input', opType: 'Identity', inputs: [inputName], outputs: ['input'], attributes: [] });
    graphOutputs.push({ name, elemType: DataType.FLOAT, dims: [batchDim, ...(spatialSymbolic ? s.map(() => '') : s)] });
  }
  const exposed = new Set(graphOutputs.map((g) => g.name));

  // Custom domains of kept (opaque) ops: the original files' domain versions are not carried
  // through import, so version 1 is declared.
  const domains = [...new Set(nodes.map((n) => n.domain).filter((d): d is string => !!d && d !== 'ai.onnx'))];
  const model: IrModel = {
    irVersion: irVersionForOpset(opset),
    opset,
    ...(domains.length ? { extraOpsets: domains.map((domain) => ({ domain, version: 1 })) } : {}),
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    metadata: opts.embedDocument === false ? {} : { [DOCUMENT_METADATA_KEY]: serializeDocument(doc) },
    docString: doc.name,
    graph: {
      name: doc.name,
      inputs: [{ name: inputName, elemType: DataType.FLOAT, dims: [batchDim, doc.input.channels, doc.input.symbolic?.height ?? doc.input.height, doc.input.symbolic?.width ?? doc.input.width] }],
      outputs: graphOutputs,
      nodes,
      initializers,
      valueInfo: valueInfo.filter((v) => !exposed.has(v.name)),
    },
  };
  return { model, diagnostics, weightSources, outputs: graphOutputs.map((g) => g.name), ...(mode === 'training' ? { tape } : {}), analysis };
}

const EMPTY = new Float32Array(0);

/** A layer's own seed: FNV-1a of its name mixed with the step's seed, kept exact as a float32. */
function layerSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % (1 << 24);
}

/** The graph output names: each Output node's `tensor`, else `logits`, `logits_1`, …. */
function outputNames(doc: ResidualDocument, analysis: Analysis): string[] {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  return analysis.outputs.map((o, i) => {
    const t = byId.get(o.node)?.params['tensor'];
    return typeof t === 'string' && t !== '' ? t : i === 0 ? 'logits' : `logits_${i}`;
  });
}

/**
 * Each graph output's declared dims, undefined where the shape is unknown. With a symbolic input
 * size, the network is analysed again at another size: a dim that changes with it is declared
 * symbolic (named after the output), one that does not (a classifier's classes) stays fixed.
 */
function graphOutputDims(doc: ResidualDocument, analysis: Analysis, spatialSymbolic: boolean): (IrDim[] | undefined)[] {
  const batch = doc.input.symbolic?.batch ?? 'N';
  const sym = doc.input.symbolic;
  const other = spatialSymbolic
    ? analyze({ ...doc, input: { ...doc.input, height: sym?.height !== undefined ? doc.input.height * 2 : doc.input.height, width: sym?.width !== undefined ? doc.input.width * 2 : doc.input.width } })
    : undefined;
  return analysis.outputs.map((o, i) => {
    if (isUnknownShape(o.shape)) return undefined;
    const alt = other?.outputs[i]?.shape;
    return [batch, ...o.shape.map((d, k) => (other && (!alt || alt[k] !== d) ? '' : d))];
  });
}
const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function renameOutput(nodes: IrNode[], from: number, oldName: string, newName: string) {
  for (let i = from; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.outputs.includes(oldName) || n.inputs.includes(oldName)) {
      nodes[i] = { ...n, outputs: n.outputs.map((x) => (x === oldName ? newName : x)), inputs: n.inputs.map((x) => (x === oldName ? newName : x)) };
    }
  }
}
