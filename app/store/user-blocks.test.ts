import { describe, expect, it } from 'vitest';
import { addNode, analyze, buildTemplate, connect, expandNode, instancesOf, parseBlockLibrary, serializeBlockLibrary, type NodeId, type ResidualDocument } from '../../src/index.ts';
import { createEditorStore, undo } from './editor-store.ts';
import { unionByName } from './kept-blocks.ts';

/** Tiny ResNet with block1 expanded: the seven layers of an identity block on the canvas. */
function expandedTiny(): { doc: ResidualDocument; layers: NodeId[] } {
  const doc = buildTemplate('tiny-resnet')!;
  const block1 = doc.nodes.find((n) => n.name === 'block1')!;
  const expanded = expandNode(doc, block1.id, analyze(doc).nodes.get(block1.id)!.inputShapes[0]!);
  return { doc: expanded, layers: expanded.nodes.filter((n) => n.name.startsWith('block1.')).map((n) => n.id) };
}

const params = (doc: ResidualDocument, id: NodeId) => analyze(doc).nodes.get(id)!.cost.params;

/** A store holding TwoConv (made of block1's layers) used twice: block1, then twoconv_1 before block2. */
function twoInstancesStore() {
  const { doc, layers } = expandedTiny();
  const store = createEditorStore({ doc });
  store.getState().select(layers);
  expect(store.getState().makeBlockFromSelection('TwoConv')).toBeUndefined();
  const first = store.getState().selection.nodes[0]!;
  const def = store.getState().doc.blocks![0]!;
  store.getState().addUserBlockAt(def, { x: 0, y: 900 });
  const second = store.getState().selection.nodes[0]!;
  let d = store.getState().doc;
  const after = d.edges.find((e) => e.source === first)!;
  d = { ...d, edges: d.edges.filter((e) => e.id !== after.id) };
  d = connect(d, { source: first, sourcePort: 0, target: second, targetPort: 0 }).doc;
  d = connect(d, { source: second, sourcePort: 0, target: after.target, targetPort: after.targetPort }).doc;
  store.getState().loadDocument(d);
  return { store, first, second, defId: def.id };
}

describe('user blocks in the editor store', () => {
  it('Make block replaces the selection with one selected card, as one undo step; a bad name is refused and changes nothing', () => {
    const { doc, layers } = expandedTiny();
    const store = createEditorStore({ doc });
    store.getState().select(layers);
    const refusal = store.getState().makeBlockFromSelection('2 convs');
    expect(refusal?.code).toBe('RS110');
    expect(store.getState().doc).toBe(doc);
    expect(store.getState().makeBlockFromSelection('TwoConv')).toBeUndefined();
    const after = store.getState().doc;
    const card = after.nodes.find((n) => n.id === store.getState().selection.nodes[0])!;
    expect(card).toMatchObject({ op: 'user:twoconv', name: 'block1' });
    expect(analyze(after).totals).toEqual(analyze(doc).totals);
    undo(store);
    expect(store.getState().doc).toBe(doc);
  });

  it('Update definition takes in a layer wired in among the instance’s own, not a selected layer outside it; every instance follows in one undo step', () => {
    const { store, first, second, defId } = twoInstancesStore();
    const before = store.getState().doc;
    const oneInstance = params(before, second);
    store.getState().expand(first);
    // A ReLU wired in between the expanded instance's conv1 and bn1, plus block2 selected (outside it).
    let d = store.getState().doc;
    const conv1 = d.nodes.find((n) => n.name === 'block1.conv1')!.id;
    const bn1 = d.nodes.find((n) => n.name === 'block1.bn1')!.id;
    const gone = d.edges.find((e) => e.source === conv1 && e.target === bn1)!;
    const relu = addNode({ ...d, edges: d.edges.filter((e) => e.id !== gone.id) }, 'ReLU', { position: { x: 0, y: 0 } });
    d = connect(relu.doc, { source: conv1, sourcePort: 0, target: relu.id, targetPort: 0 }).doc;
    d = connect(d, { source: relu.id, sourcePort: 0, target: bn1, targetPort: 0 }).doc;
    store.getState().loadDocument(d);
    const block2 = d.nodes.find((n) => n.name === 'block2')!.id;
    store.getState().select([block2]);
    const edited = store.getState().doc;
    expect(store.getState().redefineBlock(first)).toBeUndefined();
    const r = store.getState().doc;
    const def = r.blocks!.find((b) => b.id === defId)!;
    expect(def.nodes).toHaveLength(8);
    expect(r.nodes.find((n) => n.id === block2)!.op).toBe('BasicBlock');
    expect(instancesOf(r, defId)).toEqual([first, second]);
    // The other instance now has the ReLU too: its expansion has 8 layers; costs are unchanged (ReLU has none).
    const expandedSecond = expandNode(r, second, analyze(r).nodes.get(second)!.inputShapes[0]!);
    expect(expandedSecond.nodes.filter((n) => n.name.startsWith('twoconv_1.'))).toHaveLength(8);
    expect(params(r, second)).toBe(oneInstance);
    expect(store.getState().toasts.at(-1)).toMatchObject({ key: 'ublock.updated', values: { name: 'TwoConv', n: 2 } });
    undo(store);
    expect(store.getState().doc).toBe(edited);
  });

  it('detach turns an instance into plain layers; a library merged in adds only what is new', () => {
    const { store, first, second, defId } = twoInstancesStore();
    const total = analyze(store.getState().doc).totals.params;
    store.getState().detach(second);
    const d = store.getState().doc;
    expect(instancesOf(d, defId)).toEqual([first]);
    expect(d.nodes.filter((n) => n.name.startsWith('twoconv_1.')).every((n) => n.group === undefined)).toBe(true);
    expect(analyze(d).totals.params).toBe(total);
    // The same library file opened again adds nothing; a changed TwoConv comes in under a new name.
    const lib = parseBlockLibrary(serializeBlockLibrary(d.blocks!)).blocks!;
    expect(store.getState().addLibraryBlocks(lib)).toEqual([]);
    expect(store.getState().doc).toBe(d);
    const changed = { ...lib[0]!, params: lib[0]!.params.map((p) => (p.name === 'width' && p.type === 'int' ? { ...p, default: 16 } : p)) };
    expect(store.getState().addLibraryBlocks([changed])).toEqual(['TwoConv_2']);
  });

  it('a kept block is added with its first instance: its definition joins the document in the same undo step', () => {
    const { store, defId } = twoInstancesStore();
    const kept = store.getState().doc.blocks!;
    const other = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const fresh = other.getState().doc;
    const id = other.getState().addUserBlockAt(kept[0]!, { x: 0, y: 0 });
    expect(other.getState().doc.blocks!.map((b) => b.name)).toEqual(['TwoConv']);
    expect(other.getState().doc.nodes.find((n) => n.id === id)!.op).toBe(`user:${defId}`);
    undo(other);
    expect(other.getState().doc).toBe(fresh);
    // The document's definition wins over a kept one of the same name.
    const older = { ...kept[0]!, nodes: kept[0]!.nodes.slice(0, 1) };
    expect(unionByName([older], kept)).toEqual(kept);
  });
});
