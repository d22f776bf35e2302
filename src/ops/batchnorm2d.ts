import { aFloat, bool, fail, needMap, numel } from './common.ts';
import { op1, reduce, reshape, scalar } from './emit.ts';
import type { OpDef } from './types.ts';

/** torch.nn.BatchNorm2d's default momentum of the running statistics. */
const MOMENTUM = 0.1;

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
    const [, h, wd] = inShapes[0] as [number, number, number];
    const count = ctx.batch! * h * wd;
    const mean = reduce(ctx, 'ReduceMean', x!, [0, 2, 3], true);
    const xc = op1(ctx, 'Sub', [x!, mean]);
    const variance = reduce(ctx, 'ReduceMean', op1(ctx, 'Mul', [xc, xc]), [0, 2, 3], true);
    const invstd = op1(ctx, 'Reciprocal', [op1(ctx, 'Sqrt', [op1(ctx, 'Add', [variance, scalar(ctx, eps)])])]);
    const xhat = op1(ctx, 'Mul', [xc, invstd]);
    const y = op1(ctx, 'Add', [op1(ctx, 'Mul', [xhat, reshape(ctx, w, [c, 1, 1])]), reshape(ctx, b, [c, 1, 1])]);
    const keep = scalar(ctx, 1 - MOMENTUM);
    const meanNext = op1(ctx, 'Add', [op1(ctx, 'Mul', [m, keep]), op1(ctx, 'Mul', [reshape(ctx, mean, [c]), scalar(ctx, MOMENTUM)])]);
    const unbiased = count > 1 ? (MOMENTUM * count) / (count - 1) : MOMENTUM;
    const varNext = op1(ctx, 'Add', [op1(ctx, 'Mul', [v, keep]), op1(ctx, 'Mul', [reshape(ctx, variance, [c]), scalar(ctx, unbiased)])]);
    ctx.update(m, meanNext);
    ctx.update(v, varNext);
    ctx.save('xhat', xhat);
    ctx.save('invstd', invstd);
    return [y];
  },
  backward(ctx, { gradOutput: dy, inputShapes, weights, saved }) {
    // y = x̂·γ + β with x̂ = (x − μ)·σ⁻¹ over the batch: dβ = Σdy, dγ = Σdy·x̂,
    // dx = γσ⁻¹·(dy − dβ/M − x̂·dγ/M), M = N·H·W (torch's batch_norm_backward).
    const [c, h, w] = inputShapes[0] as [number, number, number];
    const m = ctx.batch * h * w;
    const { xhat, invstd } = saved as { xhat: string; invstd: string };
    const dbeta = reduce(ctx, 'ReduceSum', dy, [0, 2, 3], false);
    const dgamma = reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [dy, xhat]), [0, 2, 3], false);
    const inv = scalar(ctx, 1 / m);
    const meanDy = op1(ctx, 'Mul', [reshape(ctx, dbeta, [c, 1, 1]), inv]);
    const meanDyX = op1(ctx, 'Mul', [reshape(ctx, dgamma, [c, 1, 1]), inv]);
    const t = op1(ctx, 'Sub', [op1(ctx, 'Sub', [dy, meanDy]), op1(ctx, 'Mul', [xhat, meanDyX])]);
    const k = op1(ctx, 'Mul', [reshape(ctx, weights['weight']!, [c, 1, 1]), invstd]);
    return { inputs: [op1(ctx, 'Mul', [t, k])], weights: { weight: dgamma, bias: dbeta } };
  },
};
