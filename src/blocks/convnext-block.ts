import { int } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';

/**
 * The ConvNeXt block (Liu et al. 2022, "A ConvNet for the 2020s"): depthwise 7×7 conv → LayerNorm
 * → 1×1 conv to 4× the width → GELU → 1×1 conv back → layer scale (γ per channel, from 1e-6) →
 * + x. The shortcut is always the identity: the block keeps width and resolution (a ConvNeXt
 * stage changes them in its own downsampling layers, outside any block).
 *
 * Layer names are torchvision's CNBlock's (`block.0`, `block.2`, `block.3`, `block.5`,
 * `layer_scale`): its two Linears run channels-last between permutes, which is the same map as a
 * 1×1 conv on N×C×H×W — the same numbers and the same parameter count.
 *
 * Stochastic depth (drop the whole main path of a sample with probability p while training) is
 * the identity at inference; with p > 0 the expansion holds a StochasticDepth layer, which the
 * training step applies per sample as torchvision's StochasticDepth(p, "row") does.
 */
export const convNextBlock: OpDef = {
  kind: 'ConvNeXtBlock',
  category: 'block',
  summary: 'ConvNeXt block: depthwise 7×7, LayerNorm, 1×1 ×4, GELU, 1×1, layer scale, plus the identity shortcut.',
  labels: { en: 'ConvNeXt block', 'zh-CN': 'ConvNeXt 残差块' },
  params: [
    { name: 'width', type: 'int', default: 96, min: 1, max: 4096 },
    { name: 'layerScale', type: 'float', default: 1e-6, min: 0, max: 10 },
    { name: 'stochasticDepth', type: 'float', default: 0, min: 0, max: 0.99 },
  ],
  inputCount: () => 1,
  block: {
    role: 'block',
    outChannels: (p) => int(p, 'width'),
    shortcut: () => 'identity',
    className: 'CNBlock',
  },
  expand(node) {
    const width = int(node.params, 'width');
    const p = Number(node.params['stochasticDepth'] ?? 0);
    const b = new ExpansionBuilder(node);
    const main = [
      b.layer('block.0', 'Conv2d', { outChannels: width, kernel: 7, stride: 1, padding: 3, dilation: 1, groups: width, bias: true }, 0, 0),
      b.layer('block.2', 'LayerNorm', { eps: 1e-6 }, 0, 1),
      b.layer('block.3', 'Conv2d', { outChannels: 4 * width, kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true }, 0, 2),
      b.layer('block.4', 'GELU', { approximate: 'none' }, 0, 3),
      b.layer('block.5', 'Conv2d', { outChannels: width, kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true }, 0, 4),
      b.layer('layer_scale', 'LayerScale', { init: Number(node.params['layerScale'] ?? 1e-6) }, 0, 5),
      ...(p > 0 ? [b.layer('stochastic_depth', 'StochasticDepth', { p }, 0, 6)] : []),
    ];
    const addId = b.layer('add', 'Add', {}, 0, 7);
    b.chain(...main, addId);
    return b.done([{ node: main[0]!, port: 0 }, { node: addId, port: 1 }], addId);
  },
};
