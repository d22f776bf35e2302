import type { ElkNode } from 'elkjs/lib/elk-api';
import type { GroupRef, NodeId, OpKind, Position, ResidualDocument } from '../../src/index.ts';
import type { LayoutDirection } from '../store/view-slice.ts';
import { cardBox, FRAME_HEAD, FRAME_MIN_WIDTH, FRAME_PAD, nodeSize, SKIP_ARC_ROOM, skipArcGroups } from './sizes.ts';

/** Layered, top-down or left-to-right; the same options at every level of the hierarchy. */
function layeredOptions(direction: LayoutDirection): Record<string, string> {
  return {
    'elk.algorithm': 'layered',
    'elk.direction': direction === 'TB' ? 'DOWN' : 'RIGHT',
    // Room between layers for the edge label between two cards (or a card and a frame).
    'elk.layered.spacing.nodeNodeBetweenLayers': '96',
    'elk.spacing.nodeNode': '48',
    'elk.spacing.edgeNode': '28',
    'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  };
}

/** ELK id of the compound node of an expanded group (the same id as its frame on the canvas). */
const groupElkId = (id: NodeId) => `frame:${id}`;

/**
 * The ELK graph of a document: one box per card (blocks leave room for their arc), layered.
 * Each expanded group (a block shown as its layers, a stage as its blocks) is a compound node
 * holding its members and its inner groups, padded like the frame drawn round it (with room for
 * the skip arc of an expanded identity block), and ELK lays the whole hierarchy out at once:
 * frames then never overlap and never cover a card they do not hold. A document without groups
 * gives the same flat graph as before groups existed.
 */
export function toElkGraph(doc: ResidualDocument, direction: LayoutDirection): ElkNode {
  const options = layeredOptions(direction);
  const root: ElkNode = { id: 'root', layoutOptions: options, children: [], edges: [] };
  const compounds = new Map<NodeId, ElkNode>();
  // Inside an expanded block, nodes go as near its input as they can: the projection conv sits
  // beside the block's first conv, where the shortcut leaves the main path (network simplex put
  // it halfway down, and the edge into it crossed the main path's cards).
  const sourceLayering = { 'elk.layered.layering.strategy': 'LONGEST_PATH_SOURCE' };
  const skip = skipArcGroups(doc);
  const room = SKIP_ARC_ROOM[direction];
  // Node model order inside a compound crashes ELK 0.12 (eclipse-elk/elk#724, #1182: the
  // order bound is only computed for the root graph); edge order is safe and keeps branches in place.
  const groupOptions = (id: NodeId) => {
    const right = FRAME_PAD + (direction === 'TB' && skip.has(id) ? room : 0);
    const bottom = FRAME_PAD + (direction === 'LR' && skip.has(id) ? room : 0);
    return {
      ...options,
      'elk.layered.considerModelOrder.strategy': 'PREFER_EDGES',
      ...sourceLayering,
      // Side by side inside a block (main path and projection), the two edges leaving the fork
      // put their shape labels in the same gap: keep the columns far enough apart for both, also
      // when a fitted overview draws the TB labels 1.8× larger (styles.css, lod-mid).
      'elk.spacing.nodeNode': direction === 'TB' ? '160' : '96',
      'elk.padding': `[top=${FRAME_PAD + FRAME_HEAD},left=${FRAME_PAD},bottom=${bottom},right=${right}]`,
      // At least as wide as its frame's header; members stay top-left, where framesFor expects them.
      // ELK 0.12 swaps a compound's minimum width and height in a hierarchical layout going DOWN
      // (flat layouts and RIGHT are right), so TB gives it transposed: otherwise every frame was
      // at least 360 px tall, and a one-block stage left an empty band below its block.
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      'elk.nodeSize.minimum': direction === 'TB' ? `(0, ${FRAME_MIN_WIDTH})` : `(${FRAME_MIN_WIDTH}, 0)`,
      'elk.contentAlignment': 'V_TOP H_LEFT',
    };
  };
  // A group's compound sits where its first member is in the document, so model order holds.
  const containerOf = (g: GroupRef | undefined): ElkNode => {
    if (!g) return root;
    let c = compounds.get(g.id);
    if (!c) {
      c = { id: groupElkId(g.id), layoutOptions: groupOptions(g.id), children: [] };
      compounds.set(g.id, c);
      containerOf(g.parent).children!.push(c);
    }
    return c;
  };
  for (const n of doc.nodes) containerOf(n.group).children!.push(cardNode(n.id, n.op, direction));
  if (compounds.size > 0) root.layoutOptions = { ...options, 'elk.hierarchyHandling': 'INCLUDE_CHILDREN', ...sourceLayering };
  root.edges = doc.edges.map((e) => ({ id: e.id, sources: [portId(e.source, 'out')], targets: [portId(e.target, 'in')] }));
  return root;
}

const portId = (id: NodeId, end: 'in' | 'out') => `${id}::${end}`;

/**
 * A card's layout box with its edges' ends fixed where the card's handles are: mid-edge of the
 * card itself, not of its box (a block's box has room for its arc on one side). ELK then lines
 * up handles, not boxes, and a chain of layers and blocks runs straight.
 */
function cardNode(id: NodeId, op: OpKind, direction: LayoutDirection): ElkNode {
  const box = cardBox(op, direction);
  const card = nodeSize(op);
  const port = (end: 'in' | 'out', x: number, y: number, side: string) => ({ id: portId(id, end), x, y, width: 0, height: 0, layoutOptions: { 'elk.port.side': side } });
  const ports =
    direction === 'TB'
      ? [port('in', card.width / 2, 0, 'NORTH'), port('out', card.width / 2, box.height, 'SOUTH')]
      : [port('in', 0, card.height / 2, 'WEST'), port('out', box.width, card.height / 2, 'EAST')];
  return { id, ...box, ports, layoutOptions: { 'elk.portConstraints': 'FIXED_POS' } };
}

/** Absolute card positions from a laid-out ELK graph (a compound's children are relative to it). */
export function fromElkGraph(g: ElkNode): Map<NodeId, Position> {
  const m = new Map<NodeId, Position>();
  const walk = (parent: ElkNode, dx: number, dy: number) => {
    for (const c of parent.children ?? []) {
      const x = dx + (c.x ?? 0);
      const y = dy + (c.y ?? 0);
      if (c.children?.length) walk(c, x, y);
      else m.set(c.id as NodeId, { x: Math.round(x), y: Math.round(y) });
    }
  };
  walk(g, 0, 0);
  return m;
}

/**
 * A small graph with the shape of a real one (a chain, a compound group with a skip edge) for the
 * layout worker to lay out once as it starts: ELK's first layout pays for initialising and
 * optimising its code, and this way the document's first layout does not.
 */
export function warmupGraph(): ElkNode {
  const box = (id: string) => ({ id, width: 120, height: 60 });
  const edge = (id: string, a: string, b: string) => ({ id, sources: [a], targets: [b] });
  return {
    id: 'root',
    layoutOptions: { ...layeredOptions('TB'), 'elk.hierarchyHandling': 'INCLUDE_CHILDREN', 'elk.layered.layering.strategy': 'LONGEST_PATH_SOURCE' },
    children: [
      box('in'),
      { id: 'frame:g', layoutOptions: { 'elk.padding': '[top=40,left=16,bottom=16,right=200]' }, children: [box('c1'), box('c2'), box('add')], edges: [edge('e2', 'c1', 'c2'), edge('e3', 'c2', 'add')] },
      box('out'),
    ],
    edges: [edge('e1', 'in', 'c1'), edge('e4', 'in', 'add'), edge('e5', 'add', 'out')],
  };
}

/** Worker protocol: a typed request/response union. */
export type LayoutRequest = { readonly type: 'layout'; readonly id: number; readonly graph: ElkNode };
export type LayoutResponse = { readonly type: 'layout'; readonly id: number; readonly out: ElkNode } | { readonly type: 'layout'; readonly id: number; readonly err: string };
