import type { NodeId } from '../graph/ids.ts';
import type { ParamSpec } from '../ops/types.ts';
import type { ExpansionBuilder } from './build.ts';
import type { ShortcutKind } from './shortcut.ts';

/** The params every residual block shares: width, stride, shortcut mode. */
export function blockParams(width: number): ParamSpec[] {
  return [
    { name: 'width', type: 'int', default: width, min: 1, max: 8192 },
    { name: 'stride', type: 'int', default: 1, min: 1, max: 4 },
    { name: 'shortcut', type: 'enum', default: 'auto', options: ['auto', 'identity', 'projection', 'zero-pad'] },
    // false: BN folded into the convolutions (as PyTorch's eval-mode ONNX export does): convs carry a bias, no BN layers.
    { name: 'batchNorm', type: 'bool', default: true },
  ];
}

/**
 * Adds a block's shortcut into port 1 of its Add and returns the entries that receive x.
 * Identity: x goes straight to the Add. Projection: torchvision's `downsample` = 1×1 conv
 * (stride) + BN. Zero-pad: option A's parameter-free subsample-and-pad.
 */
export function addShortcut(b: ExpansionBuilder, kind: ShortcutKind, outChannels: number, stride: number, addId: NodeId, batchNorm = true): { node: NodeId; port: number }[] {
  if (kind === 'identity') return [{ node: addId, port: 1 }];
  if (kind === 'zero-pad') {
    const pad = b.layer('shortcut', 'ZeroPadShortcut', { outChannels, stride }, 1, 2);
    b.link(pad, addId, 1);
    return [{ node: pad, port: 0 }];
  }
  const conv = b.layer('downsample.0', 'Conv2d', { outChannels, kernel: 1, stride, padding: 0, dilation: 1, groups: 1, bias: !batchNorm }, 1, 1);
  if (!batchNorm) {
    b.link(conv, addId, 1);
    return [{ node: conv, port: 0 }];
  }
  const bn = b.layer('downsample.1', 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 1, 3);
  b.chain(conv, bn);
  b.link(bn, addId, 1);
  return [{ node: conv, port: 0 }];
}

/**
 * Adds conv → BN (→ ReLU) to a block's main path and returns the ids in order. Without BN
 * (folded), the conv carries a bias instead.
 */
export function convUnit(b: ExpansionBuilder, i: number, conv: { outChannels: number; kernel: number; stride: number; groups?: number }, relu: boolean, lastInBlock: boolean, batchNorm: boolean, row: number): NodeId[] {
  const { groups = 1, ...c } = conv;
  const ids = [b.layer(`conv${i}`, 'Conv2d', { ...c, padding: c.kernel === 3 ? 1 : 0, dilation: 1, groups, bias: !batchNorm }, 0, row)];
  if (batchNorm) ids.push(b.layer(`bn${i}`, 'BatchNorm2d', { eps: 1e-5, lastInBlock }, 0, row + 1));
  if (relu) ids.push(b.layer(`relu${i}`, 'ReLU', {}, 0, row + 2));
  return ids;
}
