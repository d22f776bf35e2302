import { addNode, connect, expandNode } from '../../graph/edit.ts';
import type { NodeId } from '../../graph/ids.ts';
import type { ResidualDocument } from '../../graph/types.ts';
import { analyze } from '../../shape/analyze.ts';
import { buildTemplate } from '../../templates/templates.ts';
import { dag } from '../../train/testing/graph.ts';
import { makeBlock } from '../block-library.ts';

/** Tiny ResNet with both blocks expanded into plain layers (the group marks dropped): a hand-drawn net. */
export function flatTiny(): ResidualDocument {
  let doc = buildTemplate('tiny-resnet')!;
  for (const name of ['block1', 'block2']) {
    const n = doc.nodes.find((x) => x.name === name)!;
    doc = expandNode(doc, n.id, analyze(doc).nodes.get(n.id)!.inputShapes[0]!);
  }
  return { ...doc, nodes: doc.nodes.map(({ group: _g, ...n }) => n) };
}

/** The ids of the layers named `<prefix>.*`. */
export const layersOf = (doc: ResidualDocument, prefix: string): NodeId[] => doc.nodes.filter((n) => n.name.startsWith(`${prefix}.`)).map((n) => n.id);

/**
 * Tiny ResNet drawn flat, its first block's layers made into the user block `MyBlock`, and a second
 * instance of it (`myblock_2`, width 8) between that one and block2: the same block used twice.
 */
export function twoInstances(): { doc: ResidualDocument; first: NodeId; second: NodeId; defId: string } {
  const made = makeBlock(flatTiny(), layersOf(flatTiny(), 'block1'), { name: 'MyBlock' });
  if (!made.id) throw new Error(made.diagnostics.map((d) => d.message).join('; '));
  let doc = made.doc;
  const after = doc.edges.find((e) => e.source === made.id)!;
  const added = addNode(doc, `user:${made.defId!}`, { position: { x: 0, y: 600 } });
  doc = { ...added.doc, edges: added.doc.edges.filter((e) => e.id !== after.id) };
  doc = connect(doc, { source: made.id, sourcePort: 0, target: added.id, targetPort: 0 }).doc;
  doc = connect(doc, { source: added.id, sourcePort: 0, target: after.target, targetPort: after.targetPort }).doc;
  return { doc: { ...doc, name: 'Tiny ResNet with a user block used twice' }, first: made.id, second: added.id, defId: made.defId! };
}

/**
 * A small net with a block no built-in block is: conv 3×3 (stride) → BN → SiLU → conv 3×3 with bias,
 * plus a 1×1 projection (stride) of x, then SiLU — made into the user block `SiluDown` (params
 * width and stride) and used twice: `down1` (8 → 16 channels, /2) and `down2` (16 → 32, /2), on a
 * 3×16×16 input with a conv-BN-ReLU stem and a pooled 10-class head.
 */
export function siluDownTwice(): { doc: ResidualDocument; first: NodeId; second: NodeId; defId: string } {
  const flat = dag(
    [
      ['Conv2d', { outChannels: 8, kernel: 3, padding: 1 }, [0]], // 1
      ['BatchNorm2d', {}, [1]], // 2
      ['ReLU', {}, [2]], // 3
      ['Conv2d', { outChannels: 16, kernel: 3, stride: 2, padding: 1 }, [3]], // 4
      ['BatchNorm2d', {}, [4]], // 5
      ['SiLU', {}, [5]], // 6
      ['Conv2d', { outChannels: 16, kernel: 3, padding: 1, bias: true }, [6]], // 7
      ['Conv2d', { outChannels: 16, kernel: 1, stride: 2, padding: 0 }, [3]], // 8
      ['Add', {}, [7, 8]], // 9
      ['SiLU', {}, [9]], // 10
      ['GlobalAvgPool', {}, [10]], // 11
      ['Flatten', {}, [11]], // 12
      ['Linear', { outFeatures: 10 }, [12]], // 13
    ],
    { channels: 3, height: 16, width: 16 },
  );
  const names = ['input', 'conv1', 'bn1', 'relu', 'down1.conv1', 'down1.bn1', 'down1.act1', 'down1.conv2', 'down1.proj', 'down1.add', 'down1.act', 'avgpool', 'flatten', 'fc', 'output'];
  const named = { ...flat, nodes: flat.nodes.map((n, i) => ({ ...n, name: names[i]! })) };
  const made = makeBlock(named, layersOf(named, 'down1'), { name: 'SiluDown' });
  if (!made.id) throw new Error(made.diagnostics.map((d) => d.message).join('; '));
  let doc = made.doc;
  const after = doc.edges.find((e) => e.source === made.id)!;
  const added = addNode(doc, `user:${made.defId!}`, { position: { x: 0, y: 600 }, params: { width: 32, stride: 2 } });
  doc = { ...added.doc, nodes: added.doc.nodes.map((n) => (n.id === added.id ? { ...n, name: 'down2' } : n)), edges: added.doc.edges.filter((e) => e.id !== after.id) };
  doc = connect(doc, { source: made.id, sourcePort: 0, target: added.id, targetPort: 0 }).doc;
  doc = connect(doc, { source: added.id, sourcePort: 0, target: after.target, targetPort: after.targetPort }).doc;
  return { doc: { ...doc, name: 'SiLU blocks' }, first: made.id, second: added.id, defId: made.defId! };
}
