import { edgeId, nodeId, type NodeId } from '../graph/ids.ts';
import type { GraphEdge, GraphNode, OpKind, Params } from '../graph/types.ts';
import { int, str } from '../ops/common.ts';
import type { OpDef } from '../ops/types.ts';
import { VARIANT_PARAMS, variantParams } from './block-variants.ts';

/**
 * A stage: `count` blocks of one kind and width; the first block carries the stride (and so may
 * downsample and project), the rest keep dimensions. Expands to blocks named `<stage>.<i>`.
 * A bottleneck stage passes its cardinality and base width on to every block (ResNeXt, Wide ResNet),
 * and any stage its family options (pre-activation, squeeze-and-excitation, ResNet-D projection).
 */
export const stage: OpDef = {
  kind: 'Stage',
  category: 'block',
  summary: 'Stage: N residual blocks of one kind; the first may downsample.',
  labels: { en: 'Stage', 'zh-CN': '阶段' },
  params: [
    { name: 'block', type: 'enum', default: 'basic', options: ['basic', 'bottleneck'] },
    { name: 'count', type: 'int', default: 2, min: 1, max: 64 },
    { name: 'width', type: 'int', default: 64, min: 1, max: 8192 },
    { name: 'stride', type: 'int', default: 1, min: 1, max: 4 },
    { name: 'shortcut', type: 'enum', default: 'auto', options: ['auto', 'projection', 'zero-pad'] },
    { name: 'batchNorm', type: 'bool', default: true },
    // Bottleneck stages only: ResNeXt's groups in the 3×3 and the width per group (Wide ResNet: 128).
    { name: 'cardinality', type: 'int', default: 1, min: 1, max: 256 },
    { name: 'baseWidth', type: 'int', default: 64, min: 1, max: 1024 },
    ...VARIANT_PARAMS,
  ],
  inputCount: () => 1,
  block: { role: 'stage', blockCount: (p) => int(p, 'count') },
  expand(node) {
    const count = int(node.params, 'count');
    const op = str(node.params, 'block') === 'bottleneck' ? 'Bottleneck' : 'BasicBlock';
    const cardinality = int(node.params, 'cardinality') || 1;
    const baseWidth = int(node.params, 'baseWidth') || 64;
    // Left out at their defaults, so a plain ResNet's blocks carry the params they always had.
    const grouped: Params = op === 'Bottleneck' && (cardinality !== 1 || baseWidth !== 64) ? { cardinality, baseWidth } : {};
    const group = { id: node.id, kind: 'Stage' as const satisfies OpKind, name: node.name, params: node.params, position: node.position };
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    let prev: NodeId | undefined;
    for (let i = 0; i < count; i++) {
      const id = nodeId(`${node.id}/${i}`);
      const params = {
        width: int(node.params, 'width'),
        stride: i === 0 ? int(node.params, 'stride') : 1,
        shortcut: i === 0 ? str(node.params, 'shortcut') : 'auto',
        batchNorm: node.params['batchNorm'] !== false,
        ...(op === 'Bottleneck' ? { expansion: 4 } : {}),
        ...grouped,
        ...variantParams(node.params),
      };
      nodes.push({ id, op, name: `${node.name}.${i}`, params, position: { x: node.position.x, y: node.position.y + i * 140 }, group });
      if (prev) edges.push({ id: edgeId(`${prev}->${id}:0`), source: prev, sourcePort: 0, target: id, targetPort: 0 });
      prev = id;
    }
    return { nodes, edges, entries: [{ node: nodes[0]!.id, port: 0 }], exit: prev! };
  },
};
