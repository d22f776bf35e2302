import { aFloat, aInt, numel } from './common.ts';
import { op1, reduce, scalar, transpose, type Emitter } from './emit.ts';
import { channels, numParam, pyFloat } from './pytorch-form.ts';
import type { OpDef } from './types.ts';

/** NCHW → NHWC and back: the channel axis last, where LayerNormalization normalises. */
const TO_LAST = [0, 2, 3, 1] as const;
const TO_FIRST = [0, 3, 1, 2] as const;

/**
 * `(x − mean) / sqrt(var + eps)` over the last axis, in the nodes torch 1.13 exports for
 * nn.LayerNorm below opset 17 (ReduceMean, Sub, Pow 2, ReduceMean, Add ε, Sqrt, Div): the
 * importer reads that one pattern back from our files and from torch's alike.
 */
function normaliseLast(ctx: Emitter, x: string, eps: number): { xhat: string; std: string } {
  const mean = reduce(ctx, 'ReduceMean', x, [-1], true);
  const xc = op1(ctx, 'Sub', [x, mean]);
  const variance = reduce(ctx, 'ReduceMean', op1(ctx, 'Pow', [xc, scalar(ctx, 2)]), [-1], true);
  const std = op1(ctx, 'Sqrt', [op1(ctx, 'Add', [variance, scalar(ctx, eps)])]);
  return { xhat: op1(ctx, 'Div', [xc, std]), std };
}

/**
 * Layer normalisation over the channels of each position: y = (x − μ)/√(σ² + ε)·γ + β, with μ and
 * σ² taken across C at every (h, w) — torchvision's LayerNorm2d, and the nn.LayerNorm that
 * ConvNeXt applies channels-last inside its block (the same numbers). On a vector [F] it is
 * nn.LayerNorm(F). γ (`weight`, init 1) and β (`bias`, init 0) have C elements, as in torch.
 *
 * Lowered channels-last, as torch exports it: Transpose to N×H×W×C, LayerNormalization (opset 17
 * and later) or its spelled-out form (13–16), Transpose back. Training uses the spelled-out form
 * so the gradient rule can reuse x̂ and σ.
 */
export const layerNorm: OpDef = {
  kind: 'LayerNorm',
  needsInputShapes: true,
  category: 'normalization',
  summary: 'Layer normalisation: normalises the channels at each position, then scales and shifts them.',
  labels: { en: 'LayerNorm', 'zh-CN': '层归一化' },
  pytorch: {
    // Over C at each position: LayerNorm2d on a feature map (channels moved last and back), nn.LayerNorm on a vector.
    module: (a) => `${a.inputShapes[0]!.length === 3 ? 'LayerNorm2d' : 'nn.LayerNorm'}(${channels(a)}${numParam(a.params, 'eps') === 1e-5 ? '' : `, eps=${pyFloat(numParam(a.params, 'eps'))}`})`,
    state: (a) => ['weight', 'bias'].map((n) => [n, [channels(a)]] as const),
    parts: ['LayerNorm2d'],
  },
  params: [{ name: 'eps', type: 'float', default: 1e-6, min: 1e-12, max: 1 }],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost(inputs) {
    const c = inputs[0]![0]!;
    return { params: 2 * c, macs: 0, otherOps: 5 * numel(inputs[0]!) };
  },
  lower(ctx, [x], inShapes, _out, params) {
    const shape = inShapes[0]!;
    const c = shape[0]!;
    const eps = Number(params['eps']);
    const w = ctx.weight('weight', [c], { kind: 'constant', value: 1 });
    const b = ctx.weight('bias', [c], { kind: 'constant', value: 0 });
    // A vector's channels are already last; a feature map of rank 4 is turned channels-last.
    const map = shape.length === 3;
    const xl = map ? transpose(ctx, x!, TO_LAST) : x!;
    let y: string;
    if (ctx.mode === 'inference' && ctx.opset >= 17) {
      y = op1(ctx, 'LayerNormalization', [xl, w, b], [aInt('axis', -1), aFloat('epsilon', eps)]);
    } else {
      const { xhat, std } = normaliseLast(ctx, xl, eps);
      if (ctx.mode === 'training') {
        ctx.save('xhat', xhat);
        ctx.save('std', std);
      }
      y = op1(ctx, 'Add', [op1(ctx, 'Mul', [xhat, w]), b]);
    }
    return [map ? transpose(ctx, y, TO_FIRST) : y];
  },
  backward(ctx, { gradOutput: dy, inputShapes, weights, saved }) {
    // Channels-last like the forward: g = dy·γ, dx = (g − mean_C(g) − x̂·mean_C(g·x̂)) / σ,
    // dγ = Σ dy·x̂ and dβ = Σ dy over every position of the batch (torch's layer_norm_backward).
    const map = inputShapes[0]!.length === 3;
    const dyl = map ? transpose(ctx, dy, TO_LAST) : dy;
    const { xhat, std } = saved as { xhat: string; std: string };
    const axes = map ? [0, 1, 2] : [0];
    const dgamma = reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [dyl, xhat]), axes, false);
    const dbeta = reduce(ctx, 'ReduceSum', dyl, axes, false);
    const g = op1(ctx, 'Mul', [dyl, weights['weight']!]);
    const meanG = reduce(ctx, 'ReduceMean', g, [-1], true);
    const meanGX = reduce(ctx, 'ReduceMean', op1(ctx, 'Mul', [g, xhat]), [-1], true);
    const t = op1(ctx, 'Sub', [op1(ctx, 'Sub', [g, meanG]), op1(ctx, 'Mul', [xhat, meanGX])]);
    const dxl = op1(ctx, 'Div', [t, std]);
    const dx = map ? transpose(ctx, dxl, TO_FIRST) : dxl;
    return { inputs: [dx], weights: { weight: dgamma, bias: dbeta } };
  },
};
