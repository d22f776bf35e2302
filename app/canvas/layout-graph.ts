import type { ElkNode } from 'elkjs/lib/elk-api';
import type { NodeId, Position, ResidualDocument } from '../../src/index.ts';
import { isBlockKind } from '../../src/index.ts';
import type { LayoutDirection } from '../store/view-slice.ts';
import { ARC_ROOM, nodeSize } from './sizes.ts';

/** The ELK graph of a document: one box per card (blocks leave room for their arc), layered. */
export function toElkGraph(doc: ResidualDocument, direction: LayoutDirection): ElkNode {
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction === 'TB' ? 'DOWN' : 'RIGHT',
      // Room between layers for a frame's bottom padding, the next frame's header and the edge label between them.
      'elk.layered.spacing.nodeNodeBetweenLayers': '96',
      'elk.spacing.nodeNode': '48',
      'elk.spacing.edgeNode': '28',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: doc.nodes.map((n) => {
      const s = nodeSize(n.op);
      const arc = isBlockKind(n.op) && n.op !== 'Stage' ? ARC_ROOM : 0;
      // The arc sits to the right in TB and below in LR; reserve that side.
      return { id: n.id, width: s.width + (direction === 'TB' ? arc : 0), height: s.height + (direction === 'LR' ? arc / 2 : 0) };
    }),
    edges: doc.edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
}

/** Node positions from a laid-out ELK graph. */
export function fromElkGraph(g: ElkNode): Map<NodeId, Position> {
  const m = new Map<NodeId, Position>();
  for (const c of g.children ?? []) m.set(c.id as NodeId, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) });
  return m;
}

/** Worker protocol: a typed request/response union. */
export type LayoutRequest = { readonly type: 'layout'; readonly id: number; readonly graph: ElkNode };
export type LayoutResponse = { readonly type: 'layout'; readonly id: number; readonly out: ElkNode } | { readonly type: 'layout'; readonly id: number; readonly err: string };
