import type { ShortcutMode } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { ExpansionBuilder } from './build.ts';
import { resolveShortcut } from './shortcut.ts';
import { addShortcut, blockParams, convUnit } from './shortcut-path.ts';
import { addProjection, addSqueezeExcite, blockVariant, preActUnit, VARIANT_PARAMS } from './block-variants.ts';

/**
 * The bottleneck block of ResNet-50/101/152: 1×1 reduce → 3×3 (stride, as torchvision's v1.5)
 * → 1×1 expand to width × expansion, each followed by BN (ReLU after the first two), plus the shortcut.
 *
 * ResNeXt and Wide ResNet are the same block with torchvision's two extra parameters: the 3×3 conv
 * runs in `cardinality` groups of `baseWidth`·width/64 channels each (ResNeXt-50 32×4d: cardinality
 * 32, base width 4), and a base width of 128 with one group is Wide ResNet's width factor 2. The
 * inner width is ⌊width·baseWidth/64⌋·cardinality; the output stays width × expansion.
 *
 * Its family options (see {@link VARIANT_PARAMS}): pre-activation (the paper's ResNet-164 unit:
 * BN → ReLU → 1×1, BN → ReLU → 3×3, BN → ReLU → 1×1, nothing after the add), squeeze-and-excitation
 * on the expanded output before the add (SE-ResNet-50), and ResNet-D's average-pooled projection.
 */
export const bottleneck: OpDef = {
  kind: 'Bottleneck',
  category: 'block',
  summary: 'Bottleneck residual block: 1×1 reduce, 3×3, 1×1 expand (×4), plus a shortcut.',
  labels: { en: 'Bottleneck block', 'zh-CN': '瓶颈残差块' },
  params: [
    ...blockParams(64),
    { name: 'expansion', type: 'int', default: 4, min: 1, max: 8 },
    { name: 'cardinality', type: 'int', default: 1, min: 1, max: 256 },
    { name: 'baseWidth', type: 'int', default: 64, min: 1, max: 1024 },
    ...VARIANT_PARAMS,
  ],
  inputCount: () => 1,
  block: {
    role: 'block',
    outChannels: (p) => int(p, 'width') * int(p, 'expansion'),
    shortcut: (p, input, o) => resolveShortcut(str(p, 'shortcut') as ShortcutMode, input, int(p, 'width') * int(p, 'expansion'), int(p, 'stride'), o.projectionEverywhere),
  },
  expand(node, input, options) {
    const width = int(node.params, 'width');
    const stride = int(node.params, 'stride');
    const out = width * int(node.params, 'expansion');
    const groups = int(node.params, 'cardinality') || 1;
    const inner = bottleneckInnerWidth(width, int(node.params, 'baseWidth') || 64, groups);
    const kind = resolveShortcut(str(node.params, 'shortcut') as ShortcutMode, input, out, stride, options.projectionEverywhere);
    const bn = node.params['batchNorm'] !== false;
    const v = blockVariant(node.params);
    const b = new ExpansionBuilder(node);
    if (v.preActivation) {
      const main = [
        ...preActUnit(b, 1, { outChannels: inner, kernel: 1, stride: 1 }, bn, 0),
        ...preActUnit(b, 2, { outChannels: inner, kernel: 3, stride, groups }, bn, 3),
        ...preActUnit(b, 3, { outChannels: out, kernel: 1, stride: 1 }, bn, 6),
      ];
      b.chain(...main);
      const last = v.squeezeExcite ? addSqueezeExcite(b, main.at(-1)!, out, v.seReduction, 9) : main.at(-1)!;
      const addId = b.layer('add', 'Add', {}, 0, v.squeezeExcite ? 15 : 9);
      b.link(last, addId, 0);
      if (kind === 'identity') return b.done([{ node: main[0]!, port: 0 }, { node: addId, port: 1 }], addId);
      // The paper's projection reads the pre-activated x (after bn1 → relu1).
      const [entry] = addProjection(b, kind, out, stride, addId, { batchNorm: false, bias: !bn, avgPool: v.avgPoolProjection });
      b.link(main[bn ? 1 : 0]!, entry!.node, 0);
      return b.done([{ node: main[0]!, port: 0 }], addId);
    }
    if (v.squeezeExcite || v.avgPoolProjection) {
      const main = [
        ...convUnit(b, 1, { outChannels: inner, kernel: 1, stride: 1 }, true, false, bn, 0),
        ...convUnit(b, 2, { outChannels: inner, kernel: 3, stride, groups }, true, false, bn, 3),
        ...convUnit(b, 3, { outChannels: out, kernel: 1, stride: 1 }, false, true, bn, 6),
      ];
      b.chain(...main);
      const last = v.squeezeExcite ? addSqueezeExcite(b, main.at(-1)!, out, v.seReduction, 8) : main.at(-1)!;
      const addId = b.layer('add', 'Add', {}, 0, v.squeezeExcite ? 14 : 8);
      const relu = b.layer('relu', 'ReLU', {}, 0, v.squeezeExcite ? 15 : 9);
      b.chain(last, addId, relu);
      const entries = kind === 'identity' ? [{ node: addId, port: 1 }] : addProjection(b, kind, out, stride, addId, { batchNorm: bn, bias: !bn, avgPool: v.avgPoolProjection });
      return b.done([{ node: main[0]!, port: 0 }, ...entries], relu);
    }
    const main = [
      ...convUnit(b, 1, { outChannels: inner, kernel: 1, stride: 1 }, true, false, bn, 0),
      ...convUnit(b, 2, { outChannels: inner, kernel: 3, stride, groups }, true, false, bn, 3),
      ...convUnit(b, 3, { outChannels: out, kernel: 1, stride: 1 }, false, true, bn, 6),
    ];
    const addId = b.layer('add', 'Add', {}, 0, 8);
    const relu = b.layer('relu', 'ReLU', {}, 0, 9);
    b.chain(...main, addId, relu);
    return b.done([{ node: main[0]!, port: 0 }, ...addShortcut(b, kind, out, stride, addId, bn)], relu);
  },
};

/** The channels inside a bottleneck (its 1×1 reduce and grouped 3×3), as torchvision computes them. */
export const bottleneckInnerWidth = (width: number, baseWidth: number, cardinality: number): number => Math.floor((width * baseWidth) / 64) * cardinality;

/**
 * A bottleneck's params from its inner width (the 1×1 reduce's channels), the 3×3's groups and its
 * output channels, in torchvision's form where one fits: expansion 4, width = out / 4 and a base
 * width d with ⌊width·d/64⌋·groups = inner (ResNet: d 64; ResNeXt-50 32×4d: width 64, d 4; Wide
 * ResNet-50-2: d 128, twice as wide inside as out / 4). Otherwise width is the inner width,
 * expansion = out / inner, and a grouped 3×3 has d = 64 / groups. Undefined when no form fits.
 */
export function bottleneckForm(inner: number, groups: number, out: number): { width: number; expansion: number; cardinality?: number; baseWidth?: number } | undefined {
  if (!Number.isInteger(groups) || groups < 1 || groups > 256 || inner % groups !== 0) return undefined;
  const perGroup = inner / groups;
  if (groups === 1 && out === 4 * inner) return { width: inner, expansion: 4 };
  // Ungrouped, only Wide ResNet's factor 2 reads as a wider bottleneck; other ratios stay an expansion.
  if (out % 4 === 0 && (groups > 1 || 2 * out === 4 * inner)) {
    const width = out / 4;
    const baseWidth = Math.ceil((perGroup * 64) / width);
    if (baseWidth >= 1 && baseWidth <= 1024 && Math.floor((width * baseWidth) / 64) === perGroup) return { width, expansion: 4, cardinality: groups, baseWidth };
  }
  const expansion = out / inner;
  if (!Number.isInteger(expansion) || expansion < 1 || expansion > 8) return undefined;
  if (groups === 1) return { width: inner, expansion };
  return 64 % groups === 0 ? { width: inner, expansion, cardinality: groups, baseWidth: 64 / groups } : undefined;
}
