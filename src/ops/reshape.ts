import { diag, msg } from '../diagnostics/catalogue.ts';
import { aInt, aInts, bool, fail, int, numel } from './common.ts';
import { op1, reduce, reshape } from './emit.ts';
import { DataType } from '../onnx/ir.ts';
import { noArgs } from './pytorch-form.ts';
import { asTensor, dataNode, floatAttr, floatConst, intAttr, transpose, weightHint } from '../onnx/import/match.ts';
import type { OpDef } from './types.ts';

/** Flatten everything after the batch dimension into one vector. */
export const flatten: OpDef = {
  kind: 'Flatten',
  category: 'reshape',
  summary: 'Flatten: turns a feature map into a vector.',
  labels: { en: 'Flatten', 'zh-CN': '展平' },
  onnxTypes: ['Flatten', 'Reshape'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    if (!d) return undefined;
    if (n.opType === 'Flatten') return d.dataOnly(1) && intAttr(n, 'axis', 1) === 1 ? d.layer('Flatten') : undefined;
    const s = n.inputs[1] ? ctx.consts.get(n.inputs[1]) : undefined;
    if (!s || n.inputs.length !== 2 || s.dataType !== DataType.INT64 || s.data.length !== 2) return undefined;
    const [a, b] = [Number(s.data[0]), Number(s.data[1])];
    const allowZero = intAttr(n, 'allowzero', 0);
    // [0, -1] copies the batch; [N, -1] with a fixed N is the same flatten for that batch size.
    return b === -1 && ((a === 0 && allowZero === 0) || a >= 1) ? d.layer('Flatten') : undefined;
  },
  pytorch: noArgs('nn.Flatten()'),
  params: [],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [[numel(inputs[0]!)]] }),
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower: (ctx, [x]) => ctx.emit('Flatten', [x!], [aInt('axis', 1)]),
  backward: (ctx, { gradOutput: dy, inputShapes }) => ({ inputs: [reshape(ctx, dy, [ctx.batch, ...inputShapes[0]!])] }),
};

/**
 * Fully connected layer y = x·Wᵀ + b applied to the last axis, as torch.nn.Linear: a per-sample
 * input [..., F] gives [..., outFeatures] (a vector [F] gives [outFeatures]). The weight keeps
 * PyTorch's [out, in] layout and name. A vector input lowers to Gemm (transB = 1); a higher-rank
 * one (ConvNeXt's channels-last N×H×W×C) to MatMul with a Transpose of that same weight, then Add
 * for the bias: Gemm takes only matrices, and a weight stored pre-transposed as [in, out] would no
 * longer match the state_dict. onnxruntime folds the constant Transpose when the session loads.
 * Init as torch.nn.Linear: uniform(±1/sqrt(in)) for weight and bias.
 */
export const linear: OpDef = {
  kind: 'Linear',
  needsInputShapes: true,
  category: 'reshape',
  summary: 'Linear (fully connected): every output is a weighted sum of all inputs along the last axis.',
  labels: { en: 'Linear', 'zh-CN': '全连接' },
  onnxTypes: ['Gemm', 'MatMul'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    const w = floatConst(ctx, n.inputs[1]);
    if (!d || !w || w.dims.length !== 2) return undefined;
    // A MatMul's bias, in the Add after it, is taken in by the importer once this layer fits.
    if (n.opType === 'MatMul') return n.inputs.length === 2 ? d.layer('Linear', { outFeatures: w.dims[1]!, bias: false }, new Map([['weight', transpose(w)]])) : undefined;
    const c = n.inputs[2] ? floatConst(ctx, n.inputs[2]) : undefined;
    if ((n.inputs[2] && !c) || n.inputs.length > 3) return undefined;
    if (floatAttr(n, 'alpha', 1) !== 1 || intAttr(n, 'transA', 0) !== 0) return undefined;
    const transB = intAttr(n, 'transB', 0);
    if (transB !== 0 && transB !== 1) return undefined;
    const weight = transB === 1 ? asTensor(w) : transpose(w);
    const o = weight.dims[0]!;
    const weights = new Map([['weight', weight]]);
    if (c) {
      if (floatAttr(n, 'beta', 1) !== 1 || c.data.length !== o || c.dims.filter((v) => v !== 1).length > 1) return undefined;
      weights.set('bias', asTensor(c, [o]));
    }
    return d.layer('Linear', { outFeatures: o, bias: !!c }, weights, weightHint(n.inputs[1]!));
  },
  pytorch: {
    module: ({ params: p, inputShapes }) => `nn.Linear(${inputShapes[0]!.at(-1)}, ${int(p, 'outFeatures')}${bool(p, 'bias') ? '' : ', bias=False'})`,
    state: ({ params: p, inputShapes }) => {
      const o = int(p, 'outFeatures');
      const w = [['weight', [o, inputShapes[0]!.at(-1)!]]] as const;
      return bool(p, 'bias') ? [...w, ['bias', [o]]] : w;
    },
  },
  params: [
    { name: 'outFeatures', type: 'int', default: 10, min: 1, max: 1_000_000 },
    { name: 'bias', type: 'bool', default: true },
  ],
  inputCount: () => 1,
  infer({ node, inputs, params }) {
    const x = inputs[0]!;
    if (x.length === 0) {
      return fail(
        diag('RS203', msg('needs-vector', { node: node.name, shape: x.join('×') }), {
          nodeId: node.id,
          port: 0,
        }),
      );
    }
    return { outputs: [[...x.slice(0, -1), int(params, 'outFeatures')]] };
  },
  cost(inputs, outputs, params) {
    const x = inputs[0]!;
    const i = x.at(-1)!;
    const o = outputs[0]!.at(-1)!;
    // One matrix-vector product per position of the leading axes (1 for a vector).
    const positions = numel(x.slice(0, -1));
    const b = bool(params, 'bias');
    return { params: i * o + (b ? o : 0), macs: positions * i * o, otherOps: b ? positions * o : 0 };
  },
  lower(ctx, [x], inShapes, _o, params) {
    const shape = inShapes[0]!;
    const i = shape.at(-1)!;
    const o = int(params, 'outFeatures');
    const bound = 1 / Math.sqrt(i);
    const w = ctx.weight('weight', [o, i], { kind: 'uniform', bound });
    const b = bool(params, 'bias') ? ctx.weight('bias', [o], { kind: 'uniform', bound }) : undefined;
    if (shape.length === 1) {
      const ins = b ? [x!, w, b] : [x!, w];
      return ctx.emit('Gemm', ins, [{ name: 'alpha', kind: 'float', value: 1 }, { name: 'beta', kind: 'float', value: 1 }, aInt('transB', 1)]);
    }
    const [wt] = ctx.emit('Transpose', [w], [aInts('perm', [1, 0])], { suffix: 'weight_t' });
    if (!b) return ctx.emit('MatMul', [x!, wt!]);
    const [y] = ctx.emit('MatMul', [x!, wt!], [], { suffix: 'matmul' });
    return ctx.emit('Add', [y!, b]);
  },
  // y = x·Wᵀ + b over rows x of the last axis: dx = dy·W, dW = dyᵀ·x, db = Σ dy.
  backward(ctx, { inputs: [x], gradOutput: dy, inputShapes, params, weights, needs }) {
    const shape = inputShapes[0]!;
    const i = shape.at(-1)!;
    const o = int(params, 'outFeatures');
    const flat = shape.length > 1;
    const x2 = flat ? reshape(ctx, x!, [-1, i]) : x!;
    const dy2 = flat ? reshape(ctx, dy, [-1, o]) : dy;
    const dx2 = needs[0] ? op1(ctx, 'MatMul', [dy2, weights['weight']!]) : undefined;
    const dx = dx2 && flat ? reshape(ctx, dx2, [ctx.batch, ...shape]) : dx2;
    const dw = op1(ctx, 'Gemm', [dy2, x2], [aInt('transA', 1)]);
    const grads: Record<string, string> = { weight: dw };
    if (bool(params, 'bias')) grads['bias'] = reduce(ctx, 'ReduceSum', dy2, [0], false);
    return { inputs: [dx], weights: grads };
  },
};
