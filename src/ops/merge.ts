import { diag, fixLabel, msg } from '../diagnostics/catalogue.ts';
import { fail, fmtShape, int, numel } from './common.ts';
import { aInt } from './common.ts';
import { CONCAT_FAN_IN, concatAll, op1, reduce, slice, type Emitter } from './emit.ts';
import { dataNode, intAttr } from '../onnx/import/match.ts';
import type { OpDef } from './types.ts';

/** Sums a broadcast gradient back to a per-sample `shape` (over the axes where it is 1 and `out` is not). */
function unbroadcast(ctx: Emitter, g: string, shape: readonly number[], out: readonly number[]): string {
  const axes = shape.flatMap((d, i) => (d === 1 && out[i] !== 1 ? [i + 1] : []));
  return axes.length ? reduce(ctx, 'ReduceSum', g, axes, true) : g;
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Element-wise sum: the integration point of a residual block, F(x) + x. Both inputs must have
 * the same shape; when they differ, the shortcut must change dimensions (a projection).
 */
export const add: OpDef = {
  kind: 'Add',
  category: 'merge',
  summary: 'Add: element-wise sum — where a shortcut rejoins the main path, F(x) + x.',
  labels: { en: 'Add', 'zh-CN': '逐元素相加' },
  onnxTypes: ['Add'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    return d?.dataOnly(2) ? { ...d.layer('Add'), inputs: [n.inputs[0]!, n.inputs[1]!] } : undefined;
  },
  pytorch: { inline: ([a, b]) => `${a} + ${b}` },
  params: [],
  inputCount: () => 2,
  infer({ node, inputs }) {
    const [a, b] = inputs as [readonly number[], readonly number[]];
    if (!same(a, b)) {
      return fail(
        diag(
          'RS201',
          a.length === 3 && b.length === 3 && a[1] !== b[1]
            ? msg('add-shapes-stride', { node: node.name, a: fmtShape(a), b: fmtShape(b), stride: Math.round(Math.max(a[1]!, b[1]!) / Math.min(a[1]!, b[1]!)) })
            : msg('add-shapes', { node: node.name, a: fmtShape(a), b: fmtShape(b) }),
          {
          nodeId: node.id,
          port: 1,
          fix: { kind: 'insert-projection', ...fixLabel(msg('fix-projection')), addId: node.id, port: 1 },
        }),
      );
    }
    return { outputs: [a] };
  },
  cost: (inputs) => ({ params: 0, macs: 0, otherOps: numel(inputs[0]!) }),
  lower: (ctx, [a, b]) => ctx.emit('Add', [a!, b!]),
  backward: (_ctx, { gradOutput }) => ({ inputs: [gradOutput, gradOutput] }),
};

/** Concatenation along channels (or features); all other dims must agree. */
export const concat: OpDef = {
  kind: 'Concat',
  category: 'merge',
  summary: 'Concat: stacks inputs along the channel axis.',
  labels: { en: 'Concat', 'zh-CN': '拼接' },
  onnxTypes: ['Concat'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    if (!d) return undefined;
    const k = n.inputs.length;
    const rank = (ctx.shapes.get(d.x)?.length ?? -2) + 1;
    const axis = intAttr(n, 'axis', 1);
    if (k < 2 || k > 16 || !n.inputs.every((i) => ctx.isData(i)) || axis === undefined || (axis !== 1 && axis + rank !== 1)) return undefined;
    return { ...d.layer('Concat', { inputs: k }), inputs: [...n.inputs] };
  },
  pytorch: { inline: (xs) => `torch.cat([${xs.join(', ')}], dim=1)` },
  params: [{ name: 'inputs', type: 'int', default: 2, min: 2, max: 16 }],
  inputCount: (p) => int(p, 'inputs'),
  infer({ node, inputs }) {
    const first = inputs[0]!;
    for (let i = 1; i < inputs.length; i++) {
      const s = inputs[i]!;
      if (s.length !== first.length || !same(s.slice(1), first.slice(1))) {
        return fail(diag('RS202', msg('concat-shapes', { node: node.name, port: i, shape: fmtShape(s), first: fmtShape(first) }), { nodeId: node.id, port: i }));
      }
    }
    return { outputs: [[inputs.reduce((c, s) => c + s[0]!, 0), ...first.slice(1)]] };
  },
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  // A training step must run on the WebGPU EP, which gets a Concat of 8+ inputs wrong: there, a tree
  // of Concats (the same values). The inference file keeps the one node an importer reads back.
  lower: (ctx, ins) => (ctx.mode === 'training' ? [concatAll(ctx, ins, 1)] : ctx.emit('Concat', ins, [{ name: 'axis', kind: 'int', value: 1 }])),
  // Each input's channels back; one Split, or one Slice per input where a Split would have more
  // outputs than the WebGPU EP binds right (as Concat's inputs).
  backward(ctx, { gradOutput, inputShapes }) {
    const sizes = inputShapes.map((s) => s[0]!);
    if (sizes.length <= CONCAT_FAN_IN) return { inputs: ctx.emit('Split', [gradOutput, ctx.int64('split', sizes)], [aInt('axis', 1)], { outputCount: sizes.length }) };
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    return { inputs: sizes.map((c, i) => slice(ctx, gradOutput, [starts[i]!], [starts[i]! + c], [1])) };
  },
};

/**
 * The shape two tensors broadcast to, ONNX/numpy style, or undefined when they do not. Both carry
 * the batch axis N in front, so their ranks must be equal: aligning a vector with a feature map
 * from the right would pair N with a spatial axis.
 */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  if (a.length !== b.length) return undefined;
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

/**
 * Element-wise product with broadcasting: the gate of a squeeze-and-excitation block,
 * x (C×H×W) · s (C×1×1), and the second half of SiLU-like gates.
 */
export const mul: OpDef = {
  kind: 'Mul',
  category: 'merge',
  summary: 'Multiply: element-wise product, broadcasting size-1 axes — the gate of a squeeze-and-excitation block.',
  labels: { en: 'Multiply', 'zh-CN': '逐元素相乘' },
  onnxTypes: ['Mul'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    return d?.dataOnly(2) ? { ...d.layer('Mul'), inputs: [n.inputs[0]!, n.inputs[1]!] } : undefined;
  },
  pytorch: { inline: ([a, b]) => `${a} * ${b}` },
  params: [],
  inputCount: () => 2,
  infer({ node, inputs }) {
    const [a, b] = inputs as [readonly number[], readonly number[]];
    const out = broadcastShape(a, b);
    if (!out) return fail(diag('RS208', msg(a.length === b.length ? 'mul-shapes' : 'mul-rank', { node: node.name, a: fmtShape(a), b: fmtShape(b) }), { nodeId: node.id, port: 1 }));
    return { outputs: [out] };
  },
  cost: (_inputs, outputs) => ({ params: 0, macs: 0, otherOps: numel(outputs[0]!) }),
  lower: (ctx, [a, b]) => ctx.emit('Mul', [a!, b!]),
  backward(ctx, { inputs: [a, b], gradOutput: dy, inputShapes, outputShapes, needs }) {
    const out = outputShapes[0]!;
    return {
      inputs: [
        needs[0] ? unbroadcast(ctx, op1(ctx, 'Mul', [dy, b!]), inputShapes[0]!, out) : undefined,
        needs[1] ? unbroadcast(ctx, op1(ctx, 'Mul', [dy, a!]), inputShapes[1]!, out) : undefined,
      ],
    };
  },
};
