import { describe, expect, it } from 'vitest';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import { collapseGroup, duplicateNodes, expandNode, groupIsModified, inGroup, moveNodes, removeNodes, renameNode, updateParams } from './edit.ts';
import { nodeId } from './ids.ts';

describe('expand and collapse', () => {
  it('expanding a projection block shows its layers with the same shapes, cost and dashed shortcut', () => {
    const doc = buildTemplate('resnet18')!;
    const a = analyze(doc);
    const id = nodeId('layer2/0');
    const exp = expandNode(doc, id, a.nodes.get(id)!.inputShapes[0]!);
    const b = analyze(exp);
    expect(b.diagnostics).toEqual([]);
    expect(b.totals.params).toBe(a.totals.params);
    expect(b.totals.macs).toBe(a.totals.macs);
    expect(exp.nodes.filter((n) => inGroup(n, id)).map((n) => n.name)).toEqual([
      'layer2.0.conv1', 'layer2.0.bn1', 'layer2.0.relu1', 'layer2.0.conv2', 'layer2.0.bn2', 'layer2.0.add', 'layer2.0.relu', 'layer2.0.downsample.0', 'layer2.0.downsample.1',
    ]);
    const sc = b.shortcuts.find((s) => s.at === nodeId('layer2/0/add'))!;
    expect(sc).toMatchObject({ kind: 'projection', keepsDimensions: false, label: '1x1 conv, /2', from: nodeId('layer1/1'), collapsed: false });
    expect(sc.path).toEqual([nodeId('layer2/0/downsample.0'), nodeId('layer2/0/downsample.1')]);
    expect(b.totals.blocks).toEqual(a.totals.blocks);
    // Collapsing gives back the very same document structure.
    const back = collapseGroup(exp, id);
    expect(new Set(back.nodes.map((n) => n.id))).toEqual(new Set(doc.nodes.map((n) => n.id)));
    expect(analyze(back).totals).toEqual(a.totals);
  });

  it('a stage collapses to one card and expands back to its blocks', () => {
    const doc = buildTemplate('resnet50')!;
    const stageId = nodeId('layer3');
    const collapsed = collapseGroup(doc, stageId);
    expect(collapsed.nodes.find((n) => n.id === stageId)).toMatchObject({ op: 'Stage', params: { count: 6, block: 'bottleneck' } });
    expect(collapsed.nodes).toHaveLength(doc.nodes.length - 5);
    expect(analyze(collapsed).totals.params).toBe(25_557_032);
    const again = expandNode(collapsed, stageId, []);
    expect(again.nodes.filter((n) => n.op === 'Bottleneck')).toHaveLength(16);
  });

  it('an expanded identity block draws a solid shortcut from the previous block', () => {
    const doc = buildTemplate('resnet18')!;
    const id = nodeId('layer1/1');
    const exp = expandNode(doc, id, [64, 56, 56]);
    const sc = analyze(exp).shortcuts.find((s) => s.at === nodeId('layer1/1/add'))!;
    expect(sc).toMatchObject({ kind: 'identity', keepsDimensions: true, from: nodeId('layer1/0'), path: [] });
  });
});

describe('collapsing tells whether inner edits would be replaced', () => {
  const doc = buildTemplate('resnet18')!;
  const a = analyze(doc);
  const expand = (d: typeof doc, id: string) => expandNode(d, nodeId(id), a.nodes.get(nodeId(id))!.inputShapes[0]!);

  it.each(['layer1/1', 'layer2/0'])('a freshly expanded block (%s) is unmodified', (id) => {
    expect(groupIsModified(expand(doc, id), nodeId(id))).toBe(false);
  });

  it('a stage expanded from a template, with one block expanded inside, is unmodified', () => {
    expect(groupIsModified(doc, nodeId('layer2'))).toBe(false);
    expect(groupIsModified(expand(doc, 'layer2/1'), nodeId('layer2'))).toBe(false);
  });

  it('changed params, a renamed layer, a removed layer or a rewired edge count as modified', () => {
    const e = expand(doc, 'layer2/0');
    const g = nodeId('layer2/0');
    expect(groupIsModified(updateParams(e, nodeId('layer2/0/conv2'), { kernel: 5, padding: 2 }), g)).toBe(true);
    expect(groupIsModified(renameNode(e, nodeId('layer2/0/bn1'), 'norm'), g)).toBe(true);
    expect(groupIsModified(removeNodes(e, [nodeId('layer2/0/relu1')]), g)).toBe(true);
    expect(groupIsModified({ ...e, edges: e.edges.filter((x) => x.target !== nodeId('layer2/0/add') || x.targetPort !== 1) }, g)).toBe(true);
    // And in a stage: an edited block inside makes the stage modified too.
    expect(groupIsModified(updateParams(doc, nodeId('layer2/1'), { width: 64 }), nodeId('layer2'))).toBe(true);
  });
});

describe('edits are immutable', () => {
  it('returns new documents and leaves the old one alone', () => {
    const doc = buildTemplate('tiny-resnet')!;
    const before = JSON.stringify(doc);
    const d2 = updateParams(doc, nodeId('block2'), { stride: 1 });
    const d3 = moveNodes(d2, new Map([[nodeId('block2'), { x: 5, y: 5 }]]));
    const d4 = removeNodes(d3, [nodeId('block1')]);
    expect(JSON.stringify(doc)).toBe(before);
    expect(d4.nodes.some((n) => n.id === nodeId('block1'))).toBe(false);
    expect(d4.edges.some((e) => e.source === nodeId('block1') || e.target === nodeId('block1'))).toBe(false);
  });

  it('duplicate gives fresh ids and names and keeps inner edges', () => {
    const doc = buildTemplate('tiny-resnet')!;
    const pick = doc.nodes.filter((n) => n.name === 'block1' || n.name === 'block2');
    const { doc: d, ids } = duplicateNodes(doc, pick, doc.edges);
    expect(ids).toHaveLength(2);
    const copies = d.nodes.filter((n) => ids.includes(n.id));
    expect(new Set(copies.map((n) => n.name)).size).toBe(2);
    expect(copies.every((c) => !doc.nodes.some((n) => n.name === c.name))).toBe(true);
    expect(d.edges.filter((e) => ids.includes(e.source) && ids.includes(e.target))).toHaveLength(1);
  });
});
