import { edgeId, nodeId, type NodeId } from '../graph/ids.ts';
import type { GraphNode, GroupRef, ParamValue, UserBlockDef } from '../graph/types.ts';
import type { OpDef } from '../ops/types.ts';

const cache = new WeakMap<UserBlockDef, OpDef>();

/**
 * The op definition of a user-defined block: its params are the definition's own; it expands to
 * the definition's layers with every binding applied, ids `<instance id>/<local>` and names
 * `<instance name>.<local>` (so weights and ONNX names follow the instance, like a built-in
 * block's). Memoised per definition object: a document's library is immutable data.
 *
 * @example
 * const def = userBlockOp(doc.blocks![0]!);
 * def.expand!(node, [64, 56, 56], { projectionEverywhere: false, zeroInitResidual: false });
 */
export function userBlockOp(def: UserBlockDef): OpDef {
  const hit = cache.get(def);
  if (hit) return hit;
  const op: OpDef = {
    kind: `user:${def.id}`,
    category: 'block',
    summary: `${def.name}: a block of ${def.nodes.length} layers from this document’s block library.`,
    label: def.name,
    // The user's own name, the same in every language.
    labels: { en: def.name, 'zh-CN': def.name },
    params: def.params,
    inputCount: () => 1,
    block: { role: 'block', className: def.name },
    expand(node) {
      const group: GroupRef = { id: node.id, kind: node.op as GroupRef['kind'], name: node.name, params: node.params, position: node.position, ...(node.group ? { parent: node.group } : {}) };
      const id = (local: NodeId): NodeId => nodeId(`${node.id}/${local}`);
      const nodes: GraphNode[] = def.nodes.map((n) => {
        const params: Record<string, ParamValue> = { ...n.params };
        for (const b of def.bindings) {
          if (b.node !== n.id) continue;
          const v = node.params[b.param];
          if (v === undefined) continue;
          params[b.field] = typeof v === 'number' && b.scale !== undefined ? v * b.scale : v;
        }
        return {
          id: id(n.id),
          op: n.op,
          name: `${node.name}.${n.name}`,
          params,
          position: { x: node.position.x + n.position.x, y: node.position.y + n.position.y },
          group,
        };
      });
      const edges = def.edges.map((e) => {
        const source = id(e.source);
        const target = id(e.target);
        return { id: edgeId(`${source}->${target}:${e.targetPort}`), source, sourcePort: e.sourcePort, target, targetPort: e.targetPort };
      });
      return { nodes, edges, entries: def.entries.map((x) => ({ node: id(x.node), port: x.port })), exit: id(def.exit) };
    },
  };
  cache.set(def, op);
  return op;
}
