/**
 * The degradation lab's two networks and its defaults: a plain net and a residual net of the same
 * depth, same widths and same layer names (so the same seed gives them the same fresh weights),
 * trained on the same data under the same budget — the ResNet paper's Figures 1 and 6 (He et al.
 * 2015): at the same depth the plain net trains worse, and a deeper plain net trains worse than a
 * shallower one (degradation), while the residual nets get better with depth.
 *
 * The nets are the paper's CIFAR-10 design (Section 4.2): 6n+2 weighted layers — a 3×3 conv, three
 * stages of n basic blocks (stride 2 entering stages 2 and 3, widths doubling), global average
 * pooling and a 10-way fc — with option A (zero-pad) shortcuts, so the residual net has exactly
 * the plain net's parameters. The input is Fashion-MNIST's 1×28×28 (the Train panel's data).
 */
import type { ResidualDocument } from '../graph/types.ts';
import { toPlain } from '../blocks/plain-counterpart.ts';
import { analyze } from '../shape/analyze.ts';
import { ChainBuilder } from '../templates/builder.ts';

/** Widths of the three stages. */
export type StageWidths = readonly [number, number, number];

/** The paper's CIFAR-10 widths. */
export const PAPER_WIDTHS: StageWidths = [16, 32, 64];

/** The depths the lab offers (6n+2, n = 1…9). */
export const LAB_DEPTHS: readonly number[] = [8, 14, 20, 32, 44, 56];

/**
 * The lab's default budget: what scripts/py/degradation_lab.py checked in PyTorch before the app
 * used it (its numbers are in the README), small enough to train both nets in about 5 minutes in
 * WASM on two cores. The widths are half the paper's: the degradation still shows, at a quarter
 * of the convolutions' cost.
 */
export const LAB_DEFAULTS = {
  depth: 56,
  widths: [8, 16, 32] as StageWidths,
  /** Images per epoch (the first of the shuffled subset) and epochs: 4,000 × 3 = 186 steps at batch 64 (62 full batches an epoch). */
  trainLimit: 4000,
  epochs: 3,
  batch: 64,
  /** SGD with momentum 0.9, a constant rate, the paper's weight decay. */
  lr: 0.1,
  weightDecay: 1e-4,
  seed: 0,
} as const;

/**
 * The paper's CIFAR-10 numbers to show beside the live curves (He et al. 2015, Table 6 and
 * Figure 6): test error of the residual nets (%), and what Figure 6 shows of the plain nets.
 */
export const PAPER_CIFAR10 = {
  /** Table 6: ResNet-20/32/44/56/110 test error, %. */
  resnetTestError: { 20: 8.75, 32: 7.51, 44: 7.17, 56: 6.97, 110: 6.43 } as Readonly<Record<number, number>>,
  /** Figure 6 (left): the deeper plain nets have higher training error throughout training (plain-56 > plain-20). */
  plainDeeperWorse: true,
} as const;

/** The two networks of one depth. */
export interface LabPair {
  readonly depth: number;
  readonly widths: StageWidths;
  readonly plain: ResidualDocument;
  readonly residual: ResidualDocument;
}

/** Why a depth is not one the paper's CIFAR design builds, or undefined when it is (6n+2, n ≥ 1). */
export function depthProblem(depth: number): string | undefined {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) return `depth ${depth} is not 6n+2 with n ≥ 1 (8, 14, 20, 26, 32, …)`;
  if (depth > 200) return `depth ${depth} is deeper than the lab trains (at most 200)`;
  return undefined;
}

/**
 * Builds the lab's plain and residual net of `depth` weighted layers. The residual net is built
 * from stages of basic blocks; the plain net is its counterpart with every shortcut and Add
 * removed ({@link toPlain}), so its layers carry the same names and its fresh weights from a seed
 * are the same tensors.
 *
 * Throws `RangeError` for a depth {@link depthProblem} refuses (the lab only offers good ones).
 *
 * @example
 * const { plain, residual } = labPair(56);
 * paperDepth(plain); // 56
 */
export function labPair(depth: number, opts: { readonly widths?: StageWidths } = {}): LabPair {
  const problem = depthProblem(depth);
  if (problem) throw new RangeError(problem);
  const widths = opts.widths ?? LAB_DEFAULTS.widths;
  const n = (depth - 2) / 6;
  const b = new ChainBuilder(`Lab ResNet-${depth}`, { channels: 1, height: 28, width: 28, mean: [0.286], std: [0.353] }, { classes: 10, labels: 'fashion-mnist' });
  b.add('Conv2d', 'conv1', { outChannels: widths[0], kernel: 3, stride: 1, padding: 1, bias: false }).add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {});
  widths.forEach((w, i) => b.stage(`layer${i + 1}`, 'basic', n, w, i === 0 ? 1 : 2, 'zero-pad'));
  b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: 10, bias: true });
  const residual = b.finish();
  const plain = { ...toPlain(residual).doc, name: `Lab plain-${depth}` };
  return { depth, widths, plain, residual };
}

/**
 * A network's depth counted the paper's way: its weighted layers (convolutions and fully
 * connected layers) on the main path — projection shortcuts' 1×1 convolutions are not counted.
 */
export function paperDepth(doc: ResidualDocument): number {
  const a = analyze(doc);
  const weighted = a.layers.filter((l) => l.op === 'Conv2d' || l.op === 'Linear').length;
  return weighted - a.totals.blocks.projection;
}
