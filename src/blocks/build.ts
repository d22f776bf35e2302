import { edgeId, nodeId, type NodeId } from '../graph/ids.ts';
import type { GraphEdge, GraphNode, GroupRef, OpKind, Params, Position } from '../graph/types.ts';
import type { Expansion } from '../ops/types.ts';

/**
 * Builds an expansion: the block's layers get ids `<block id>/<local>` and names
 * `<block name>.<local>` (torchvision's module paths), positioned in a column under the card.
 */
export class ExpansionBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  private readonly group: GroupRef;

  constructor(private readonly block: GraphNode) {
    const kind = block.op as GroupRef['kind'];
    this.group = { id: block.id, kind, name: block.name, params: block.params, position: block.position, ...(block.group ? { parent: block.group } : {}) };
  }

  /** Adds a layer at grid cell (column, row) relative to the block card. */
  layer(local: string, op: OpKind, params: Params, col: number, row: number): NodeId {
    const id = nodeId(`${this.block.id}/${local}`);
    const position: Position = { x: this.block.position.x + col * 220, y: this.block.position.y + row * 90 };
    this.nodes.push({ id, op, name: `${this.block.name}.${local}`, params, position, group: this.group });
    return id;
  }

  /** Connects output 0 of `from` to input `port` of `to`. */
  link(from: NodeId, to: NodeId, port = 0): void {
    this.edges.push({ id: edgeId(`${from}->${to}:${port}`), source: from, sourcePort: 0, target: to, targetPort: port });
  }

  /** Chains nodes in order. */
  chain(...ids: NodeId[]): void {
    for (let i = 1; i < ids.length; i++) this.link(ids[i - 1]!, ids[i]!);
  }

  done(entries: Expansion['entries'], exit: NodeId): Expansion {
    return { nodes: this.nodes, edges: this.edges, entries, exit };
  }
}
