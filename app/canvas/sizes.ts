import type { OpKind } from '../../src/index.ts';
import { isBlockKind } from '../../src/index.ts';
import type { LayoutDirection } from '../store/view-slice.ts';

/** Card sizes used by the layout and the group frames (CSS draws the cards at these sizes). */
export const BLOCK_SIZE = { width: 250, height: 118 } as const;
export const LAYER_SIZE = { width: 200, height: 64 } as const;
/** Room beside a block card for its shortcut arc and label. */
export const ARC_ROOM = 96;

export const nodeSize = (op: OpKind) => (isBlockKind(op) ? BLOCK_SIZE : LAYER_SIZE);

/**
 * The box a card takes on the canvas: the card, plus room for a block's shortcut arc to its
 * right (TB) or below it (LR, where the arc is flatter). The layout reserves this box and a
 * group frame encloses it. A stage card draws no arc.
 */
export function cardBox(op: OpKind, direction: LayoutDirection): { readonly width: number; readonly height: number } {
  const s = nodeSize(op);
  const arc = isBlockKind(op) && op !== 'Stage' ? ARC_ROOM : 0;
  return direction === 'TB' ? { width: s.width + arc, height: s.height } : { width: s.width, height: s.height + arc / 2 };
}

/** Padding of a group frame around its members (and its inner frames). */
export const FRAME_PAD = 14;
/** Height of a frame's header (name and collapse button), above its members. */
export const FRAME_HEAD = 24;
