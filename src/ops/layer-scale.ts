import { numel } from './common.ts';
import { op1, reduce, reshape } from './emit.ts';
import { channels, numParam, pyFloat } from './pytorch-form.ts';
import { asTensor, floatConst, label, modulePath } from '../onnx/import/match.ts';
import type { OpDef } from './types.ts';

/**
 * Layer scale (Touvron et al. 2021, used by ConvNeXt): multiplies each channel by a learnable γ
 * that starts small (1e-6), so a fresh residual block adds almost nothing to its shortcut. γ is
 * stored as [C, 1, 1], torchvision's `layer_scale` shape; on a vector it is [C].
 */
export const layerScale: OpDef = {
  kind: 'LayerScale',
  needsInputShapes: true,
  category: 'normalization',
  summary: 'Layer scale: multiplies each channel by a learnable factor that starts tiny (1e-6).',
  labels: { en: 'Layer scale', 'zh-CN': '层缩放' },
  onnxTypes: ['Mul'],
  import(n, ctx) {
    // x times a constant per channel ([C, 1, 1], on either side, as torch writes `layer_scale * x`): ConvNeXt's layer scale.
    if (n.inputs.length !== 2 || n.inputs.every((i) => ctx.isData(i))) return undefined;
    const [d, k] = ctx.isData(n.inputs[0]!) ? [n.inputs[0]!, n.inputs[1]!] : [n.inputs[1]!, n.inputs[0]!];
    const g = floatConst(ctx, k);
    const shape = ctx.shapes.get(d);
    if (!ctx.isData(d) || !g || shape?.length !== 3 || g.dims.length !== 3 || g.dims[0] !== shape[0] || g.dims[1] !== 1 || g.dims[2] !== 1) return undefined;
    return { op: 'LayerScale', params: { init: 1e-6 }, inputs: [d], output: n.outputs[0]!, hint: modulePath(n.name), weights: new Map([['weight', asTensor(g)]]), source: label(n) };
  },
  pytorch: {
    module: (a) => `LayerScale((${a.inputShapes[0]!.length === 3 ? `${channels(a)}, 1, 1` : `${channels(a)},`}), ${pyFloat(numParam(a.params, 'init'))})`,
    state: (a) => [['weight', a.inputShapes[0]!.length === 3 ? [channels(a), 1, 1] : [channels(a)]]],
    parts: ['LayerScale'],
  },
  params: [{ name: 'init', type: 'float', default: 1e-6, min: 0, max: 10 }],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost: (inputs) => ({ params: inputs[0]![0]!, macs: 0, otherOps: numel(inputs[0]!) }),
  lower(ctx, [x], inShapes, _out, params) {
    const shape = inShapes[0]!;
    const dims = shape.length === 3 ? [shape[0]!, 1, 1] : [shape[0]!];
    const g = ctx.weight('weight', dims, { kind: 'constant', value: Number(params['init']) });
    return ctx.emit('Mul', [x!, g]);
  },
  backward(ctx, { inputs: [x], gradOutput: dy, inputShapes, weights }) {
    const shape = inputShapes[0]!;
    const map = shape.length === 3;
    const dg = reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [dy, x!]), map ? [0, 2, 3] : [0], false);
    return { inputs: [op1(ctx, 'Mul', [dy, weights['weight']!])], weights: { weight: map ? reshape(ctx, dg, [shape[0]!, 1, 1]) : dg } };
  },
};
