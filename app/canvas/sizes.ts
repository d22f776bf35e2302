import type { OpKind } from '../../src/index.ts';
import { isBlockKind } from '../../src/index.ts';

/** Card sizes used by the layout and the group frames (CSS draws the cards at these sizes). */
export const BLOCK_SIZE = { width: 250, height: 118 } as const;
export const LAYER_SIZE = { width: 200, height: 64 } as const;
/** Room beside a block card for its shortcut arc and label. */
export const ARC_ROOM = 96;

export const nodeSize = (op: OpKind) => (isBlockKind(op) ? BLOCK_SIZE : LAYER_SIZE);
