import type { NodeId } from '../graph/ids.ts';
import type { Params, Shape } from '../graph/types.ts';
import { int } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';

/**
 * True when an inverted residual block has its identity shortcut: only where it keeps the
 * resolution (stride 1) and its input already has its output's channels. Elsewhere the block has
 * no shortcut at all — MobileNetV2 never projects x, it just drops the sum.
 */
export const invertedResidualHasShortcut = (inChannels: number, outChannels: number, stride: number): boolean => stride === 1 && inChannels === outChannels;

/**
 * Why an inverted residual block has no shortcut, for its card and the inspector: its stride
 * changes the resolution, or its width differs from its input's. Undefined where it has the identity.
 */
export function invertedResidualNoShortcut(params: Params, inChannels: number): { readonly reason: 'stride'; readonly stride: number } | { readonly reason: 'width'; readonly inChannels: number; readonly outChannels: number } | undefined {
  // The card may hold params as drawn, before defaults are filled.
  const stride = Number(params['stride'] ?? 1);
  const out = Number(params['outChannels'] ?? 24);
  if (stride !== 1) return { reason: 'stride', stride };
  return inChannels === out ? undefined : { reason: 'width', inChannels, outChannels: out };
}

/**
 * The inverted residual block of MobileNetV2 (Sandler et al., 2018): a 1×1 conv expands the
 * input t times (BN, ReLU6; left out when t = 1), a depthwise 3×3 conv filters each channel
 * (stride s; BN, ReLU6), and a linear 1×1 projection brings it to the output width (BN, no
 * activation: the "linear bottleneck"). The identity shortcut adds x only where stride is 1 and
 * the widths match (a solid arc); otherwise the block has no shortcut and is a plain chain.
 *
 * Module names follow torchvision's `InvertedResidual` (`conv.0.0` the expand conv, `conv.1.0`
 * the depthwise one, `conv.2` the projection, `conv.3` its BN; with t = 1 the depthwise conv is
 * `conv.0.0`, the projection `conv.1`), so torchvision's state_dict loads by name.
 *
 * @example
 * getOp('InvertedResidual').expand!(node, [24, 56, 56], opts); // 24 → 144 → dw 144 → 24, plus x
 */
export const invertedResidual: OpDef = {
  kind: 'InvertedResidual',
  category: 'block',
  summary: 'Inverted residual (MobileNetV2): 1×1 expand, depthwise 3×3, linear 1×1 projection; identity shortcut only at stride 1 with equal widths.',
  labels: { en: 'Inverted residual', 'zh-CN': '倒残差块' },
  params: [
    { name: 'outChannels', type: 'int', default: 24, min: 1, max: 8192 },
    { name: 'stride', type: 'int', default: 1, min: 1, max: 2 },
    { name: 'expansion', type: 'int', default: 6, min: 1, max: 16 },
    // false: BN folded into the convolutions (as PyTorch's eval-mode ONNX export does): convs carry a bias, no BN layers.
    { name: 'batchNorm', type: 'bool', default: true },
  ],
  inputCount: () => 1,
  block: { role: 'block', outChannels: (p) => int(p, 'outChannels') },
  expand(node, input: Shape) {
    const inC = input[0]!;
    const out = int(node.params, 'outChannels');
    const stride = int(node.params, 'stride');
    const t = int(node.params, 'expansion');
    const hidden = inC * t;
    const bn = node.params['batchNorm'] !== false;
    const shortcut = invertedResidualHasShortcut(inC, out, stride);
    const b = new ExpansionBuilder(node);
    const ids: NodeId[] = [];
    let row = 0;
    // One ConvNormActivation of torchvision: `<prefix>.0` conv, `.1` BN, `.2` ReLU6.
    const convBnRelu6 = (prefix: string, conv: { outChannels: number; kernel: number; stride: number; groups: number }) => {
      ids.push(b.layer(`${prefix}.0`, 'Conv2d', { ...conv, padding: (conv.kernel - 1) / 2, dilation: 1, bias: !bn }, 0, row++));
      if (bn) ids.push(b.layer(`${prefix}.1`, 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 0, row++));
      ids.push(b.layer(`${prefix}.2`, 'ReLU6', {}, 0, row++));
    };
    let i = 0;
    if (t !== 1) convBnRelu6(`conv.${i++}`, { outChannels: hidden, kernel: 1, stride: 1, groups: 1 });
    convBnRelu6(`conv.${i++}`, { outChannels: hidden, kernel: 3, stride, groups: hidden });
    ids.push(b.layer(`conv.${i++}`, 'Conv2d', { outChannels: out, kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 1, bias: !bn }, 0, row++));
    // Zero-init residual zeroes the last BN of a block with a shortcut; without one it would zero the block's whole output.
    if (bn) ids.push(b.layer(`conv.${i}`, 'BatchNorm2d', { eps: 1e-5, lastInBlock: shortcut }, 0, row++));
    if (!shortcut) {
      b.chain(...ids);
      return b.done([{ node: ids[0]!, port: 0 }], ids.at(-1)!);
    }
    const add = b.layer('add', 'Add', {}, 0, row);
    b.chain(...ids, add);
    return b.done([{ node: ids[0]!, port: 0 }, { node: add, port: 1 }], add);
  },
};
