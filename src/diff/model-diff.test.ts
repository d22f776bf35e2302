import { describe, expect, it } from 'vitest';
import { collapseGroup, renameNode, updateParams } from '../graph/edit.ts';
import { nodeId } from '../graph/ids.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import { formatDiffText } from './format-text.ts';
import { diffDocuments, diffMarks, removedMarks, type ModelDiff, type StageDiff } from './model-diff.ts';
import { resnext50FromResnet50 } from './testing/resnext.ts';

const template = (id: string) => buildTemplate(id)!;

const resnext50 = resnext50FromResnet50;

const stage = (d: ModelDiff, name: string): StageDiff => d.stages.find((s) => s.name === name)!;
const perStage = (d: ModelDiff, pick: (s: StageDiff) => number) => Object.fromEntries(d.stages.map((s) => [s.name, pick(s)]));

/** Each stage's params and MACs from the cost model's own stage summary. */
function stageCosts(doc: ResidualDocument) {
  return Object.fromEntries(analyze(doc).stages.map((s) => [s.name, { params: s.params, macs: s.macs }]));
}

describe('diffDocuments', () => {
  it('ResNet-34 against Plain-34: the shortcuts, their Adds and projections are what differs; every conv and BN matches', () => {
    const a = template('resnet34');
    const b = template('plain34');
    const d = diffDocuments(a, b);
    expect(d.stages.map((s) => s.name)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    // One Add per block removed, plus the projection's conv and BN in the first block of stages 2–4.
    expect(perStage(d, (s) => s.counts.layers.removed)).toEqual({ stem: 0, layer1: 3, layer2: 6, layer3: 8, layer4: 5, head: 0 });
    expect(perStage(d, (s) => s.counts.blocks.changed)).toEqual({ stem: 0, layer1: 3, layer2: 4, layer3: 6, layer4: 3, head: 0 });
    expect(d.counts.layers).toMatchObject({ added: 0, changed: 0 });
    expect(d.counts.blocks).toMatchObject({ added: 0, removed: 0 });
    const first = stage(d, 'layer2').blocks[0]!;
    expect(first.key).toBe('layer2.0');
    expect(first.changes).toEqual([
      { field: 'kind', a: 'BasicBlock', b: 'layers' },
      { field: 'shortcut', a: 'projection', b: 'none' },
    ]);
    expect(first.layers.filter((l) => l.status === 'removed').map((l) => l.key)).toEqual(['downsample.0', 'downsample.1', 'add']);
    expect(stage(d, 'layer1').blocks[1]!.changes).toContainEqual({ field: 'shortcut', a: 'identity', b: 'none' });
    // The difference in params is exactly the projections' weights, as the cost model counts them.
    const projections = analyze(a).layers.filter((l) => l.name.includes('.downsample.')).reduce((s, l) => s + l.cost.params, 0);
    expect(d.params.delta).toBe(-projections);
    expect(stage(d, 'layer1').params.delta).toBe(0);
  });

  it('ResNet-18 against ResNet-34: the extra blocks are added in each stage, the shared ones unchanged', () => {
    const a = template('resnet18');
    const b = template('resnet34');
    const d = diffDocuments(a, b);
    expect(perStage(d, (s) => s.counts.blocks.added)).toEqual({ stem: 0, layer1: 1, layer2: 2, layer3: 4, layer4: 1, head: 0 });
    expect(perStage(d, (s) => s.counts.blocks.same)).toEqual({ stem: 0, layer1: 2, layer2: 2, layer3: 2, layer4: 2, head: 0 });
    expect(d.counts.blocks).toMatchObject({ removed: 0, changed: 0 });
    // An added basic block brings its 7 layers: conv1, bn1, relu1, conv2, bn2, add, relu.
    expect(stage(d, 'layer3').counts.layers.added).toBe(28);
    expect(stage(d, 'layer3').blocks.filter((x) => x.status === 'added').map((x) => x.key)).toEqual(['layer3.2', 'layer3.3', 'layer3.4', 'layer3.5']);
    const ca = stageCosts(a);
    const cb = stageCosts(b);
    for (const s of ['layer1', 'layer2', 'layer3', 'layer4']) {
      expect(stage(d, s).params).toEqual({ a: ca[s]!.params, b: cb[s]!.params, delta: cb[s]!.params - ca[s]!.params });
      expect(stage(d, s).macs.b).toBe(cb[s]!.macs);
    }
  });

  it('ResNet-50 against ResNeXt-50: every bottleneck changed (wider, 32 groups), nearly the same cost', () => {
    const a = template('resnet50');
    const b = resnext50();
    const d = diffDocuments(a, b);
    expect(d.counts.blocks).toEqual({ added: 0, removed: 0, changed: 16, same: 0 });
    expect(d.counts.layers).toMatchObject({ added: 0, removed: 0 });
    for (const s of d.stages.filter((x) => x.name.startsWith('layer'))) {
      for (const blk of s.blocks) {
        expect(blk.changes.map((c) => c.field)).toEqual(['width', 'expansion']);
        expect(blk.layers.find((l) => l.key === 'conv2')!.changes).toContainEqual({ field: 'groups', a: 1, b: 32 });
        // The projection and the block's output keep their size: same output channels.
        expect(blk.layers.find((l) => l.key === 'downsample.0')?.status ?? 'same').toBe('same');
        expect(blk.layers.find((l) => l.key === 'relu')!.status).toBe('same');
      }
    }
    expect(stage(d, 'stem').status).toBe('same');
    expect(stage(d, 'head').status).toBe('same');
    expect(d.params).toEqual({ a: analyze(a).totals.params, b: analyze(b).totals.params, delta: analyze(b).totals.params - analyze(a).totals.params });
    expect(Math.abs(d.params.delta) / d.params.a).toBeLessThan(0.03);
    expect(Math.abs(d.macs.delta) / d.macs.a).toBeLessThan(0.05);
    const text = formatDiffText(d);
    expect(text).toMatch(/layer3\.1–5 \(5 blocks\): changed: width 256 → 512, expansion 4 → 2/);
    expect(text).toMatch(/~ conv2 +Conv2d: outChannels 256 → 512, groups 1 → 32/);
    expect(text).toMatch(/params 25,557,032 → 25,028,904 \(−2\.1 %\), MACs 4\.089 G → 4\.230 G \(\+3\.5 %\)/);
  });

  it('totals and stage costs equal the cost model for every pair of templates it is given', () => {
    for (const [x, y] of [['cifar-resnet20', 'plain-cifar20'], ['resnet50', 'resnet101'], ['tiny-resnet', 'fashion-resnet'], ['vgg19', 'resnet18']] as const) {
      const a = template(x);
      const b = template(y);
      const d = diffDocuments(a, b);
      const [ta, tb] = [analyze(a).totals, analyze(b).totals];
      expect(d.params).toEqual({ a: ta.params, b: tb.params, delta: tb.params - ta.params });
      expect(d.macs).toEqual({ a: ta.macs, b: tb.macs, delta: tb.macs - ta.macs });
      expect(d.stages.reduce((s, st) => s + st.params.b, 0)).toBe(tb.params);
      expect(d.stages.reduce((s, st) => s + st.macs.a, 0)).toBe(ta.macs);
    }
  });

  it('CIFAR ResNet-20 against Plain CIFAR-20: the option-A shortcuts are the difference', () => {
    const d = diffDocuments(template('cifar-resnet20'), template('plain-cifar20'));
    expect(stage(d, 'layer2').blocks[0]!.changes).toContainEqual({ field: 'shortcut', a: 'zero-pad', b: 'none' });
    expect(stage(d, 'layer2').blocks[0]!.layers.filter((l) => l.status === 'removed').map((l) => l.a!.op)).toEqual(['ZeroPadShortcut', 'Add']);
    expect(d.params.delta).toBe(0);
  });

  it('a document against itself, and against its own stage collapsed into one card, has no differences', () => {
    const a = template('resnet18');
    expect(diffDocuments(a, a).identical).toBe(true);
    const collapsed = collapseGroup(a, nodeId('layer2'));
    expect(collapsed.nodes.some((n) => n.op === 'Stage')).toBe(true);
    const d = diffDocuments(a, collapsed);
    expect(d.identical).toBe(true);
    expect(stage(d, 'layer2').blocks.map((x) => x.key)).toEqual(['layer2.0', 'layer2.1']);
    expect(diffMarks(d, 'b').size).toBe(0);
    expect(formatDiffText(d)).toContain('no differences in blocks or layers');
  });

  it('a renamed layer is changed (by name), not removed and added', () => {
    const a = template('resnet18');
    const b = renameNode(a, nodeId('fc'), 'classifier');
    const d = diffDocuments(a, b);
    expect(stage(d, 'head').layers.find((l) => l.status !== 'same')).toMatchObject({ key: 'fc', status: 'changed', changes: [{ field: 'name', a: 'fc', b: 'classifier' }] });
    expect(d.counts.layers).toMatchObject({ added: 0, removed: 0, changed: 1 });
  });

  it('a changed block param shows on the block and on the layers whose weights change', () => {
    const a = template('tiny-resnet');
    const b = updateParams(a, nodeId('block2'), { width: 24 });
    const d = diffDocuments(a, b);
    const blk = d.stages.flatMap((s) => s.blocks).find((x) => x.key === 'block2')!;
    expect(blk.changes).toEqual([{ field: 'width', a: 16, b: 24 }]);
    expect(blk.layers.find((l) => l.key === 'conv1')!.changes).toContainEqual({ field: 'outChannels', a: 16, b: 24 });
    // The head's Linear reads the wider output: its weights change shape.
    expect(stage(d, 'head').layers.find((l) => l.key === 'fc')!.status).toBe('changed');
    expect(stage(d, 'head').layers.find((l) => l.key === 'avgpool')!.status).toBe('same');
  });
});

describe('diffMarks', () => {
  it('marks each block card of the residual side changed, and the plain side\'s layers not at all', () => {
    const plain = template('plain34');
    const res = template('resnet34');
    const d = diffDocuments(plain, res);
    const onRes = diffMarks(d, 'b');
    const cards = res.nodes.filter((n) => n.op === 'BasicBlock').map((n) => n.id);
    expect(cards).toHaveLength(16);
    expect([...onRes.keys()].sort()).toEqual([...cards].sort());
    expect(new Set(onRes.values())).toEqual(new Set(['changed']));
    // On the plain side nothing is marked: its layers all have counterparts; what differs is absent there.
    expect(diffMarks(d, 'a').size).toBe(0);
  });

  it('marks a collapsed stage card changed when only some of its blocks are new, and not at all when none differ', () => {
    const deeper = template('resnet34');
    const collapsed = collapseGroup(deeper, nodeId('layer3'));
    expect(diffMarks(diffDocuments(template('resnet18'), collapsed), 'b').get(nodeId('layer3'))).toBe('changed');
    expect(diffMarks(diffDocuments(collapsed, collapsed), 'b').has(nodeId('layer3'))).toBe(false);
  });

  it('marks added blocks added and, in expanded blocks, the changed layers one by one', () => {
    const d = diffDocuments(template('resnet18'), template('resnet34'));
    const m = diffMarks(d, 'b');
    const b = template('resnet34');
    const card = (name: string) => b.nodes.find((n) => n.name === name)!.id;
    expect(m.get(card('layer3.5'))).toBe('added');
    expect(m.has(card('layer3.0'))).toBe(false);
    const x = diffDocuments(template('resnet50'), resnext50());
    const mx = diffMarks(x, 'b');
    const rx = resnext50();
    const layer = (name: string) => rx.nodes.find((n) => n.name === name)!.id;
    expect(mx.get(layer('layer1.0.conv2'))).toBe('changed');
    expect(mx.has(layer('layer1.0.relu'))).toBe(false);
  });
});

describe('removedMarks', () => {
  it('puts the blocks the open side lacks on the card right after where they were', () => {
    const deep = template('resnet34');
    const shallow = template('resnet18');
    const d = diffDocuments(deep, shallow);
    const m = removedMarks(d, 'b');
    const card = (name: string) => shallow.nodes.find((n) => n.name === name)!.id;
    // ResNet-34 has layer1.2 and layer2.2-3, layer3.2-5, layer4.2 beyond ResNet-18's blocks.
    expect(m.get(card('layer2.0'))).toEqual(['layer1.2']);
    expect(m.get(card('layer3.0'))).toEqual(['layer2.2', 'layer2.3']);
    expect(m.get(card('layer4.0'))).toEqual(['layer3.2', 'layer3.3', 'layer3.4', 'layer3.5']);
    const all = [...m.values()].flat();
    expect(all).toHaveLength(d.counts.blocks.removed);
    expect(all).toContain('layer4.2');
  });

  it('lists nothing when the open side lacks nothing', () => {
    expect(removedMarks(diffDocuments(template('resnet18'), template('resnet34')), 'b').size).toBe(0);
  });
});
