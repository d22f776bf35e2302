import type { ShortcutMode } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';
import { resolveShortcut } from './shortcut.ts';
import { addShortcut, blockParams, convUnit } from './shortcut-path.ts';

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
  block: {
    role: 'block',
    outChannels: (p) => int(p, 'width'),
    shortcut: (p, input, o) => resolveShortcut(str(p, 'shortcut') as ShortcutMode, input, int(p, 'width'), int(p, 'stride'), o.projectionEverywhere),
  },
  expand(node, input, options) {
    const width = int(node.params, 'width');
    const stride = int(node.params, 'stride');
    const kind = resolveShortcut(str(node.params, 'shortcut') as ShortcutMode, input, width, stride, options.projectionEverywhere);
    const bn = node.params['batchNorm'] !== false;
    const b = new ExpansionBuilder(node);
    const main = [...convUnit(b, 1, { outChannels: width, kernel: 3, stride }, true, false, bn, 0), ...convUnit(b, 2, { outChannels: width, kernel: 3, stride: 1 }, false, true, bn, 3)];
    const addId = b.layer('add', 'Add', {}, 0, 5);
    const relu = b.layer('relu', 'ReLU', {}, 0, 6);
    b.chain(...main, addId, relu);
    const shortcutEntries = addShortcut(b, kind, width, stride, addId, bn);
    return b.done([{ node: main[0]!, port: 0 }, ...shortcutEntries], relu);
  },
};
