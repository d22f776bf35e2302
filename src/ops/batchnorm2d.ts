import { aFloat, bool, fail, needMap, numel } from './common.ts';
import { op1, reduce, reshape, scalar, type Emitter } from './emit.ts';
import { channels, numParam, pyFloat } from './pytorch-form.ts';
import { asTensor, dataNode, floatAttr, floatConst, intAttr, tidyFloat, weightHint } from '../onnx/import/match.ts';
import type { OpDef } from './types.ts';

/** torch.nn.BatchNorm2d's default momentum of the running statistics. */
const MOMENTUM = 0.1;

/**
 * x·a + b per channel (a, b of shape [C]) in one pass over x: BatchNormalization in inference
 * form with mean 0, variance 1 and ε 0 is exactly that affine map, and every runtime has it.
 */
function affine(ctx: Emitter, x: string, a: string, b: string, c: number): string {
  const zeros = ctx.float('zeros', [c], new Array<number>(c).fill(0));
  const ones = ctx.float('ones', [c], new Array<number>(c).fill(1));
  return op1(ctx, 'BatchNormalization', [x, a, b, zeros, ones], [aFloat('epsilon', 0)]);
}

/**
 * Batch normalisation (inference form below; training form in `lower`): y = (x - mean) / sqrt(var + eps) * weight + bias.
 * `lastInBlock` marks the BN that closes a residual block's main path, which zero-init residual
 * starts at weight 0 so the block begins as an identity mapping.
 */
export const batchNorm2d: OpDef = {
  kind: 'BatchNorm2d',
  needsInputShapes: true,
  category: 'normalization',
  summary: 'Batch normalisation: normalises each channel, then scales and shifts it.',
  labels: { en: 'BatchNorm', 'zh-CN': '批归一化' },
  onnxTypes: ['BatchNormalization'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    const ts = [1, 2, 3, 4].map((k) => floatConst(ctx, n.inputs[k]));
    if (!d || n.inputs.length !== 5 || ts.some((t) => !t || t.dims.length !== 1)) return undefined;
    const c = ts[0]!.dims[0]!;
    if (ts.some((t) => t!.dims[0] !== c)) return undefined;
    const eps = floatAttr(n, 'epsilon', 1e-5);
    if (eps === undefined || intAttr(n, 'training_mode', 0) !== 0) return undefined;
    const weights = new Map(['weight', 'bias', 'running_mean', 'running_var'].map((k, i) => [k, asTensor(ts[i]!)] as const));
    return d.layer('BatchNorm2d', { eps: tidyFloat(eps), lastInBlock: false }, weights, weightHint(n.inputs[1]!));
  },
  pytorch: {
    module: (a) => `BatchNorm2d(${channels(a)}${numParam(a.params, 'eps') === 1e-5 ? '' : `, eps=${pyFloat(numParam(a.params, 'eps'))}`})`,
    state: (a) => ['weight', 'bias', 'running_mean', 'running_var'].map((n) => [n, [channels(a)]] as const),
    parts: ['BatchNorm2d'],
  },
  params: [
    { name: 'eps', type: 'float', default: 1e-5, min: 1e-12, max: 1 },
    { name: 'lastInBlock', type: 'bool', default: false },
  ],
  inputCount: () => 1,
  infer({ node, inputs }) {
    const bad = needMap(node, inputs[0]);
    return bad ? fail(bad) : { outputs: [inputs[0]!] };
  },
  cost(inputs) {
    const c = inputs[0]![0]!;
    return { params: 2 * c, macs: 0, otherOps: 2 * numel(inputs[0]!) };
  },
  lower(ctx, [x], inShapes, _out, params) {
    const c = inShapes[0]![0]!;
    const gamma = ctx.zeroInitResidual && bool(params, 'lastInBlock') ? 0 : 1;
    const w = ctx.weight('weight', [c], { kind: 'constant', value: gamma });
    const b = ctx.weight('bias', [c], { kind: 'constant', value: 0 });
    const m = ctx.weight('running_mean', [c], { kind: 'constant', value: 0 }, 'buffer');
    const v = ctx.weight('running_var', [c], { kind: 'constant', value: 1 }, 'buffer');
    const eps = Number(params['eps']);
    if (ctx.mode === 'inference') return ctx.emit('BatchNormalization', [x!, w, b, m, v], [aFloat('epsilon', eps)]);
    // Training, as torch's model.train(): normalise with the batch's statistics (biased variance),
    // and move the running statistics by momentum 0.1 towards the batch's (unbiased variance).
    // Written out in elementary ops: BatchNormalization's training mode is not in every runtime.
    // y = x̂·γ + β is one pass (a per-channel affine map) rather than a Mul and an Add.
    const [, h, wd] = inShapes[0] as [number, number, number];
    const count = ctx.batch! * h * wd;
    const mean = reduce(ctx, 'ReduceMean', x!, [0, 2, 3], true);
    const xc = op1(ctx, 'Sub', [x!, mean]);
    const variance = reduce(ctx, 'ReduceMean', op1(ctx, 'Mul', [xc, xc]), [0, 2, 3], false);
    const invstd = op1(ctx, 'Reciprocal', [op1(ctx, 'Sqrt', [op1(ctx, 'Add', [variance, scalar(ctx, eps)])])]);
    const xhat = op1(ctx, 'Mul', [xc, reshape(ctx, invstd, [c, 1, 1])]);
    const y = affine(ctx, xhat, w, b, c);
    const keep = scalar(ctx, 1 - MOMENTUM);
    const meanNext = op1(ctx, 'Add', [op1(ctx, 'Mul', [m, keep]), op1(ctx, 'Mul', [reshape(ctx, mean, [c]), scalar(ctx, MOMENTUM)])]);
    const unbiased = count > 1 ? (MOMENTUM * count) / (count - 1) : MOMENTUM;
    const varNext = op1(ctx, 'Add', [op1(ctx, 'Mul', [v, keep]), op1(ctx, 'Mul', [variance, scalar(ctx, unbiased)])]);
    ctx.update(m, meanNext);
    ctx.update(v, varNext);
    ctx.save('xhat', xhat);
    ctx.save('invstd', invstd);
    return [y];
  },
  backward(ctx, { gradOutput: dy, inputShapes, weights, saved }) {
    // y = x̂·γ + β with x̂ = (x − μ)·σ⁻¹ over the batch: dβ = Σdy, dγ = Σdy·x̂,
    // dx = γσ⁻¹·(dy − dβ/M − x̂·dγ/M), M = N·H·W (torch's batch_norm_backward). Kept in this
    // order: the bracket nearly cancels, and forms that scale its terms first (dx = A·dy + B·x̂ + C,
    // or the last two steps as one affine map) drifted 1e-2 from torch over whole networks.
    const [c, h, w] = inputShapes[0] as [number, number, number];
    const m = ctx.batch * h * w;
    const { xhat, invstd } = saved as { xhat: string; invstd: string };
    const dbeta = reduce(ctx, 'ReduceSum', dy, [0, 2, 3], false);
    const dgamma = reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [dy, xhat]), [0, 2, 3], false);
    const inv = scalar(ctx, 1 / m);
    const meanDy = op1(ctx, 'Mul', [reshape(ctx, dbeta, [c, 1, 1]), inv]);
    const meanDyX = op1(ctx, 'Mul', [reshape(ctx, dgamma, [c, 1, 1]), inv]);
    const t = op1(ctx, 'Sub', [op1(ctx, 'Sub', [dy, meanDy]), op1(ctx, 'Mul', [xhat, meanDyX])]);
    const dx = op1(ctx, 'Mul', [t, reshape(ctx, op1(ctx, 'Mul', [weights['weight']!, invstd]), [c, 1, 1])]);
    return { inputs: [dx], weights: { weight: dgamma, bias: dbeta } };
  },
};
