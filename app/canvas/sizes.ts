import type { NodeId, OpKind, ResidualDocument } from '../../src/index.ts';
import { isBlockKind, isStageKind } from '../../src/index.ts';
import { analysisOf } from '../store/derived.ts';
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
  const arc = isBlockKind(op) && !isStageKind(op) ? ARC_ROOM : 0;
  return direction === 'TB' ? { width: s.width + arc, height: s.height } : { width: s.width, height: s.height + arc / 2 };
}

/** Padding of a group frame around its members (and its inner frames). */
export const FRAME_PAD = 14;
/** Height of a frame's header (name and collapse button), above its members. */
export const FRAME_HEAD = 24;
/** Narrowest frame: its header (`Bottleneck block · layer3.10` and the collapse button) fits on one line. */
export const FRAME_MIN_WIDTH = 360;

/** How far ShapeEdge bulges a one-edge skip (fork straight to the Add) sideways, in px. */
export const SKIP_BULGE = 190;

/**
 * Room beside the members of an expanded block whose skip is one edge: ShapeEdge draws that edge
 * as an arc bulging {@link SKIP_BULGE} = 190 px sideways, which peaks 0.75 × 190 ≈ 143 px past the main path's
 * handles, with the shape label centred on the peak. In TB it goes right of the layers (a handle
 * ~117 px into a 200 px card, plus half a ~90 px label); in LR below them (a handle ~36 px down
 * a 64 px card, plus half an 18 px label).
 */
export const SKIP_ARC_ROOM = { TB: 96, LR: 112 } as const;

/**
 * Expanded groups that hold the end of a one-edge skip (an expanded identity block): their frame
 * and their layout box leave {@link SKIP_ARC_ROOM} for the arc, so it stays inside the frame.
 */
export function skipArcGroups(doc: ResidualDocument): ReadonlySet<NodeId> {
  const out = new Set<NodeId>();
  const direct = analysisOf(doc).shortcuts.filter((s) => !s.collapsed && s.edges.length === 1);
  if (direct.length === 0) return out;
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  for (const s of direct) {
    const g = byId.get(s.at)?.group;
    if (g) out.add(g.id);
  }
  return out;
}
