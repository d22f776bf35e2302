import { aFloat, aInts } from './common.ts';
import { op1, scalar } from './emit.ts';
import { numParam, pyFloat } from './pytorch-form.ts';
import type { OpDef } from './types.ts';

/**
 * Stochastic depth (Huang et al. 2016), as torchvision's StochasticDepth(p, "row"): while
 * training, each sample's whole residual branch is dropped with probability p and kept ones are
 * scaled by 1/(1 − p), so the block is sometimes only its shortcut; the identity at inference.
 * The draw is one seeded value per sample, a new one each step (like Dropout's masks).
 */
export const stochasticDepth: OpDef = {
  kind: 'StochasticDepth',
  category: 'other',
  summary: 'Stochastic depth: while training, drops a sample’s whole residual branch with probability p; the identity at inference.',
  labels: { en: 'Stochastic depth', 'zh-CN': '随机深度' },
  pytorch: { module: ({ params }) => `StochasticDepth(${pyFloat(numParam(params, 'p'))}, "row")`, parts: ['StochasticDepth'] },
  params: [{ name: 'p', type: 'float', default: 0.1, min: 0, max: 0.99 }],
  inputCount: () => 1,
  needsInputShapes: true,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower(ctx, [x], inShapes, _o, params) {
    const p = Number(params['p']);
    if (ctx.mode === 'inference' || p === 0) return ctx.emit('Identity', [x!]);
    const shape = [ctx.batch!, ...inShapes[0]!.map(() => 1)];
    const u = op1(ctx, 'RandomUniform', [], [aInts('shape', shape), aFloat('seed', ctx.dropoutSeed?.() ?? 0)]);
    const mask = op1(ctx, 'Mul', [op1(ctx, 'Cast', [op1(ctx, 'Less', [u, scalar(ctx, 1 - p)])], [{ name: 'to', kind: 'int', value: 1 }]), scalar(ctx, 1 / (1 - p))]);
    ctx.save('mask', mask);
    return ctx.emit('Mul', [x!, mask]);
  },
  backward: (ctx, { gradOutput: dy, saved, params }) => ({ inputs: [Number(params['p']) === 0 ? dy : op1(ctx, 'Mul', [dy, saved['mask']!])] }),
};
