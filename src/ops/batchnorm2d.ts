import { aFloat, bool, fail, needMap, numel } from './common.ts';
import type { OpDef } from './types.ts';

/**
 * Batch normalisation in inference form: y = (x - mean) / sqrt(var + eps) * weight + bias.
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
    const m = ctx.weight('running_mean', [c], { kind: 'constant', value: 0 });
    const v = ctx.weight('running_var', [c], { kind: 'constant', value: 1 });
    return ctx.emit('BatchNormalization', [x!, w, b, m, v], [aFloat('epsilon', Number(params['eps']))]);
  },
};
