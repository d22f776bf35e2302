import { addNode, connect, expandNode } from '../../graph/edit.ts';
import type { NodeId } from '../../graph/ids.ts';
import type { ResidualDocument } from '../../graph/types.ts';
import { analyze } from '../../shape/analyze.ts';
import { buildTemplate } from '../../templates/templates.ts';
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
