import { createDocument } from '../document/create.ts';
import { connect, expandNode } from '../graph/edit.ts';
import { nodeId, type NodeId } from '../graph/ids.ts';
import type { GraphNode, InputSpec, LabelSet, OpKind, Params, ResidualDocument } from '../graph/types.ts';

/**
 * Builds a template as a chain: each `add` appends a node fed by the previous one. Stages are
 * added as Stage cards and expanded into their blocks at the end, so each block knows its stage.
 */
export class ChainBuilder {
  private doc: ResidualDocument;
  private prev: NodeId | undefined;
  private y = 0;
  private readonly stages: NodeId[] = [];

  constructor(name: string, input: InputSpec, extra: { classes?: number; labels?: LabelSet } = {}) {
    this.doc = createDocument({ name, input, ...extra });
    this.add('Input', 'input', {});
  }

  /** Appends a node named `name` (its id is the name, so weights stay put when the template is rebuilt). */
  add(op: OpKind, name: string, params: Params): this {
    const id = nodeId(name);
    const node: GraphNode = { id, op, name, params, position: { x: 0, y: this.y } };
    this.y += op === 'Stage' ? 160 : 90;
    this.doc = { ...this.doc, nodes: [...this.doc.nodes, node] };
    if (this.prev) this.doc = connect(this.doc, { source: this.prev, sourcePort: 0, target: id, targetPort: 0 }).doc;
    if (op === 'Stage') this.stages.push(id);
    this.prev = op === 'Output' ? undefined : id;
    return this;
  }

  /** Appends a stage of `count` blocks (bottlenecks grouped as ResNeXt / widened as Wide ResNet when `grouped` says). */
  stage(name: string, block: 'basic' | 'bottleneck', count: number, width: number, stride: number, shortcut = 'auto', grouped?: { cardinality: number; baseWidth: number }): this {
    return this.add('Stage', name, { block, count, width, stride, shortcut, ...grouped });
  }

  /** Ends the chain with an Output and expands the stages into blocks. */
  finish(): ResidualDocument {
    this.add('Output', 'output', {});
    let d = this.doc;
    for (const s of this.stages) d = expandNode(d, s, []);
    return d;
  }
}
