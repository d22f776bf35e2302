/**
 * Step 1 of import: ONNX nodes → editor layers. Each supported op whose attributes fit the
 * editor's square-kernel, symmetric-padding ops becomes one layer with its weights; everything
 * else becomes an Opaque layer that carries the op through export unchanged. Shapes are inferred
 * with the editor's own shape rules as the nodes are mapped, so a mapping that would not infer
 * (a MatMul on a feature map, say) falls back to Opaque instead of giving a broken document.
 */
import { diag, msg, type Diagnostic, type MessageRef } from '../../diagnostics/catalogue.ts';
import { nodeId } from '../../graph/ids.ts';
import type { OpKind, Shape } from '../../graph/types.ts';
import { getOp, OPS } from '../../ops/registry.ts';
import type { OpDef } from '../../ops/types.ts';
import { resolveParams } from '../../ops/validate.ts';
import { DataType, type IrDim, type IrModel, type IrNode, type IrTensor } from '../ir.ts';
import { intAttr, intsAttr, floatAttr, floatConst, asTensor, label, labelRef, modulePath, tidyFloat, transpose, type ImportContext, type ImportedTensor, type ImportLayer } from './match.ts';
import { NEVER, type Deadline } from './deadline.ts';
import { constantFacts, inferNode, type Dim, type TensorFacts } from './onnx-shapes.ts';
import { encodeOpaquePayload, type OpaqueSlot } from './opaque-payload.ts';

export type { ImportedTensor, ImportLayer } from './match.ts';
export { modulePath, tidyFloat } from './match.ts';

/** The graph input as the editor holds it: fixed C, H and W, and the file's symbolic axes by name. */
export interface MappedInput {
  readonly name: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Axes the file leaves symbolic (`N`, `H`, `W`), kept so a re-export leaves them symbolic too. */
  readonly symbolic: { readonly batch?: string; readonly height?: string; readonly width?: string };
}

/** What {@link mapLayers} returns: the layers, or the reason the graph cannot be represented. */
export interface MappedGraph {
  readonly layers?: ImportLayer[];
  readonly input?: MappedInput;
  /** Graph output tensor names, in order. */
  readonly outputs: readonly string[];
  /** Inferred shapes (without batch) of data tensors; undefined where unknown. */
  readonly shapes: ReadonlyMap<string, Shape | undefined>;
  readonly diagnostics: Diagnostic[];
}

/** Options of {@link mapLayers}. */
export interface MapOptions {
  /** Working height and width for an input whose spatial axes are symbolic (default: the file's other side, else 224). */
  readonly inputSize?: { readonly height: number; readonly width: number };
  /** Checked once per node. */
  readonly deadline?: Deadline;
}

/** The working size for a symbolic spatial axis when nothing else suggests one: ImageNet's. */
export const DEFAULT_SPATIAL = 224;

const refuse = (reason: MessageRef, field?: string): Diagnostic => diag('RS602', msg('import-unrepresentable', { reason }), field ? { field } : {});
const fixedDim = (x: IrDim | undefined): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65536;

/** Maps a decoded model's nodes to layers (see the module comment). Never throws on model content. */
export function mapLayers(model: IrModel, opts: MapOptions = {}): MappedGraph {
  const g = model.graph;
  const diagnostics: Diagnostic[] = [];
  const shapes = new Map<string, Shape | undefined>();
  const consts = new Map<string, IrTensor>();
  for (const t of g.initializers) consts.set(t.name, t);
  const outputs = g.outputs.map((o) => o.name);

  const realInputs = g.inputs.filter((v) => !consts.has(v.name));
  if (realInputs.length !== 1) return { outputs, shapes, diagnostics: [refuse(msg('import-input-count', { n: realInputs.length }), 'graph.input')] };
  const inp = realInputs[0]!;
  const d = inp.dims;
  const spatialOk = (x: IrDim | undefined) => fixedDim(x) || (typeof x === 'string' && x !== '');
  if (inp.elemType !== DataType.FLOAT || d.length !== 4 || !fixedDim(d[1]) || !spatialOk(d[2]) || !spatialOk(d[3])) {
    return {
      outputs,
      shapes,
      diagnostics: [refuse(msg(inp.elemType === DataType.FLOAT ? 'import-input-shape' : 'import-input-shape-type', { name: inp.name, dims: d.map((x) => (x === '' ? '?' : String(x))).join(', ') }), 'graph.input')],
    };
  }
  // A symbolic height or width (exported with dynamic axes) gets a working size: the caller's,
  // else the other side when that one is fixed (square images), else ImageNet's 224.
  const other = fixedDim(d[2]) ? d[2] : fixedDim(d[3]) ? d[3] : undefined;
  const height = fixedDim(d[2]) ? d[2] : (opts.inputSize?.height ?? other ?? DEFAULT_SPATIAL);
  const width = fixedDim(d[3]) ? d[3] : (opts.inputSize?.width ?? other ?? DEFAULT_SPATIAL);
  const symbolic = {
    ...(typeof d[0] === 'string' && d[0] !== '' ? { batch: d[0] } : {}),
    ...(typeof d[2] === 'string' ? { height: d[2] } : {}),
    ...(typeof d[3] === 'string' ? { width: d[3] } : {}),
  };
  if (symbolic.height !== undefined || symbolic.width !== undefined) {
    const axes = [symbolic.height, symbolic.width].filter((x) => x !== undefined).join(', ');
    diagnostics.push({ ...diag('RS606', msg('import-symbolic-size', { name: inp.name, axes, height, width }), { field: 'graph.input' }) });
  }
  const input: MappedInput = { name: inp.name, channels: d[1], height, width, symbolic };
  shapes.set(inp.name, [input.channels, input.height, input.width]);
  // ONNX's own shape rules run beside the editor's, over full shapes: the batch axis is the
  // file's (a number when it exported a fixed batch, so torch's literal `1` in a Reshape fits).
  const batch: Dim = typeof d[0] === 'number' ? d[0] : (symbolic.batch ?? 'N');
  const facts = new Map<string, TensorFacts>();
  facts.set(inp.name, { dims: [batch, input.channels, height, width], float: true });
  for (const t of g.initializers) facts.set(t.name, constantFacts(t));

  const declared = new Map<string, Shape>();
  for (const v of [...g.valueInfo, ...g.outputs]) {
    const rest = v.dims.slice(1);
    if (v.dims.length >= 2 && rest.every((x) => typeof x === 'number' && x >= 1)) declared.set(v.name, rest as number[]);
  }
  const consumers = new Map<string, number[]>();
  g.nodes.forEach((n, i) => n.inputs.forEach((name) => name && consumers.set(name, [...(consumers.get(name) ?? []), i])));
  const graphOutputs = new Set(outputs);

  // Only a node's first output can be wired in the editor; refuse graphs that use the others.
  for (const n of g.nodes) {
    for (let k = 1; k < n.outputs.length; k++) {
      const o = n.outputs[k]!;
      if (o && (consumers.has(o) || graphOutputs.has(o))) return { outputs, shapes, diagnostics: [refuse(msg('import-multi-output', { node: labelRef(n), port: k, tensor: o }), 'graph.node')] };
    }
  }

  const isData = (name: string) => shapes.has(name);
  const layers: ImportLayer[] = [];
  const fused = new Set<number>();
  const ctx: ImportContext = { opset: model.opset, consts, shapes, isData };
  /** The editor's shape of a tensor ONNX's rules know: per-sample when the batch leads, else unknown. */
  const editorShape = (f: TensorFacts | undefined): Shape | undefined => {
    if (!f || !f.float || f.dims.length < 2 || f.dims[0] !== batch) return undefined;
    const rest = f.dims.slice(1);
    return rest.every((x): x is number => typeof x === 'number' && x >= 1) ? rest : undefined;
  };

  const time = opts.deadline ?? NEVER;
  for (const [i, n] of g.nodes.entries()) {
    time.check();
    if (fused.has(i)) continue;
    const out = n.outputs[0];
    if (!out) continue;
    const std = !n.domain || n.domain === 'ai.onnx';
    const nodeFacts = inferNode(n, n.inputs.map((name) => (name ? facts.get(name) : undefined)), model.opset);
    nodeFacts?.forEach((f, k) => f && n.outputs[k] && facts.set(n.outputs[k], f));
    if (std && n.opType === 'Constant') {
      const t = constantValue(n);
      if (t) {
        consts.set(out, t);
        facts.set(out, constantFacts(t));
        continue;
      }
    }
    if (std && n.opType === 'Identity' && n.inputs[0] && consts.has(n.inputs[0])) {
      consts.set(out, consts.get(n.inputs[0])!);
      continue;
    }
    // A channels-last run (torch's LayerNorm2d, and ConvNeXt's LayerNorm → Linear → GELU → Linear
    // between its two permutes) becomes layers on N×C×H×W; all or nothing.
    const run = std ? channelsLastRun(g.nodes, i, ctx, { consumers, graphOutputs }) : undefined;
    if (run) {
      const runShapes = new Map(shapes);
      const ok = run.layers.every((l) => {
        const sh = inferShape(l, runShapes);
        if (sh === undefined || sh === 'fail') return false;
        runShapes.set(l.output, sh);
        return true;
      });
      if (ok) {
        for (const k of run.nodes) fused.add(k);
        for (const l of run.layers) {
          const sh = runShapes.get(l.output)!;
          shapes.set(l.output, sh);
          facts.set(l.output, { dims: [batch, ...sh], float: true });
          layers.push(l);
        }
        continue;
      }
    }
    // Nodes a fusion takes in are skipped only once the fused layer is accepted: a Linear that
    // does not fit its input (a MatMul on a tensor of unknown shape) falls back to an opaque
    // MatMul, and the Add after it must then still be imported.
    const pending = new Set<number>();
    let layer = std ? (fuseActivation(g.nodes, i, ctx, { consumers, graphOutputs }, pending) ?? mapKnown(n, ctx)) : undefined;
    // MatMul + Add (bias) → one Linear, on the last axis of [N, ..., F] as torch.nn.Linear; the
    // bias may be either input of the Add, and must lie along that last axis.
    if (layer && n.opType === 'MatMul') {
      const cons = consumers.get(out) ?? [];
      const next = cons.length === 1 && !graphOutputs.has(out) ? g.nodes[cons[0]!] : undefined;
      if (next && next.opType === 'Add' && !next.domain && next.outputs[0]) {
        const other = next.inputs[0] === out ? next.inputs[1] : next.inputs[0];
        const c = other ? consts.get(other) : undefined;
        const o = Number(layer.params['outFeatures']);
        if (c && c.dataType === DataType.FLOAT && c.data.length === o && c.dims.filter((x) => x !== 1).length <= 1 && (o === 1 || c.dims.at(-1) === o)) {
          const w = new Map(layer.weights);
          w.set('bias', { dims: [o], data: c.data as Float32Array });
          layer = { ...layer, params: { ...layer.params, bias: true }, output: next.outputs[0], weights: w, source: `${layer.source} + ${label(next)}` };
          pending.add(cons[0]!);
        }
      }
    }
    let shape = layer ? inferShape(layer, shapes) : undefined;
    // A layer the editor models but cannot place (its input's shape is unknown, and its
    // lowering needs it for the weights) is kept as in the file, like any op it does not model.
    if (layer && (shape === 'fail' || (shape === undefined && getOp(layer.op).needsInputShapes))) layer = undefined;
    if (!layer) {
      const known = editorShape(nodeFacts?.[0]) ?? declared.get(out);
      layer = opaqueLayer(n, ctx, known, `${height}x${width}`);
      shape = known;
      diagnostics.push(diag('RS605', msg(known ? 'import-opaque' : 'import-opaque-unknown', { node: labelRef(n), opType: `${n.domain ? `${n.domain}.` : ''}${n.opType}` })));
    } else {
      for (const k of pending) fused.add(k);
      if (shape !== undefined) facts.set(layer.output, { dims: [batch, ...shape], float: true });
    }
    shapes.set(layer.output, shape === 'fail' ? undefined : shape);
    layers.push(layer);
  }

  for (const o of outputs) {
    if (!isData(o)) return { outputs, shapes, diagnostics: [...diagnostics, refuse(msg('import-constant-output', { tensor: o }), 'graph.output')] };
  }
  return { layers, input, outputs, shapes, diagnostics };
}

/**
 * Each standard ONNX op type's import rules, from the ops' definitions (`OpDef.import`), in
 * registry order: a node becomes the first op whose rule accepts it.
 */
const IMPORT_RULES: ReadonlyMap<string, readonly OpDef[]> = (() => {
  const rules = new Map<string, OpDef[]>();
  for (const def of Object.values(OPS)) for (const t of def.onnxTypes ?? []) rules.set(t, [...(rules.get(t) ?? []), def]);
  return rules;
})();

/** Maps a standard-domain node to an editor layer, or undefined when it must stay opaque. */
function mapKnown(n: IrNode, ctx: ImportContext): ImportLayer | undefined {
  for (const def of IMPORT_RULES.get(n.opType) ?? []) {
    const layer = def.import?.(n, ctx);
    if (layer) return layer;
  }
  return undefined;
}

/** Who reads each tensor, for the fusions: node indices per tensor name, and the graph outputs. */
interface TensorUses {
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  readonly graphOutputs: ReadonlySet<string>;
}

/** The Constant node producing each tensor, per node list (a fusion looks ahead of the Constants the loop has read). */
const constantProducers = new WeakMap<readonly IrNode[], Map<string, IrNode>>();

/**
 * Activations torch 1.13 exports as several nodes, recognised from their first node and mapped to
 * one layer: SiLU as Sigmoid·Mul(x, sigmoid(x)); Hardswish at opset 13 as HardSigmoid(1/6, 1/2)
 * then Mul(x, ·); GELU as Div(x, √2), Erf, Add 1, Mul x, Mul 0.5. Every inner tensor must have
 * exactly one reader and not be a graph output, or the pattern is not a private computation of the
 * activation. The other nodes are added to `fused`. Activations keep their input's shape, so the
 * layer's shape rule cannot refuse what is fused here.
 */
function fuseActivation(nodes: readonly IrNode[], i: number, ctx: ImportContext, uses: TensorUses, fused: Set<number>): ImportLayer | undefined {
  const n = nodes[i]!;
  const x = n.inputs[0];
  if (!x || !ctx.isData(x) || !n.outputs[0]) return undefined;
  const std = (m: IrNode) => !m.domain || m.domain === 'ai.onnx';
  const readerOf = (t: string, opType: string): number | undefined => {
    const c = uses.consumers.get(t) ?? [];
    return c.length === 1 && !uses.graphOutputs.has(t) && nodes[c[0]!]!.opType === opType && std(nodes[c[0]!]!) ? c[0]! : undefined;
  };
  const otherInput = (m: IrNode, t: string): string | undefined => (m.inputs.length !== 2 ? undefined : m.inputs[0] === t ? m.inputs[1] : m.inputs[1] === t ? m.inputs[0] : undefined);
  const scalar = (name: string | undefined): number | undefined => {
    if (!name) return undefined;
    let producers = constantProducers.get(nodes);
    if (!producers) constantProducers.set(nodes, (producers = new Map(nodes.filter((m) => m.opType === 'Constant' && std(m) && m.outputs[0]).map((m) => [m.outputs[0]!, m]))));
    const p = producers.get(name);
    const t = ctx.consts.get(name) ?? (p ? constantValue(p) : undefined);
    return t && t.dataType === DataType.FLOAT && t.data.length === 1 ? Number(t.data[0]) : undefined;
  };
  /** Follows a chain: each step names the op reading the previous output and what its other input must be. */
  const chain = (steps: readonly [opType: string, other: (name: string | undefined) => boolean][]): number[] | undefined => {
    const found: number[] = [];
    let t = n.outputs[0]!;
    for (const [opType, fits] of steps) {
      const k = readerOf(t, opType);
      const m = k === undefined ? undefined : nodes[k]!;
      if (!m || !m.outputs[0] || !fits(m.inputs.length === 1 ? undefined : otherInput(m, t))) return undefined;
      found.push(k!);
      t = m.outputs[0];
    }
    return found;
  };
  const isX = (name: string | undefined) => name === x;
  const near = (v: number) => (name: string | undefined) => {
    const s = scalar(name);
    return s !== undefined && Math.abs(s - v) <= 1e-6 * Math.max(1, Math.abs(v));
  };
  const unary = (name: string | undefined) => name === undefined;

  let op: OpKind | undefined;
  let found: number[] | undefined;
  if (n.opType === 'Sigmoid' && n.inputs.length === 1) {
    found = chain([['Mul', isX]]);
    op = 'SiLU';
  } else if (n.opType === 'HardSigmoid' && n.inputs.length === 1 && Math.fround(floatAttr(n, 'alpha', 0.2) ?? 0) === Math.fround(1 / 6) && floatAttr(n, 'beta', 0.5) === 0.5) {
    found = chain([['Mul', isX]]);
    op = 'Hardswish';
  } else if (n.opType === 'Div' && near(Math.SQRT2)(n.inputs[1])) {
    found = chain([['Erf', unary], ['Add', near(1)], ['Mul', isX], ['Mul', near(0.5)]]);
    op = 'GELU';
  }
  if (!op || !found) return undefined;
  for (const k of found) fused.add(k);
  const last = nodes[found.at(-1)!]!;
  return {
    op,
    params: op === 'GELU' ? { approximate: 'none' } : {},
    inputs: [x],
    output: last.outputs[0]!,
    hint: modulePath(n.name),
    weights: new Map(),
    source: [n, ...found.map((k) => nodes[k]!)].map(label).join(' + '),
  };
}

/**
 * A channels-last run torch exports around nn.LayerNorm on N×C×H×W maps: Transpose(0,2,3,1),
 * LayerNorm over the last axis (LayerNormalization, or below opset 17 ReduceMean, Sub, Pow 2,
 * ReduceMean, Add ε, Sqrt, Div, Mul γ, Add β), then either Transpose(0,3,1,2) at once
 * (torchvision's LayerNorm2d: one LayerNorm layer) or, as in ConvNeXt's block, MatMul+Add, GELU
 * (Div √2, Erf, Add 1, Mul x, Mul ½), MatMul+Add, Transpose(0,3,1,2): LayerNorm, a 1×1 conv, GELU
 * and a 1×1 conv on N×C×H×W (the Linear weight [out, in] as [out, in, 1, 1]). Every inner tensor
 * has exactly one reader and is no graph output. Returns the layers and the node indices taken in.
 */
function channelsLastRun(nodes: readonly IrNode[], i: number, ctx: ImportContext, uses: TensorUses): { layers: ImportLayer[]; nodes: number[] } | undefined {
  const first = nodes[i]!;
  const x = first.inputs[0];
  const perm = (n: IrNode) => intsAttr(n, 'perm', undefined)?.join(',');
  if (first.opType !== 'Transpose' || !x || !ctx.isData(x) || ctx.shapes.get(x)?.length !== 3 || perm(first) !== '0,2,3,1') return undefined;
  const taken: number[] = [];
  const next = (t: string): IrNode | undefined => {
    const c = uses.consumers.get(t) ?? [];
    if (c.length !== 1 || uses.graphOutputs.has(t)) return undefined;
    const m = nodes[c[0]!]!;
    if (m.domain && m.domain !== 'ai.onnx') return undefined;
    taken.push(c[0]!);
    return m;
  };
  const scalarOf = (name: string | undefined): number | undefined => {
    const t = name ? (ctx.consts.get(name) ?? constantNodeValue(nodes, name)) : undefined;
    return t && t.dataType === DataType.FLOAT && t.data.length === 1 ? Number(t.data[0]) : undefined;
  };
  const other = (m: IrNode, t: string) => (m.inputs.length === 2 ? (m.inputs[0] === t ? m.inputs[1] : m.inputs[1] === t ? m.inputs[0] : undefined) : undefined);
  const lastAxis = (m: IrNode) => {
    const axes = intsAttr(m, 'axes', undefined) ?? (m.inputs[1] ? [...(ctx.consts.get(m.inputs[1]) ?? constantNodeValue(nodes, m.inputs[1]))?.data ?? []].map(Number) : undefined);
    return axes?.length === 1 && (axes[0] === -1 || axes[0] === 3) && intAttr(m, 'keepdims', 1) === 1;
  };
  const c = ctx.shapes.get(x)![0]!;
  const vec = (name: string | undefined, len: number) => {
    const t = floatConst(ctx, name);
    return t && t.data.length === len && t.dims.filter((d) => d !== 1).length <= 1 ? asTensor(t, [len]) : undefined;
  };
  // LayerNorm over the last axis.
  let t = first.outputs[0]!;
  // The spelled-out form reads the permuted x twice (ReduceMean and Sub); LayerNormalization once.
  const xReaders = uses.consumers.get(t) ?? [];
  if (uses.graphOutputs.has(t) || xReaders.length < 1 || xReaders.length > 2) return undefined;
  const lnI = xReaders.find((k) => nodes[k]!.opType !== 'Sub');
  const ln = lnI === undefined ? undefined : nodes[lnI]!;
  if (ln) taken.push(lnI!);
  if (ln && xReaders.length !== (ln.opType === 'ReduceMean' ? 2 : 1)) return undefined;
  let eps: number | undefined;
  let gamma: ImportedTensor | undefined;
  let beta: ImportedTensor | undefined;
  if (ln?.opType === 'LayerNormalization') {
    const axis = intAttr(ln, 'axis', -1);
    if ((axis !== -1 && axis !== 3) || ln.inputs[0] !== t || ln.inputs.length !== 3 || !ln.outputs[0] || ln.outputs.slice(1).some((o) => o)) return undefined;
    eps = floatAttr(ln, 'epsilon', 1e-5);
    gamma = vec(ln.inputs[1], c);
    beta = vec(ln.inputs[2], c);
    t = ln.outputs[0];
  } else if (ln?.opType === 'ReduceMean' && lastAxis(ln)) {
    // mean → Sub(x, mean), read by Pow and Div: the two readers are found from the Sub.
    const mean = ln.outputs[0]!;
    const subI = (uses.consumers.get(mean) ?? [])[0];
    const sub = subI === undefined ? undefined : nodes[subI]!;
    if (!sub || (uses.consumers.get(mean) ?? []).length !== 1 || sub.opType !== 'Sub' || sub.inputs[0] !== t || sub.inputs[1] !== mean || !xReaders.includes(subI!)) return undefined;
    taken.push(subI!);
    // The Sub has two readers: Pow (the variance) and Div (the normalised value).
    const readers = uses.consumers.get(sub.outputs[0]!) ?? [];
    if (readers.length !== 2 || uses.graphOutputs.has(sub.outputs[0]!)) return undefined;
    const pow = readers.map((k) => nodes[k]!).find((m) => m.opType === 'Pow');
    const div = readers.map((k) => nodes[k]!).find((m) => m.opType === 'Div');
    if (!pow || !div || scalarOf(pow.inputs[1]) !== 2 || pow.inputs[0] !== sub.outputs[0] || div.inputs[0] !== sub.outputs[0]) return undefined;
    taken.push(...readers);
    const rm = next(pow.outputs[0]!);
    if (!rm || rm.opType !== 'ReduceMean' || !lastAxis(rm)) return undefined;
    const addEps = next(rm.outputs[0]!);
    eps = addEps?.opType === 'Add' ? scalarOf(other(addEps, rm.outputs[0]!)) : undefined;
    const sqrt = addEps ? next(addEps.outputs[0]!) : undefined;
    if (eps === undefined || !sqrt || sqrt.opType !== 'Sqrt' || div.inputs[1] !== sqrt.outputs[0] || (uses.consumers.get(sqrt.outputs[0]!) ?? []).length !== 1) return undefined;
    const mul = next(div.outputs[0]!);
    gamma = mul?.opType === 'Mul' ? vec(other(mul, div.outputs[0]!), c) : undefined;
    const add = mul ? next(mul.outputs[0]!) : undefined;
    beta = add?.opType === 'Add' ? vec(other(add, mul!.outputs[0]!), c) : undefined;
    if (!add) return undefined;
    t = add.outputs[0]!;
  } else return undefined;
  if (eps === undefined || !gamma || !beta) return undefined;
  const hint = (n: IrNode) => modulePath(n.name);
  const lnLayer: ImportLayer = { op: 'LayerNorm', params: { eps: tidyFloat(eps) }, inputs: [x], output: t, hint: hint(ln), weights: new Map([['weight', gamma], ['bias', beta]]), source: `${label(first)} + ${label(ln)}` };
  const back = (m: IrNode | undefined) => m?.opType === 'Transpose' && perm(m) === '0,3,1,2' && m.inputs[0] === t && m.outputs[0];
  let m = next(t);
  if (back(m)) return { layers: [{ ...lnLayer, output: m!.outputs[0]! }], nodes: taken };
  // ConvNeXt's MLP: Linear → GELU → Linear, still channels-last.
  const linear = (mm: IrNode | undefined, from: string): ImportLayer | undefined => {
    const w = mm?.opType === 'MatMul' && mm.inputs[0] === from ? floatConst(ctx, mm.inputs[1]) : undefined;
    if (!w || w.dims.length !== 2) return undefined;
    const [inF, outF] = w.dims as [number, number];
    const wt = transpose(w);
    const addB = next(mm!.outputs[0]!);
    const b = addB?.opType === 'Add' ? vec(other(addB, mm!.outputs[0]!), outF) : undefined;
    if (!addB || !b) return undefined;
    void inF;
    return { op: 'Conv2d', params: { outChannels: outF, kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true }, inputs: [from], output: addB.outputs[0]!, hint: hint(mm!), weights: new Map([['weight', { dims: [...wt.dims, 1, 1], data: wt.data }], ['bias', b]]), source: `${label(mm!)} + ${label(addB)}` };
  };
  const fc1 = linear(m, t);
  if (!fc1) return undefined;
  // fc1's output has two readers, GELU's Div and its Mul by x; both are in the pattern.
  const fcReaders = uses.consumers.get(fc1.output) ?? [];
  const divI = fcReaders.find((k) => nodes[k]!.opType === 'Div');
  if (fcReaders.length !== 2 || divI === undefined || uses.graphOutputs.has(fc1.output)) return undefined;
  taken.push(...fcReaders);
  const div = nodes[divI]!;
  const erf = div?.opType === 'Div' && Math.abs((scalarOf(div.inputs[1]) ?? 0) - Math.SQRT2) < 1e-6 ? next(div.outputs[0]!) : undefined;
  const add1 = erf?.opType === 'Erf' ? next(erf.outputs[0]!) : undefined;
  const mulX = add1?.opType === 'Add' && scalarOf(other(add1, erf!.outputs[0]!)) === 1 ? nodes[fcReaders.find((k) => k !== divI)!]! : undefined;
  if (mulX && (uses.consumers.get(add1!.outputs[0]!) ?? []).join() !== fcReaders.filter((k) => k !== divI).join()) return undefined;
  const half = mulX?.opType === 'Mul' && other(mulX, add1!.outputs[0]!) === fc1.output ? next(mulX.outputs[0]!) : undefined;
  if (!half || half.opType !== 'Mul' || Math.abs((scalarOf(other(half, mulX!.outputs[0]!)) ?? 0) - 0.5) > 1e-6) return undefined;
  const geluLayer: ImportLayer = { op: 'GELU', params: { approximate: 'none' }, inputs: [fc1.output], output: half.outputs[0]!, hint: hint(div!), weights: new Map(), source: [div!, erf!, add1!, mulX!, half].map(label).join(' + ') };
  m = next(half.outputs[0]!);
  const fc2 = linear(m, geluLayer.output);
  if (!fc2) return undefined;
  t = fc2.output;
  m = next(t);
  if (!back(m)) return undefined;
  return { layers: [lnLayer, fc1, geluLayer, { ...fc2, output: m!.outputs[0]! }], nodes: taken };
}

/** The value of a Constant node producing `name` (looked up ahead of the mapping loop). */
function constantNodeValue(nodes: readonly IrNode[], name: string): IrTensor | undefined {
  let producers = constantProducers.get(nodes);
  if (!producers) constantProducers.set(nodes, (producers = new Map(nodes.filter((m) => m.opType === 'Constant' && (!m.domain || m.domain === 'ai.onnx') && m.outputs[0]).map((m) => [m.outputs[0]!, m]))));
  const p = producers.get(name);
  return p ? constantValue(p) : undefined;
}

/** Runs the editor's shape rule on a mapped layer: its output shape, undefined when inputs are unknown, 'fail' when it does not fit. */
function inferShape(l: ImportLayer, shapes: ReadonlyMap<string, Shape | undefined>): Shape | undefined | 'fail' {
  const ins = l.inputs.map((i) => shapes.get(i));
  if (ins.some((s) => s === undefined)) return undefined;
  const node = { id: nodeId('import'), op: l.op, name: l.hint || l.op, params: l.params, position: { x: 0, y: 0 } };
  const { params, diagnostics } = resolveParams(node);
  if (diagnostics.length > 0) return 'fail';
  const r = getOp(l.op).infer!({ node: { ...node, params }, inputs: ins as Shape[], params, modelInput: [] });
  return r.outputs?.[0] ?? 'fail';
}

/**
 * Keeps a node as an Opaque layer: data inputs become ports, constants go into the payload. Its
 * output shape is what ONNX's shape rules or the file's declarations gave, or unknown.
 */
function opaqueLayer(n: IrNode, ctx: ImportContext, shape: Shape | undefined, inputSize: string): ImportLayer {
  const dataInputs: string[] = [];
  const slots: OpaqueSlot[] = n.inputs.map((name): OpaqueSlot => {
    if (name === '') return { empty: true };
    if (ctx.isData(name)) {
      dataInputs.push(name);
      return { port: dataInputs.length - 1 };
    }
    const c = ctx.consts.get(name);
    return c ? { constant: c } : { empty: true };
  });
  const payload = encodeOpaquePayload({ opType: n.opType, ...(n.domain ? { domain: n.domain } : {}), attributes: n.attributes, slots, outputCount: n.outputs.length, opset: ctx.opset });
  return {
    op: 'Opaque',
    params: { opType: n.opType, domain: n.domain ?? '', inputs: dataInputs.length, outputShape: shape && shape.length > 0 ? shape.join('x') : '', payload, ...floatWeights(slots), ...(shape && shape.length > 0 ? { shapeAt: inputSize } : {}) },
    inputs: dataInputs,
    output: n.outputs[0]!,
    hint: modulePath(n.name),
    weights: new Map(),
    source: label(n),
  };
}

/** The `weights` param of an opaque op: elements of its float constants (omitted when none). */
function floatWeights(slots: readonly OpaqueSlot[]): { weights?: number } {
  let n = 0;
  for (const s of slots) if ('constant' in s && s.constant.dataType === DataType.FLOAT) n += s.constant.data.length;
  return n > 0 ? { weights: n } : {};
}

/** A Constant node's value as a tensor, or undefined for forms we do not unpack. */
function constantValue(n: IrNode): IrTensor | undefined {
  const a = n.attributes[0];
  if (!a || n.attributes.length !== 1) return undefined;
  const name = n.outputs[0]!;
  if (a.name === 'value' && a.kind === 'tensor') return { ...a.value, name };
  if (a.name === 'value_float' && a.kind === 'float') return { name, dims: [], dataType: DataType.FLOAT, data: Float32Array.of(a.value) };
  if (a.name === 'value_floats' && a.kind === 'floats') return { name, dims: [a.value.length], dataType: DataType.FLOAT, data: Float32Array.from(a.value) };
  if (a.name === 'value_int' && a.kind === 'int') return { name, dims: [], dataType: DataType.INT64, data: BigInt64Array.of(BigInt(a.value)) };
  if (a.name === 'value_ints' && a.kind === 'ints') return { name, dims: [a.value.length], dataType: DataType.INT64, data: BigInt64Array.from(a.value.map((v) => BigInt(v))) };
  return undefined;
}


