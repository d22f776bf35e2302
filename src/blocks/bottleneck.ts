import type { ShortcutMode } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';
import { resolveShortcut } from './shortcut.ts';
import { addShortcut, blockParams } from './shortcut-path.ts';

/**
 * The bottleneck block of ResNet-50/101/152: 1×1 reduce → 3×3 (stride, as torchvision's v1.5)
 * → 1×1 expand to width × expansion, each followed by BN (ReLU after the first two), plus the shortcut.
 */
export const bottleneck: OpDef = {
  kind: 'Bottleneck',
  category: 'block',
  summary: 'Bottleneck residual block: 1×1 reduce, 3×3, 1×1 expand (×4), plus a shortcut.',
  params: [...blockParams(64), { name: 'expansion', type: 'int', default: 4, min: 1, max: 8 }],
  inputCount: () => 1,
  expand(node, input, options) {
    const width = int(node.params, 'width');
    const stride = int(node.params, 'stride');
    const out = width * int(node.params, 'expansion');
    const kind = resolveShortcut(str(node.params, 'shortcut') as ShortcutMode, input, out, stride, options.projectionEverywhere);
    const b = new ExpansionBuilder(node);
    const conv = (k: number, c: number, s: number) => ({ outChannels: c, kernel: k, stride: s, padding: k === 3 ? 1 : 0, dilation: 1, groups: 1, bias: false });
    const conv1 = b.layer('conv1', 'Conv2d', conv(1, width, 1), 0, 0);
    const bn1 = b.layer('bn1', 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 0, 1);
    const relu1 = b.layer('relu1', 'ReLU', {}, 0, 2);
    const conv2 = b.layer('conv2', 'Conv2d', conv(3, width, stride), 0, 3);
    const bn2 = b.layer('bn2', 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 0, 4);
    const relu2 = b.layer('relu2', 'ReLU', {}, 0, 5);
    const conv3 = b.layer('conv3', 'Conv2d', conv(1, out, 1), 0, 6);
    const bn3 = b.layer('bn3', 'BatchNorm2d', { eps: 1e-5, lastInBlock: true }, 0, 7);
    const addId = b.layer('add', 'Add', {}, 0, 8);
    const relu = b.layer('relu', 'ReLU', {}, 0, 9);
    b.chain(conv1, bn1, relu1, conv2, bn2, relu2, conv3, bn3, addId, relu);
    return b.done([{ node: conv1, port: 0 }, ...addShortcut(b, kind, out, stride, addId)], relu);
  },
};
