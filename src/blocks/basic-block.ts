import type { ShortcutMode } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';
import { resolveShortcut } from './shortcut.ts';
import { addShortcut, blockParams, convUnit } from './shortcut-path.ts';
import { addProjection, addSqueezeExcite, blockVariant, preActUnit, VARIANT_PARAMS } from './block-variants.ts';

/**
 * The basic residual block of ResNet-18/34 and the CIFAR ResNets:
 * main path conv3x3(stride) → BN → ReLU → conv3x3 → BN, plus the shortcut, then Add and ReLU.
 * Module names follow torchvision (`conv1`, `bn1`, `conv2`, `bn2`, `downsample.0`, `downsample.1`).
 *
 * Its family options (see {@link VARIANT_PARAMS}): pre-activation reorders it to
 * BN → ReLU → conv3x3(stride) → BN → ReLU → conv3x3, plus the shortcut, with nothing after the add;
 * squeeze-and-excitation scales the main path before the add; ResNet-D average-pools a projection.
 */
export const basicBlock: OpDef = {
  kind: 'BasicBlock',
  category: 'block',
  summary: 'Basic residual block: two 3×3 convolutions plus a shortcut, output ReLU(F(x) + x).',
  labels: { en: 'Basic block', 'zh-CN': '基本残差块' },
  params: [...blockParams(64), ...VARIANT_PARAMS],
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
    const v = blockVariant(node.params);
    const b = new ExpansionBuilder(node);
    if (v.preActivation) {
      const main = [...preActUnit(b, 1, { outChannels: width, kernel: 3, stride }, bn, 0), ...preActUnit(b, 2, { outChannels: width, kernel: 3, stride: 1 }, bn, 3)];
      const last = v.squeezeExcite ? addSqueezeExcite(b, main.at(-1)!, width, v.seReduction, 6) : main.at(-1)!;
      const addId = b.layer('add', 'Add', {}, 0, v.squeezeExcite ? 12 : 6);
      b.chain(...main);
      b.link(last, addId, 0);
      // The paper's projection reads the pre-activated x (after bn1 → relu1); the identity reads x itself.
      const entries = kind === 'identity' ? [{ node: addId, port: 1 }] : addProjection(b, kind, width, stride, addId, { batchNorm: false, bias: !bn, avgPool: v.avgPoolProjection });
      if (kind !== 'identity') b.link(main[bn ? 1 : 0]!, entries[0]!.node, 0);
      return b.done([{ node: main[0]!, port: 0 }, ...(kind === 'identity' ? entries : [])], addId);
    }
    if (v.squeezeExcite || v.avgPoolProjection) {
      const main = [...convUnit(b, 1, { outChannels: width, kernel: 3, stride }, true, false, bn, 0), ...convUnit(b, 2, { outChannels: width, kernel: 3, stride: 1 }, false, true, bn, 3)];
      b.chain(...main);
      const last = v.squeezeExcite ? addSqueezeExcite(b, main.at(-1)!, width, v.seReduction, 5) : main.at(-1)!;
      const addId = b.layer('add', 'Add', {}, 0, v.squeezeExcite ? 11 : 5);
      const relu = b.layer('relu', 'ReLU', {}, 0, v.squeezeExcite ? 12 : 6);
      b.chain(last, addId, relu);
      const entries = kind === 'identity' ? [{ node: addId, port: 1 }] : addProjection(b, kind, width, stride, addId, { batchNorm: bn, bias: !bn, avgPool: v.avgPoolProjection });
      return b.done([{ node: main[0]!, port: 0 }, ...entries], relu);
    }
    const main = [...convUnit(b, 1, { outChannels: width, kernel: 3, stride }, true, false, bn, 0), ...convUnit(b, 2, { outChannels: width, kernel: 3, stride: 1 }, false, true, bn, 3)];
    const addId = b.layer('add', 'Add', {}, 0, 5);
    const relu = b.layer('relu', 'ReLU', {}, 0, 6);
    b.chain(...main, addId, relu);
    const shortcutEntries = addShortcut(b, kind, width, stride, addId, bn);
    return b.done([{ node: main[0]!, port: 0 }, ...shortcutEntries], relu);
  },
};
