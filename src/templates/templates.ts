import type { InputSpec, ResidualDocument } from '../graph/types.ts';
import { ChainBuilder } from './builder.ts';

/** Size overrides accepted by every template. */
export interface TemplateOptions {
  /** Input as channels, height, width. */
  readonly input?: { channels: number; height: number; width: number };
  readonly classes?: number;
}

/** A template in the gallery. */
export interface TemplateInfo {
  readonly id: string;
  readonly title: string;
  readonly family: 'imagenet' | 'cifar' | 'plain' | 'vgg' | 'teaching' | 'blank';
  readonly description: string;
  build(opts?: TemplateOptions): ResidualDocument;
}

const IMAGENET_NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const CIFAR_NORM = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.243, 0.261] };

const spec = (o: TemplateOptions | undefined, c: number, h: number, norm: { mean: number[]; std: number[] }): InputSpec => {
  const i = o?.input ?? { channels: c, height: h, width: h };
  return { ...i, ...(i.channels === norm.mean.length ? norm : {}) };
};

const IMAGENET_LAYOUT: Record<number, { block: 'basic' | 'bottleneck'; counts: [number, number, number, number] }> = {
  18: { block: 'basic', counts: [2, 2, 2, 2] },
  34: { block: 'basic', counts: [3, 4, 6, 3] },
  50: { block: 'bottleneck', counts: [3, 4, 6, 3] },
  101: { block: 'bottleneck', counts: [3, 4, 23, 3] },
  152: { block: 'bottleneck', counts: [3, 8, 36, 3] },
};

/** torchvision's ResNet-N for ImageNet (v1.5: stride on the 3×3 of a bottleneck), with its module names. */
export function resnet(depth: 18 | 34 | 50 | 101 | 152, o?: TemplateOptions): ResidualDocument {
  const { block, counts } = IMAGENET_LAYOUT[depth]!;
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder(`ResNet-${depth}`, spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false });
  b.add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {}).add('MaxPool2d', 'maxpool', { kernel: 3, stride: 2, padding: 1 });
  counts.forEach((n, i) => b.stage(`layer${i + 1}`, block, n, 64 << i, i === 0 ? 1 : 2));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/** torchvision's ResNeXt and Wide ResNet: ResNet-50/101's bottleneck stages with grouped or widened 3×3s. */
const GROUPED_BOTTLENECK = {
  resnext50_32x4d: { title: 'ResNeXt-50 (32×4d)', depth: 50, cardinality: 32, baseWidth: 4 },
  resnext101_32x8d: { title: 'ResNeXt-101 (32×8d)', depth: 101, cardinality: 32, baseWidth: 8 },
  wide_resnet50_2: { title: 'Wide ResNet-50-2', depth: 50, cardinality: 1, baseWidth: 128 },
  wide_resnet101_2: { title: 'Wide ResNet-101-2', depth: 101, cardinality: 1, baseWidth: 128 },
} as const;

/**
 * torchvision's `resnext50_32x4d`, `resnext101_32x8d`, `wide_resnet50_2`, `wide_resnet101_2`:
 * ResNet-50/101 whose bottlenecks have `cardinality` groups of `baseWidth`·width/64 channels in the 3×3.
 */
export function groupedResnet(id: keyof typeof GROUPED_BOTTLENECK, o?: TemplateOptions): ResidualDocument {
  const { title, depth, cardinality, baseWidth } = GROUPED_BOTTLENECK[id];
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder(title, spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false });
  b.add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {}).add('MaxPool2d', 'maxpool', { kernel: 3, stride: 2, padding: 1 });
  IMAGENET_LAYOUT[depth]!.counts.forEach((n, i) => b.stage(`layer${i + 1}`, 'bottleneck', n, 64 << i, i === 0 ? 1 : 2, 'auto', { cardinality, baseWidth }));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/** The layout of a MobileNetV2: stem width, then runs of inverted residual blocks, the last 1×1 conv's width, the classifier's dropout. */
export interface MobileNetV2Layout {
  readonly stem: number;
  /** torchvision's `inverted_residual_setting` rows (widths already rounded to multiples of 8): expansion t, out channels c, blocks n, first stride s. */
  readonly setting: readonly (readonly [t: number, c: number, n: number, s: number])[];
  readonly last: number;
  readonly dropout: number;
}

/** torchvision's `mobilenet_v2` (width multiplier 1.0): 17 inverted residual blocks between a 3×3 stem and a 1×1 conv to 1280. */
export const MOBILENET_V2: MobileNetV2Layout = {
  stem: 32,
  setting: [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ],
  last: 1280,
  dropout: 0.2,
};

/**
 * torchvision's MobileNetV2 with its module names (`features.0.0`, the blocks `features.1` …
 * `features.17`, `classifier.1`): each run's first block carries the stride, and a block adds x
 * only where it keeps both the resolution and the width.
 */
export function mobilenetV2(o?: TemplateOptions, layout: MobileNetV2Layout = MOBILENET_V2): ResidualDocument {
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder('MobileNetV2', spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  b.add('Conv2d', 'features.0.0', { outChannels: layout.stem, kernel: 3, stride: 2, padding: 1, bias: false }).add('BatchNorm2d', 'features.0.1', {}).add('ReLU6', 'features.0.2', {});
  let i = 1;
  for (const [t, c, n, s] of layout.setting) for (let j = 0; j < n; j++) b.add('InvertedResidual', `features.${i++}`, { outChannels: c, stride: j === 0 ? s : 1, expansion: t });
  b.add('Conv2d', `features.${i}.0`, { outChannels: layout.last, kernel: 1, stride: 1, padding: 0, bias: false }).add('BatchNorm2d', `features.${i}.1`, {}).add('ReLU6', `features.${i}.2`, {});
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Dropout', 'classifier.0', { p: layout.dropout }).add('Linear', 'classifier.1', { outFeatures: classes, bias: true });
  return b.finish();
}

/**
 * Hu et al.'s SE-ResNet-50: ResNet-50 whose every bottleneck scales its expanded output by
 * squeeze-and-excitation (reduction 16) before the add; 28.09M parameters as in the paper.
 */
export function seResnet50(o?: TemplateOptions): ResidualDocument {
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder('SE-ResNet-50', spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false });
  b.add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {}).add('MaxPool2d', 'maxpool', { kernel: 3, stride: 2, padding: 1 });
  IMAGENET_LAYOUT[50]!.counts.forEach((n, i) => b.add('Stage', `layer${i + 1}`, { block: 'bottleneck', count: n, width: 64 << i, stride: i === 0 ? 1 : 2, shortcut: 'auto', squeezeExcite: true, seReduction: 16 }));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/**
 * ResNet-50-D ("Bag of Tricks", He T. et al. 2019), as timm's `resnet50d`: the deep stem (three
 * 3×3 convs, 32-32-64, the first with stride 2, in timm's `conv1.<i>` names) and projection
 * shortcuts that average-pool 2×2 before a stride-1 1×1 conv.
 */
export function resnet50d(o?: TemplateOptions): ResidualDocument {
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder('ResNet-50-D', spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  b.add('Conv2d', 'conv1.0', { outChannels: 32, kernel: 3, stride: 2, padding: 1, bias: false }).add('BatchNorm2d', 'conv1.1', {}).add('ReLU', 'conv1.2', {});
  b.add('Conv2d', 'conv1.3', { outChannels: 32, kernel: 3, stride: 1, padding: 1, bias: false }).add('BatchNorm2d', 'conv1.4', {}).add('ReLU', 'conv1.5', {});
  b.add('Conv2d', 'conv1.6', { outChannels: 64, kernel: 3, stride: 1, padding: 1, bias: false });
  b.add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {}).add('MaxPool2d', 'maxpool', { kernel: 3, stride: 2, padding: 1 });
  IMAGENET_LAYOUT[50]!.counts.forEach((n, i) => b.add('Stage', `layer${i + 1}`, { block: 'bottleneck', count: n, width: 64 << i, stride: i === 0 ? 1 : 2, shortcut: 'auto', projection: 'avgpool' }));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/**
 * The pre-activation ResNet of "Identity Mappings in Deep Residual Networks" (He et al. 2016) for
 * CIFAR-10: a 3×3 conv, three stages (16/32/64 wide, ×4 in bottlenecks) of pre-activation blocks
 * with projection shortcuts where dimensions change, and the final BN → ReLU before pooling that
 * the paper adds after the last block's add. Depth 9n+2 with bottlenecks (164), 6n+2 without (110).
 * Every block pre-activates its own input, so the first block's BN → ReLU is the one after conv1.
 */
export function preactCifarResnet(depth: number, block: 'basic' | 'bottleneck', o?: TemplateOptions): ResidualDocument {
  const n = block === 'bottleneck' ? (depth - 2) / 9 : (depth - 2) / 6;
  const classes = o?.classes ?? 10;
  const b = new ChainBuilder(`Pre-activation ResNet-${depth}`, spec(o, 3, 32, CIFAR_NORM), { classes, labels: classes === 10 ? 'cifar10' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false });
  [16, 32, 64].forEach((w, i) => b.add('Stage', `layer${i + 1}`, { block, count: n, width: w, stride: i === 0 ? 1 : 2, shortcut: 'auto', preActivation: true }));
  b.add('BatchNorm2d', 'bn_final', {}).add('ReLU', 'relu_final', {});
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/**
 * torchvision's `convnext_tiny` (Liu et al. 2022), with its module names: a 4×4/4 stem conv and
 * LayerNorm2d, stages of (3, 3, 9, 3) ConvNeXt blocks at widths 96/192/384/768 with LayerNorm2d and
 * a 2×2/2 conv between them, then average pool, LayerNorm2d, flatten and the classifier. Stochastic
 * depth rises linearly from 0 at the first block to 0.1 at the last, as torchvision sets it.
 */
export function convnextTiny(o?: TemplateOptions): ResidualDocument {
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder('ConvNeXt-Tiny', spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  const depths = [3, 3, 9, 3];
  const widths = [96, 192, 384, 768];
  const total = depths.reduce((a, n) => a + n, 0);
  b.add('Conv2d', 'features.0.0', { outChannels: widths[0]!, kernel: 4, stride: 4, padding: 0, bias: true }).add('LayerNorm', 'features.0.1', { eps: 1e-6 });
  let k = 0;
  depths.forEach((n, i) => {
    for (let j = 0; j < n; j++, k++) b.add('ConvNeXtBlock', `features.${2 * i + 1}.${j}`, { width: widths[i]!, layerScale: 1e-6, stochasticDepth: (0.1 * k) / (total - 1) });
    if (i < depths.length - 1) {
      b.add('LayerNorm', `features.${2 * i + 2}.0`, { eps: 1e-6 }).add('Conv2d', `features.${2 * i + 2}.1`, { outChannels: widths[i + 1]!, kernel: 2, stride: 2, padding: 0, bias: true });
    }
  });
  b.add('GlobalAvgPool', 'avgpool', {}).add('LayerNorm', 'classifier.0', { eps: 1e-6 }).add('Flatten', 'classifier.1', {}).add('Linear', 'classifier.2', { outFeatures: classes, bias: true });
  return b.finish();
}

/** The paper's CIFAR-10 ResNet-(6n+2): 3 stages of 16/32/64 channels, option A (zero-pad) shortcuts. */
export function cifarResnet(depth: number, o?: TemplateOptions): ResidualDocument {
  const n = (depth - 2) / 6;
  const classes = o?.classes ?? 10;
  const b = new ChainBuilder(`CIFAR ResNet-${depth}`, spec(o, 3, 32, CIFAR_NORM), { classes, labels: classes === 10 ? 'cifar10' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false }).add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {});
  [16, 32, 64].forEach((w, i) => b.stage(`layer${i + 1}`, 'basic', n, w, i === 0 ? 1 : 2, 'zero-pad'));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/** A plain net: the same layers as a ResNet's basic blocks, without any shortcut. */
function plainBody(b: ChainBuilder, stages: readonly { count: number; width: number; stride: number }[]) {
  stages.forEach((s, si) => {
    for (let i = 0; i < s.count; i++) {
      const p = `layer${si + 1}.${i}`;
      const stride = i === 0 ? s.stride : 1;
      b.add('Conv2d', `${p}.conv1`, { outChannels: s.width, kernel: 3, stride, padding: 1, bias: false })
        .add('BatchNorm2d', `${p}.bn1`, {})
        .add('ReLU', `${p}.relu1`, {})
        .add('Conv2d', `${p}.conv2`, { outChannels: s.width, kernel: 3, stride: 1, padding: 1, bias: false })
        .add('BatchNorm2d', `${p}.bn2`, {})
        .add('ReLU', `${p}.relu`, {});
    }
  });
}

/** The paper's plain-18/34 ImageNet nets (ResNet-18/34 without shortcuts). */
export function plain(depth: 18 | 34, o?: TemplateOptions): ResidualDocument {
  const counts = IMAGENET_LAYOUT[depth]!.counts;
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder(`Plain-${depth}`, spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false });
  b.add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {}).add('MaxPool2d', 'maxpool', { kernel: 3, stride: 2, padding: 1 });
  plainBody(b, counts.map((count, i) => ({ count, width: 64 << i, stride: i === 0 ? 1 : 2 })));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/** The paper's plain CIFAR nets (6n+2 layers, no shortcuts). */
export function plainCifar(depth: number, o?: TemplateOptions): ResidualDocument {
  const n = (depth - 2) / 6;
  const classes = o?.classes ?? 10;
  const b = new ChainBuilder(`Plain CIFAR-${depth}`, spec(o, 3, 32, CIFAR_NORM), { classes, labels: classes === 10 ? 'cifar10' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false }).add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {});
  plainBody(b, [16, 32, 64].map((width, i) => ({ count: n, width, stride: i === 0 ? 1 : 2 })));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/** torchvision's VGG-19 (no BN), with its `features.i` / `classifier.i` names. */
export function vgg19(o?: TemplateOptions): ResidualDocument {
  const classes = o?.classes ?? 1000;
  const b = new ChainBuilder('VGG-19', spec(o, 3, 224, IMAGENET_NORM), { classes, labels: classes === 1000 ? 'imagenet' : 'none' });
  const cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'] as const;
  let i = 0;
  for (const c of cfg) {
    if (c === 'M') {
      b.add('MaxPool2d', `features.${i++}`, { kernel: 2, stride: 2, padding: 0 });
    } else {
      b.add('Conv2d', `features.${i++}`, { outChannels: c, kernel: 3, stride: 1, padding: 1, bias: true });
      b.add('ReLU', `features.${i++}`, {});
    }
  }
  b.add('Flatten', 'flatten', {});
  b.add('Linear', 'classifier.0', { outFeatures: 4096, bias: true }).add('ReLU', 'classifier.1', {}).add('Dropout', 'classifier.2', { p: 0.5 });
  b.add('Linear', 'classifier.3', { outFeatures: 4096, bias: true }).add('ReLU', 'classifier.4', {}).add('Dropout', 'classifier.5', { p: 0.5 });
  b.add('Linear', 'classifier.6', { outFeatures: classes, bias: true });
  return b.finish();
}

/** The default model: the small residual net trained on Fashion-MNIST (weights in public/models). */
export function fashionResnet(o?: TemplateOptions): ResidualDocument {
  const b = new ChainBuilder('Fashion-MNIST ResNet', spec(o, 1, 28, { mean: [0.286], std: [0.353] }), { classes: 10, labels: 'fashion-mnist' });
  b.add('Conv2d', 'conv1', { outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false }).add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {});
  b.stage('layer1', 'basic', 2, 16, 1).stage('layer2', 'basic', 1, 32, 2).stage('layer3', 'basic', 1, 64, 2);
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: o?.classes ?? 10, bias: true });
  return b.finish();
}

/** A teaching net that runs in milliseconds: one identity block and one projection block. */
export function tinyResnet(o?: TemplateOptions): ResidualDocument {
  const classes = o?.classes ?? 10;
  const b = new ChainBuilder('Tiny ResNet', spec(o, 3, 32, CIFAR_NORM), { classes, labels: classes === 10 ? 'cifar10' : 'none' });
  b.add('Conv2d', 'conv1', { outChannels: 8, kernel: 3, stride: 1, padding: 1, bias: false }).add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {});
  b.add('BasicBlock', 'block1', { width: 8, stride: 1, shortcut: 'auto' }).add('BasicBlock', 'block2', { width: 16, stride: 2, shortcut: 'auto' });
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: classes, bias: true });
  return b.finish();
}

/** An empty canvas: Input and Output only. */
export function blank(o?: TemplateOptions): ResidualDocument {
  const b = new ChainBuilder('Untitled', spec(o, 3, 32, CIFAR_NORM));
  const d = b.finish();
  return { ...d, edges: [], nodes: d.nodes.map((n) => (n.op === 'Output' ? { ...n, position: { x: 0, y: 300 } } : n)) };
}

/** The template gallery, in the order shown. */
export const TEMPLATES: readonly TemplateInfo[] = [
  { id: 'fashion-resnet', title: 'Fashion-MNIST ResNet (trained)', family: 'teaching', description: 'The default: a small residual net trained on Fashion-MNIST.', build: fashionResnet },
  { id: 'tiny-resnet', title: 'Tiny ResNet', family: 'teaching', description: 'Two basic blocks: one identity, one projection. Runs in milliseconds.', build: tinyResnet },
  ...([18, 34, 50, 101, 152] as const).map((d) => ({ id: `resnet${d}`, title: `ResNet-${d}`, family: 'imagenet' as const, description: `torchvision ResNet-${d} for ImageNet (224×224, 1000 classes).`, build: (o?: TemplateOptions) => resnet(d, o) })),
  ...(Object.keys(GROUPED_BOTTLENECK) as (keyof typeof GROUPED_BOTTLENECK)[]).map((id) => ({
    id,
    title: GROUPED_BOTTLENECK[id].title,
    family: 'imagenet' as const,
    description: GROUPED_BOTTLENECK[id].cardinality > 1 ? `torchvision ${id}: bottlenecks with ${GROUPED_BOTTLENECK[id].cardinality} groups in the 3×3 (cardinality), ${GROUPED_BOTTLENECK[id].baseWidth} channels each per 64 of width.` : `torchvision ${id}: bottlenecks twice as wide inside (width factor 2).`,
    build: (o?: TemplateOptions) => groupedResnet(id, o),
  })),
  { id: 'mobilenet_v2', title: 'MobileNetV2', family: 'imagenet', description: 'torchvision mobilenet_v2: 17 inverted residual blocks (1×1 expand, depthwise 3×3, linear 1×1); x is added only where a block keeps its resolution and width.', build: (o?: TemplateOptions) => mobilenetV2(o) },
  { id: 'se_resnet50', title: 'SE-ResNet-50', family: 'imagenet', description: 'Hu et al.\'s SE-ResNet-50: every bottleneck scaled by squeeze-and-excitation (reduction 16) before the add.', build: seResnet50 },
  { id: 'resnet50d', title: 'ResNet-50-D', family: 'imagenet', description: '"Bag of Tricks" ResNet-50-D (timm resnet50d): deep stem, projections that average-pool before a stride-1 1×1 conv.', build: resnet50d },
  { id: 'convnext_tiny', title: 'ConvNeXt-Tiny', family: 'imagenet', description: 'torchvision convnext_tiny: ConvNeXt blocks (depthwise 7×7, LayerNorm, inverted 1×1 MLP with GELU, layer scale) in stages of 3, 3, 9, 3.', build: convnextTiny },
  ...[20, 32, 44, 56, 110].map((d) => ({ id: `cifar-resnet${d}`, title: `CIFAR ResNet-${d}`, family: 'cifar' as const, description: `The paper's CIFAR-10 ResNet-${d}: 3 stages, option A shortcuts.`, build: (o?: TemplateOptions) => cifarResnet(d, o) })),
  { id: 'preact_resnet110', title: 'Pre-activation ResNet-110', family: 'cifar', description: 'He et al. 2016 "Identity Mappings": 54 pre-activation basic blocks (BN → ReLU → conv, nothing after the add), final BN → ReLU.', build: (o?: TemplateOptions) => preactCifarResnet(110, 'basic', o) },
  { id: 'preact_resnet164', title: 'Pre-activation ResNet-164', family: 'cifar', description: 'He et al. 2016 "Identity Mappings": 54 pre-activation bottlenecks, final BN → ReLU.', build: (o?: TemplateOptions) => preactCifarResnet(164, 'bottleneck', o) },
  ...([18, 34] as const).map((d) => ({ id: `plain${d}`, title: `Plain-${d}`, family: 'plain' as const, description: `ResNet-${d}'s layers without shortcuts, as in the paper.`, build: (o?: TemplateOptions) => plain(d, o) })),
  ...[20, 56].map((d) => ({ id: `plain-cifar${d}`, title: `Plain CIFAR-${d}`, family: 'plain' as const, description: `The paper's plain ${d}-layer CIFAR net (no shortcuts).`, build: (o?: TemplateOptions) => plainCifar(d, o) })),
  { id: 'vgg19', title: 'VGG-19', family: 'vgg', description: 'torchvision VGG-19, the paper\'s left column.', build: vgg19 },
  { id: 'blank', title: 'Blank', family: 'blank', description: 'An empty canvas with an Input and an Output.', build: blank },
];

/** Builds a template by id, or undefined for an unknown id. */
export function buildTemplate(id: string, o?: TemplateOptions): ResidualDocument | undefined {
  return TEMPLATES.find((t) => t.id === id)?.build(o);
}
