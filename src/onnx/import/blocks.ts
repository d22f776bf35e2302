/**
 * Step 2 of import: residual structure. An Add followed by a ReLU, whose inputs are a main path
 * (conv-BN-ReLU-conv-BN, or the 1×1-3×3-1×1 bottleneck; without BN when PyTorch folded it into
 * the convs) and a skip from the main path's input (direct, or a 1×1 conv with or without BN),
 * becomes one BasicBlock or Bottleneck carrying the members' weights under the names its
 * expansion gives them (`conv1.weight`, `downsample.1.running_var`).
 */
import { bottleneckForm } from '../../blocks/bottleneck.ts';
import type { ParamValue, Shape } from '../../graph/types.ts';
import { NEVER, type Deadline } from './deadline.ts';
import type { ImportedTensor, ImportLayer } from './layers.ts';
import { applyReplacements } from './replace-layers.ts';

type Kind = 'BasicBlock' | 'Bottleneck';
interface Pattern {
  readonly kind: Kind;
  readonly bn: boolean;
  /** Main path ops from the block input to the Add. */
  readonly ops: readonly ImportLayer['op'][];
}

const C = 'Conv2d';
const B = 'BatchNorm2d';
const R = 'ReLU';
const PATTERNS: readonly Pattern[] = [
  { kind: 'Bottleneck', bn: true, ops: [C, B, R, C, B, R, C, B] },
  { kind: 'Bottleneck', bn: false, ops: [C, R, C, R, C] },
  { kind: 'BasicBlock', bn: true, ops: [C, B, R, C, B] },
  { kind: 'BasicBlock', bn: false, ops: [C, R, C] },
];

/** Names of the main-path members in the block's expansion, per pattern position. */
const MEMBER_NAMES: Record<string, readonly (string | undefined)[]> = {
  'Bottleneck:true': ['conv1', 'bn1', undefined, 'conv2', 'bn2', undefined, 'conv3', 'bn3'],
  'Bottleneck:false': ['conv1', undefined, 'conv2', undefined, 'conv3'],
  'BasicBlock:true': ['conv1', 'bn1', undefined, 'conv2', 'bn2'],
  'BasicBlock:false': ['conv1', undefined, 'conv2'],
};

const BN_EPS = 1e-5;

/**
 * Replaces every recognised residual block in `layers` (topological order) by one block layer.
 * `protectedValues` are tensors that must stay visible (graph outputs): a block cannot hide them.
 */
export function recoverBlocks(layers: readonly ImportLayer[], shapes: ReadonlyMap<string, Shape | undefined>, protectedValues: ReadonlySet<string>, time: Deadline = NEVER): ImportLayer[] {
  const producer = new Map<string, ImportLayer>();
  const uses = new Map<string, number>();
  for (const l of layers) {
    producer.set(l.output, l);
    for (const i of l.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  }
  const private1 = (v: string) => uses.get(v) === 1 && !protectedValues.has(v);
  const consumerOf = new Map<string, ImportLayer>();
  for (const l of layers) for (const i of l.inputs) consumerOf.set(i, l);

  const replaced = new Map<ImportLayer, ImportLayer | null>();
  for (const add of layers) {
    time.check();
    if (add.op !== 'Add' || replaced.has(add) || !private1(add.output)) continue;
    const relu = consumerOf.get(add.output);
    if (!relu || relu.op !== 'ReLU') continue;
    for (const mainPort of [0, 1]) {
      const block = tryBlock(add, relu, mainPort, producer, private1, shapes);
      if (!block || block.members.some((m) => replaced.has(m))) continue;
      for (const m of block.members) replaced.set(m, null);
      replaced.set(add, null);
      replaced.set(relu, block.layer);
      break;
    }
  }
  return applyReplacements(layers, replaced);
}

function tryBlock(
  add: ImportLayer,
  relu: ImportLayer,
  mainPort: number,
  producer: ReadonlyMap<string, ImportLayer>,
  private1: (v: string) => boolean,
  shapes: ReadonlyMap<string, Shape | undefined>,
): { layer: ImportLayer; members: ImportLayer[] } | undefined {
  const mainV = add.inputs[mainPort]!;
  const skipV = add.inputs[1 - mainPort]!;
  for (const pat of PATTERNS) {
    const chain: ImportLayer[] = [];
    let v = mainV;
    let ok = true;
    for (let k = pat.ops.length - 1; k >= 0; k--) {
      const p = producer.get(v);
      if (!p || p.op !== pat.ops[k] || !private1(v)) {
        ok = false;
        break;
      }
      chain.unshift(p);
      v = p.inputs[0]!;
    }
    if (!ok) continue;
    const x = v;
    const inShape = shapes.get(x);
    if (!inShape || inShape.length !== 3) continue;
    const convs = chain.filter((l) => l.op === C);
    const bns = chain.filter((l) => l.op === B);
    // Only a bottleneck's 3×3 may be grouped (ResNeXt's cardinality).
    if (!convs.every((c, i) => c.params['dilation'] === 1 && (c.params['groups'] === 1 || (pat.kind === 'Bottleneck' && i === 1)) && c.params['bias'] === !pat.bn)) continue;
    if (!bns.every((b) => Math.abs(Number(b.params['eps']) - BN_EPS) < 1e-9)) continue;
    const cp = (i: number, k: string) => Number(convs[i]!.params[k]);
    const width = cp(0, 'outChannels');
    let stride: number;
    let out: number;
    const params: Record<string, ParamValue> = {};
    if (pat.kind === 'BasicBlock') {
      if (cp(0, 'kernel') !== 3 || cp(0, 'padding') !== 1 || cp(1, 'kernel') !== 3 || cp(1, 'padding') !== 1 || cp(1, 'stride') !== 1 || cp(1, 'outChannels') !== width) continue;
      stride = cp(0, 'stride');
      out = width;
    } else {
      if (cp(0, 'kernel') !== 1 || cp(0, 'padding') !== 0 || cp(0, 'stride') !== 1) continue;
      if (cp(1, 'kernel') !== 3 || cp(1, 'padding') !== 1 || cp(1, 'outChannels') !== width) continue;
      if (cp(2, 'kernel') !== 1 || cp(2, 'padding') !== 0 || cp(2, 'stride') !== 1) continue;
      stride = cp(1, 'stride');
      out = cp(2, 'outChannels');
      const form = bottleneckForm(width, cp(1, 'groups'), out);
      if (!form) continue;
      Object.assign(params, form);
    }
    const blockWidth = pat.kind === 'Bottleneck' ? Number(params['width']) : width;
    if (stride < 1 || stride > 4 || blockWidth > 8192) continue;

    // The skip: x itself, or 1×1 conv (stride) [+ BN] from x.
    const skip: ImportLayer[] = [];
    if (skipV !== x) {
      let s = skipV;
      if (pat.bn) {
        const bn = producer.get(s);
        if (!bn || bn.op !== B || !private1(s) || Math.abs(Number(bn.params['eps']) - BN_EPS) >= 1e-9) continue;
        skip.unshift(bn);
        s = bn.inputs[0]!;
      }
      const conv = producer.get(s);
      if (!conv || conv.op !== C || !private1(s) || conv.inputs[0] !== x) continue;
      const q = conv.params;
      if (q['kernel'] !== 1 || q['padding'] !== 0 || q['stride'] !== stride || q['dilation'] !== 1 || q['groups'] !== 1 || q['bias'] !== !pat.bn || q['outChannels'] !== out) continue;
      skip.unshift(conv);
    }
    const kind = skip.length > 0 ? 'projection' : 'identity';
    const auto = inShape[0] === out && stride === 1 ? 'identity' : 'projection';
    const ordered: Record<string, ParamValue> = {
      width: blockWidth,
      stride,
      shortcut: kind === auto ? 'auto' : kind,
      batchNorm: pat.bn,
      ...(pat.kind === 'Bottleneck' ? { expansion: params['expansion']! } : {}),
      ...(params['cardinality'] !== undefined ? { cardinality: params['cardinality'], baseWidth: params['baseWidth']! } : {}),
    };

    const weights = new Map<string, ImportedTensor>();
    const names = MEMBER_NAMES[`${pat.kind}:${pat.bn}`]!;
    chain.forEach((m, i) => {
      const local = names[i];
      if (local) for (const [k, t] of m.weights) weights.set(`${local}.${k}`, t);
    });
    skip.forEach((m, i) => {
      for (const [k, t] of m.weights) weights.set(`downsample.${i}.${k}`, t);
    });
    const hint = add.hint || blockHintFromWeights(chain[0]!.hint);
    return {
      layer: { op: pat.kind, params: ordered, inputs: [x], output: relu.output, hint, weights, source: add.source },
      members: [...chain, ...skip],
    };
  }
  return undefined;
}

/** `layer1.0.conv1` → `layer1.0`. */
function blockHintFromWeights(convHint: string): string {
  const m = /^(.*)\.conv1$/.exec(convHint);
  return m ? m[1]! : '';
}
