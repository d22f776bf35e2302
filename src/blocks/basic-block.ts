import type { ShortcutMode } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';
import { resolveShortcut } from './shortcut.ts';
import { addShortcut, blockParams } from './shortcut-path.ts';

/**
 * The basic residual block of ResNet-18/34 and the CIFAR ResNets:
 * main path conv3x3(stride) → BN → ReLU → conv3x3 → BN, plus the shortcut, then Add and ReLU.
 * Module names follow torchvision (`conv1`, `bn1`, `conv2`, `bn2`, `downsample.0`, `downsample.1`).
 */
export const basicBlock: OpDef = {
  kind: 'BasicBlock',
  category: 'block',
  summary: 'Basic residual block: two 3×3 convolutions plus a shortcut, output ReLU(F(x) + x).',
  params: blockParams(64),
  inputCount: () => 1,
  expand(node, input, options) {
    const width = int(node.params, 'width');
    const stride = int(node.params, 'stride');
    const kind = resolveShortcut(str(node.params, 'shortcut') as ShortcutMode, input, width, stride, options.projectionEverywhere);
    const b = new ExpansionBuilder(node);
    const conv1 = b.layer('conv1', 'Conv2d', { outChannels: width, kernel: 3, stride, padding: 1, dilation: 1, groups: 1, bias: false }, 0, 0);
    const bn1 = b.layer('bn1', 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 0, 1);
    const relu1 = b.layer('relu1', 'ReLU', {}, 0, 2);
    const conv2 = b.layer('conv2', 'Conv2d', { outChannels: width, kernel: 3, stride: 1, padding: 1, dilation: 1, groups: 1, bias: false }, 0, 3);
    const bn2 = b.layer('bn2', 'BatchNorm2d', { eps: 1e-5, lastInBlock: true }, 0, 4);
    const addId = b.layer('add', 'Add', {}, 0, 5);
    const relu = b.layer('relu', 'ReLU', {}, 0, 6);
    b.chain(conv1, bn1, relu1, conv2, bn2, addId, relu);
    const shortcutEntries = addShortcut(b, kind, width, stride, addId);
    return b.done([{ node: conv1, port: 0 }, ...shortcutEntries], relu);
  },
};
