import type { NodeId } from '../graph/ids.ts';
import type { Params } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { ParamSpec } from '../ops/types.ts';
import type { ExpansionBuilder } from './build.ts';
import type { ShortcutKind } from './shortcut.ts';

/**
 * The options that turn a basic or bottleneck block into a later member of the residual family:
 * - `preActivation` — He et al. 2016, "Identity Mappings in Deep Residual Networks": each conv is
 *   preceded by BN → ReLU and nothing follows the add, so the shortcut path is a clean identity;
 * - `squeezeExcite` with `seReduction` r — Hu et al., "Squeeze-and-Excitation Networks": the main
 *   path is scaled per channel by GlobalAvgPool → 1×1 (C/r) → ReLU → 1×1 (C) → Sigmoid before the add;
 * - `projection: 'avgpool'` — ResNet-D (He T. et al. 2019, "Bag of Tricks"): a projection shortcut
 *   averages 2×2 windows first and then applies a stride-1 1×1 conv, so it no longer skips ¾ of x.
 */
export const VARIANT_PARAMS: readonly ParamSpec[] = [
  { name: 'preActivation', type: 'bool', default: false },
  { name: 'squeezeExcite', type: 'bool', default: false },
  { name: 'seReduction', type: 'int', default: 16, min: 1, max: 1024 },
  { name: 'projection', type: 'enum', default: 'conv', options: ['conv', 'avgpool'] },
];

/** A block's family options, read from its params (absent ones at their defaults). */
export interface BlockVariant {
  readonly preActivation: boolean;
  readonly squeezeExcite: boolean;
  readonly seReduction: number;
  readonly avgPoolProjection: boolean;
}

/** Reads a block's (or stage's) family options. */
export function blockVariant(p: Params): BlockVariant {
  return {
    preActivation: p['preActivation'] === true,
    squeezeExcite: p['squeezeExcite'] === true,
    seReduction: p['seReduction'] === undefined ? 16 : Math.max(1, int(p, 'seReduction')),
    avgPoolProjection: p['projection'] !== undefined && str(p, 'projection') === 'avgpool',
  };
}

/** True when any family option is on: such a block is not the 2015 paper's block. */
export const isVariant = (p: Params): boolean => {
  const v = blockVariant(p);
  return v.preActivation || v.squeezeExcite || v.avgPoolProjection;
};

/**
 * The params a stage passes on to its blocks: only the options that are on, so a plain ResNet's
 * blocks carry the params they always had.
 */
export function variantParams(p: Params): Params {
  const v = blockVariant(p);
  return {
    ...(v.preActivation ? { preActivation: true } : {}),
    ...(v.squeezeExcite ? { squeezeExcite: true, seReduction: v.seReduction } : {}),
    ...(v.avgPoolProjection ? { projection: 'avgpool' } : {}),
  };
}

/** SE's hidden width: C / r, at least one channel (Hu et al.'s FC bottleneck). */
export const seHidden = (channels: number, reduction: number): number => Math.max(1, Math.floor(channels / reduction));

/**
 * Appends squeeze-and-excitation after `last` (the main path's end, `channels` wide) and returns
 * the Mul that scales it. Module names follow timm's `SEModule` (`se.fc1`, `se.fc2`), whose 1×1
 * convs with bias are Hu et al.'s two fully connected layers on the pooled vector.
 */
export function addSqueezeExcite(b: ExpansionBuilder, last: NodeId, channels: number, reduction: number, row: number): NodeId {
  const pool = b.layer('se.pool', 'GlobalAvgPool', {}, 2, row);
  const fc1 = b.layer('se.fc1', 'Conv2d', { outChannels: seHidden(channels, reduction), kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true }, 2, row + 1);
  const relu = b.layer('se.act', 'ReLU', {}, 2, row + 2);
  const fc2 = b.layer('se.fc2', 'Conv2d', { outChannels: channels, kernel: 1, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true }, 2, row + 3);
  const gate = b.layer('se.gate', 'Sigmoid', {}, 2, row + 4);
  const scale = b.layer('se.scale', 'Mul', {}, 0, row + 5);
  b.chain(last, pool, fc1, relu, fc2, gate);
  b.link(last, scale, 0);
  b.link(gate, scale, 1);
  return scale;
}

/**
 * Adds a projection or zero-pad shortcut into port 1 of `addId` and returns the entries that
 * receive the shortcut's input. A projection is torchvision's `downsample` = 1×1 conv (stride) + BN,
 * or with ResNet-D's `avgpool` timm's `downsample` = AvgPool2d(2, stride, ceil_mode, not counting
 * padding) → 1×1 conv (stride 1) → BN, the pool left out at stride 1 (timm's Identity: the names
 * stay `downsample.1`, `downsample.2`). A pre-activation block's projection has no BN of its own
 * (`batchNorm` false and no bias: the next block's BN follows), as in the paper's code.
 */
export function addProjection(b: ExpansionBuilder, kind: Exclude<ShortcutKind, 'identity'>, outChannels: number, stride: number, addId: NodeId, opts: { batchNorm: boolean; bias: boolean; avgPool: boolean }): { node: NodeId; port: number }[] {
  if (kind === 'zero-pad') {
    const pad = b.layer('shortcut', 'ZeroPadShortcut', { outChannels, stride }, 1, 2);
    b.link(pad, addId, 1);
    return [{ node: pad, port: 0 }];
  }
  const at = opts.avgPool ? 1 : 0;
  const pool = opts.avgPool && stride > 1 ? b.layer('downsample.0', 'AvgPool2d', { kernel: 2, stride, padding: 0, ceilMode: true, countIncludePad: false }, 1, 1) : undefined;
  const conv = b.layer(`downsample.${at}`, 'Conv2d', { outChannels, kernel: 1, stride: opts.avgPool ? 1 : stride, padding: 0, dilation: 1, groups: 1, bias: opts.bias }, 1, 2);
  const ids = [...(pool ? [pool] : []), conv];
  if (opts.batchNorm) ids.push(b.layer(`downsample.${at + 1}`, 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 1, 3));
  b.chain(...ids);
  b.link(ids.at(-1)!, addId, 1);
  return [{ node: ids[0]!, port: 0 }];
}

/**
 * Adds BN → ReLU → conv (a pre-activation unit) and returns the ids in order; without BN (folded
 * away by the user) the conv follows the ReLU directly and carries a bias.
 */
export function preActUnit(b: ExpansionBuilder, i: number, conv: { outChannels: number; kernel: number; stride: number; groups?: number }, batchNorm: boolean, row: number): NodeId[] {
  const { groups = 1, ...c } = conv;
  const ids: NodeId[] = [];
  if (batchNorm) ids.push(b.layer(`bn${i}`, 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 0, row));
  ids.push(b.layer(`relu${i}`, 'ReLU', {}, 0, row + 1));
  ids.push(b.layer(`conv${i}`, 'Conv2d', { ...c, padding: c.kernel === 3 ? 1 : 0, dilation: 1, groups, bias: !batchNorm }, 0, row + 2));
  return ids;
}
