/**
 * Import of the residual family's later blocks: a pre-activation block (BN → ReLU → conv units,
 * nothing after the add; its projection reads the pre-activated x), a block whose main path ends in
 * squeeze-and-excitation (GlobalAvgPool → 1×1 → ReLU → 1×1 → Sigmoid → Mul), and a block whose
 * projection average-pools first (ResNet-D) become one BasicBlock or Bottleneck card with that
 * option, carrying its members' weights under its expansion's names. Blocks of the 2015 paper are
 * left to {@link recoverBlocks}.
 */
import { bottleneckForm } from '../../blocks/bottleneck.ts';
import { seHidden } from '../../blocks/block-variants.ts';
import type { ParamValue, Shape } from '../../graph/types.ts';
import { NEVER, type Deadline } from './deadline.ts';
import type { ImportedTensor, ImportLayer } from './layers.ts';
import { applyReplacements } from './replace-layers.ts';

const C = 'Conv2d';
const B = 'BatchNorm2d';
const R = 'ReLU';
type Op = ImportLayer['op'];

/** Main paths, from the block input to the Add (before any SE), with their members' local names. */
const MAINS: readonly { kind: 'BasicBlock' | 'Bottleneck'; pre: boolean; bn: boolean; ops: readonly Op[]; names: readonly (string | undefined)[] }[] = [
  { kind: 'Bottleneck', pre: true, bn: true, ops: [B, R, C, B, R, C, B, R, C], names: ['bn1', undefined, 'conv1', 'bn2', undefined, 'conv2', 'bn3', undefined, 'conv3'] },
  { kind: 'Bottleneck', pre: true, bn: false, ops: [R, C, R, C, R, C], names: [undefined, 'conv1', undefined, 'conv2', undefined, 'conv3'] },
  { kind: 'BasicBlock', pre: true, bn: true, ops: [B, R, C, B, R, C], names: ['bn1', undefined, 'conv1', 'bn2', undefined, 'conv2'] },
  { kind: 'BasicBlock', pre: true, bn: false, ops: [R, C, R, C], names: [undefined, 'conv1', undefined, 'conv2'] },
  { kind: 'Bottleneck', pre: false, bn: true, ops: [C, B, R, C, B, R, C, B], names: ['conv1', 'bn1', undefined, 'conv2', 'bn2', undefined, 'conv3', 'bn3'] },
  { kind: 'Bottleneck', pre: false, bn: false, ops: [C, R, C, R, C], names: ['conv1', undefined, 'conv2', undefined, 'conv3'] },
  { kind: 'BasicBlock', pre: false, bn: true, ops: [C, B, R, C, B], names: ['conv1', 'bn1', undefined, 'conv2', 'bn2'] },
  { kind: 'BasicBlock', pre: false, bn: false, ops: [C, R, C], names: ['conv1', undefined, 'conv2'] },
];

const BN_EPS = 1e-5;
const bnOk = (l: ImportLayer) => Math.abs(Number(l.params['eps']) - BN_EPS) < 1e-9;

interface Graph {
  readonly producer: ReadonlyMap<string, ImportLayer>;
  readonly consumers: ReadonlyMap<string, readonly ImportLayer[]>;
  readonly shapes: ReadonlyMap<string, Shape | undefined>;
  readonly protectedValues: ReadonlySet<string>;
}

/**
 * Replaces every recognised pre-activation, SE or ResNet-D block in `layers` (topological order)
 * by one block layer; `protectedValues` (graph outputs) stay visible.
 */
export function recoverVariantBlocks(layers: readonly ImportLayer[], shapes: ReadonlyMap<string, Shape | undefined>, protectedValues: ReadonlySet<string>, time: Deadline = NEVER): ImportLayer[] {
  const producer = new Map<string, ImportLayer>();
  const consumers = new Map<string, ImportLayer[]>();
  for (const l of layers) {
    producer.set(l.output, l);
    for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l]);
  }
  const g: Graph = { producer, consumers, shapes, protectedValues };
  const replaced = new Map<ImportLayer, ImportLayer | null>();
  for (const add of layers) {
    time.check();
    if (add.op !== 'Add' || replaced.has(add)) continue;
    for (const mainPort of [0, 1]) {
      const block = tryVariant(add, mainPort, g);
      if (!block || block.members.some((m) => replaced.has(m))) continue;
      for (const m of block.members) replaced.set(m, null);
      replaced.set(block.last, block.layer);
      break;
    }
  }
  return applyReplacements(layers, replaced);
}

/** Walks back from `v` through layers of `ops` (last first); the chain in order and its input. */
function walk(v: string, ops: readonly Op[], g: Graph): { chain: ImportLayer[]; input: string } | undefined {
  const chain: ImportLayer[] = [];
  for (let k = ops.length - 1; k >= 0; k--) {
    const p = g.producer.get(v);
    if (!p || p.op !== ops[k]) return undefined;
    chain.unshift(p);
    v = p.inputs[0]!;
  }
  return { chain, input: v };
}

const conv1x1 = (l: ImportLayer, stride: number, bias: boolean) => l.params['kernel'] === 1 && l.params['padding'] === 0 && l.params['stride'] === stride && l.params['dilation'] === 1 && l.params['groups'] === 1 && l.params['bias'] === bias;

/** SE at the end of the main path: the Mul's members and the tensor it scales, with its reduction. */
function matchSqueezeExcite(v: string, g: Graph): { members: ImportLayer[]; scaled: string; reduction: number } | undefined {
  const mul = g.producer.get(v);
  if (!mul || mul.op !== 'Mul') return undefined;
  for (const gatePort of [0, 1]) {
    const w = walk(mul.inputs[gatePort]!, ['GlobalAvgPool', C, R, C, 'Sigmoid'], g);
    const scaled = mul.inputs[1 - gatePort]!;
    if (!w || w.input !== scaled) continue;
    const [, fc1, , fc2] = w.chain as [ImportLayer, ImportLayer, ImportLayer, ImportLayer, ImportLayer];
    const channels = g.shapes.get(scaled)?.[0];
    const hidden = Number(fc1.params['outChannels']);
    if (!channels || !conv1x1(fc1, 1, true) || !conv1x1(fc2, 1, true) || fc2.params['outChannels'] !== channels) continue;
    const reduction = Math.floor(channels / hidden);
    if (reduction < 1 || reduction > 1024 || seHidden(channels, reduction) !== hidden) continue;
    return { members: [...w.chain, mul], scaled, reduction };
  }
  return undefined;
}

function tryVariant(add: ImportLayer, mainPort: number, g: Graph): { layer: ImportLayer; members: ImportLayer[]; last: ImportLayer } | undefined {
  const se = matchSqueezeExcite(add.inputs[mainPort]!, g);
  const mainV = se ? se.scaled : add.inputs[mainPort]!;
  const skipV = add.inputs[1 - mainPort]!;
  const after = g.consumers.get(add.output) ?? [];
  const relu = after.length === 1 && after[0]!.op === R && !g.protectedValues.has(add.output) ? after[0]! : undefined;
  for (const m of MAINS) {
    // A 2015 block ends in ReLU(F(x) + x); a pre-activation block has nothing after its add.
    if (m.pre === (relu !== undefined)) continue;
    const w = walk(mainV, m.ops, g);
    if (!w) continue;
    const x = w.input;
    // Without BN a pre-activation block starts with a ReLU: one that is the only reader of an Add is
    // the previous block's output ReLU (a folded 2015 net), not this block's pre-activation.
    const xFrom = g.producer.get(x);
    if (m.pre && !m.bn && xFrom?.op === 'Add' && (g.consumers.get(x) ?? []).length === 1) continue;
    const inShape = g.shapes.get(x);
    if (!inShape || inShape.length !== 3) continue;
    const convs = w.chain.filter((l) => l.op === C);
    if (!w.chain.filter((l) => l.op === B).every(bnOk)) continue;
    if (!convs.every((c, i) => c.params['dilation'] === 1 && (c.params['groups'] === 1 || (m.kind === 'Bottleneck' && i === 1)) && c.params['bias'] === !m.bn)) continue;
    const cp = (i: number, k: string) => Number(convs[i]!.params[k]);
    const params: Record<string, ParamValue> = {};
    let stride: number;
    let out: number;
    if (m.kind === 'BasicBlock') {
      if (cp(0, 'kernel') !== 3 || cp(0, 'padding') !== 1 || cp(1, 'kernel') !== 3 || cp(1, 'padding') !== 1 || cp(1, 'stride') !== 1 || cp(1, 'outChannels') !== cp(0, 'outChannels')) continue;
      stride = cp(0, 'stride');
      out = cp(0, 'outChannels');
      params['width'] = out;
    } else {
      if (![0, 2].every((i) => cp(i, 'kernel') === 1 && cp(i, 'padding') === 0 && cp(i, 'stride') === 1)) continue;
      if (cp(1, 'kernel') !== 3 || cp(1, 'padding') !== 1 || cp(1, 'outChannels') !== cp(0, 'outChannels')) continue;
      stride = cp(1, 'stride');
      out = cp(2, 'outChannels');
      const form = bottleneckForm(cp(0, 'outChannels'), cp(1, 'groups'), out);
      if (!form) continue;
      Object.assign(params, form);
    }
    if (stride < 1 || stride > 4) continue;
    // The shortcut's input: x, or in a pre-activation block the pre-activated x (after bn1 → relu1).
    const pre = m.pre ? w.chain[m.bn ? 1 : 0]!.output : x;
    const skip = matchProjection(skipV, pre, stride, out, m.pre ? false : m.bn, !m.bn, g);
    if (skipV !== x && !skip) continue;
    const avgPool = skip?.avgPool ?? false;
    if (!m.pre && !se && !avgPool) continue; // the 2015 block: recoverBlocks' to take
    const members = [...w.chain, ...(se?.members ?? []), ...(skip?.layers ?? []), add, ...(relu && !m.pre ? [relu] : [])];
    const last = members[members.length - 1]!;
    // Every member's output but the block's own stays inside the block.
    const inside = new Set(members);
    if (members.some((l) => l !== last && (g.protectedValues.has(l.output) || (g.consumers.get(l.output) ?? []).some((c) => !inside.has(c))))) continue;
    const projection = skip !== undefined;
    const auto = inShape[0] === out && stride === 1 ? 'identity' : 'projection';
    const ordered: Record<string, ParamValue> = {
      width: params['width']!,
      stride,
      shortcut: (projection ? 'projection' : 'identity') === auto ? 'auto' : projection ? 'projection' : 'identity',
      batchNorm: m.bn,
      ...(m.kind === 'Bottleneck' ? { expansion: params['expansion']! } : {}),
      ...(params['cardinality'] !== undefined ? { cardinality: params['cardinality'], baseWidth: params['baseWidth']! } : {}),
      ...(m.pre ? { preActivation: true } : {}),
      ...(se ? { squeezeExcite: true, seReduction: se.reduction } : {}),
      ...(avgPool ? { projection: 'avgpool' } : {}),
    };
    const weights = new Map<string, ImportedTensor>();
    w.chain.forEach((l, i) => {
      const local = m.names[i];
      if (local) for (const [k, t] of l.weights) weights.set(`${local}.${k}`, t);
    });
    se?.members.forEach((l, i) => {
      const local = i === 1 ? 'se.fc1' : i === 3 ? 'se.fc2' : undefined;
      if (local) for (const [k, t] of l.weights) weights.set(`${local}.${k}`, t);
    });
    // timm's names: downsample.0 is the pool (an Identity at stride 1), so the conv is downsample.1.
    const first = avgPool ? 1 : 0;
    skip?.layers.filter((l) => l.op !== 'AvgPool2d').forEach((l, i) => {
      for (const [k, t] of l.weights) weights.set(`downsample.${first + i}.${k}`, t);
    });
    const hint = add.hint || hintOf(w.chain.find((l) => l.op === C)!.hint);
    return { layer: { op: m.kind, params: ordered, inputs: [x], output: last.output, hint, weights, source: add.source }, members, last };
  }
  return undefined;
}

/**
 * The projection from `from`: 1×1 conv (stride) [+ BN], or ResNet-D's AvgPool2d(2, stride, ceil,
 * padding not counted) → 1×1 conv (stride 1) [+ BN].
 */
function matchProjection(skipV: string, from: string, stride: number, out: number, bn: boolean, bias: boolean, g: Graph): { layers: ImportLayer[]; avgPool: boolean } | undefined {
  let v = skipV;
  const layers: ImportLayer[] = [];
  if (bn) {
    const b = g.producer.get(v);
    if (!b || b.op !== B || !bnOk(b)) return undefined;
    layers.unshift(b);
    v = b.inputs[0]!;
  }
  const conv = g.producer.get(v);
  if (!conv || conv.op !== C || conv.params['outChannels'] !== out) return undefined;
  layers.unshift(conv);
  if (conv.inputs[0] === from) return conv1x1(conv, stride, bias) ? { layers, avgPool: false } : undefined;
  const pool = g.producer.get(conv.inputs[0]!);
  if (!pool || pool.op !== 'AvgPool2d' || pool.inputs[0] !== from || stride === 1 || !conv1x1(conv, 1, bias)) return undefined;
  const q = pool.params;
  if (q['kernel'] !== 2 || q['stride'] !== stride || q['padding'] !== 0 || q['ceilMode'] !== true || q['countIncludePad'] !== false) return undefined;
  return { layers: [pool, ...layers], avgPool: true };
}

/** `layer1.0.conv1` → `layer1.0`. */
function hintOf(convHint: string): string {
  const m = /^(.*)\.conv1$/.exec(convHint);
  return m ? m[1]! : '';
}
