import type { ShortcutMode } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';
import { resolveShortcut } from './shortcut.ts';
import { addShortcut, blockParams, convUnit } from './shortcut-path.ts';

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
    const bn = node.params['batchNorm'] !== false;
    const b = new ExpansionBuilder(node);
    const main = [
      ...convUnit(b, 1, { outChannels: width, kernel: 1, stride: 1 }, true, false, bn, 0),
      ...convUnit(b, 2, { outChannels: width, kernel: 3, stride }, true, false, bn, 3),
      ...convUnit(b, 3, { outChannels: out, kernel: 1, stride: 1 }, false, true, bn, 6),
    ];
    const addId = b.layer('add', 'Add', {}, 0, 8);
    const relu = b.layer('relu', 'ReLU', {}, 0, 9);
    b.chain(...main, addId, relu);
    return b.done([{ node: main[0]!, port: 0 }, ...addShortcut(b, kind, out, stride, addId, bn)], relu);
  },
};
