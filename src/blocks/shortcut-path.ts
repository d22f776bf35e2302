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
  ];
}

/**
 * Adds a block's shortcut into port 1 of its Add and returns the entries that receive x.
 * Identity: x goes straight to the Add. Projection: torchvision's `downsample` = 1×1 conv
 * (stride) + BN. Zero-pad: option A's parameter-free subsample-and-pad.
 */
export function addShortcut(b: ExpansionBuilder, kind: ShortcutKind, outChannels: number, stride: number, addId: NodeId): { node: NodeId; port: number }[] {
  if (kind === 'identity') return [{ node: addId, port: 1 }];
  if (kind === 'zero-pad') {
    const pad = b.layer('shortcut', 'ZeroPadShortcut', { outChannels, stride }, 1, 2);
    b.link(pad, addId, 1);
    return [{ node: pad, port: 0 }];
  }
  const conv = b.layer('downsample.0', 'Conv2d', { outChannels, kernel: 1, stride, padding: 0, dilation: 1, groups: 1, bias: false }, 1, 1);
  const bn = b.layer('downsample.1', 'BatchNorm2d', { eps: 1e-5, lastInBlock: false }, 1, 3);
  b.chain(conv, bn);
  b.link(bn, addId, 1);
  return [{ node: conv, port: 0 }];
}
