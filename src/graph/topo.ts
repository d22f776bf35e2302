import type { NodeId } from './ids.ts';
import type { GraphEdge, GraphNode } from './types.ts';

/**
 * Kahn's topological sort, stable in document order. Nodes left over sit on (or behind) a cycle.
 */
export function topoOrder(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): { order: NodeId[]; cyclic: NodeId[] } {
  const indeg = new Map<NodeId, number>(nodes.map((n) => [n.id, 0]));
  const out = new Map<NodeId, NodeId[]>();
  for (const e of edges) {
    if (!indeg.has(e.source) || !indeg.has(e.target)) continue;
    indeg.set(e.target, indeg.get(e.target)! + 1);
    const list = out.get(e.source);
    if (list) list.push(e.target);
    else out.set(e.source, [e.target]);
  }
  const rank = new Map(nodes.map((n, i) => [n.id, i]));
  const ready = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const order: NodeId[] = [];
  while (ready.length) {
    // Stable: always take the earliest ready node in document order.
    let bi = 0;
    for (let i = 1; i < ready.length; i++) if (rank.get(ready[i]!)! < rank.get(ready[bi]!)!) bi = i;
    const id = ready.splice(bi, 1)[0]!;
    order.push(id);
    for (const t of out.get(id) ?? []) {
      const d = indeg.get(t)! - 1;
      indeg.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  const seen = new Set(order);
  return { order, cyclic: nodes.filter((n) => !seen.has(n.id)).map((n) => n.id) };
}

/** True when adding an edge source→target would close a cycle. */
export function wouldCycle(edges: readonly GraphEdge[], source: NodeId, target: NodeId): boolean {
  if (source === target) return true;
  const out = new Map<NodeId, NodeId[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const stack = [target];
  const seen = new Set<NodeId>();
  while (stack.length) {
    const id = stack.pop()!;
    if (id === source) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return false;
}
