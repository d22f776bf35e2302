import { describe, expect, it } from 'vitest';
import { expandNode } from '../graph/edit.ts';
import { nodeId } from '../graph/ids.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import { lesion, lesionBlock, lesionLayer, lesionTargets } from './lesion.ts';
import { lesionPlain20, lesionResnet20 } from './nets.ts';

const errors = (doc: ResidualDocument) => analyze(doc).diagnostics.filter((d) => d.severity === 'error');
const owners = (doc: ResidualDocument) => new Map(analyze(doc).layers.map((l) => [l.name, l.owner]));
const logits = (doc: ResidualDocument) => analyze(doc).outputs.map((o) => o.shape);

describe('lesion study: what can be deleted', () => {
  it("the residual net's targets are its identity blocks, not the two that change dimensions", () => {
    const t = lesionTargets(lesionResnet20());
    expect(t.map((x) => x.name)).toEqual(['layer1.0', 'layer1.1', 'layer1.2', 'layer2.1', 'layer2.2', 'layer3.1', 'layer3.2']);
    expect(t.every((x) => x.kind === 'block')).toBe(true);
    expect(t.map((x) => x.shape)).toEqual([[8, 28, 28], [8, 28, 28], [8, 28, 28], [16, 14, 14], [16, 14, 14], [32, 7, 7], [32, 7, 7]]);
    expect(t.map((x) => x.stage)).toEqual(['layer1', 'layer1', 'layer1', 'layer2', 'layer2', 'layer3', 'layer3']);
  });

  it("the plain net's targets are its conv-BN-ReLU units that keep the shape (not the stem, not the stride-2 ones)", () => {
    const t = lesionTargets(lesionPlain20());
    expect(t).toHaveLength(16);
    expect(t.every((x) => x.kind === 'layer')).toBe(true);
    expect(t.map((x) => x.name)).not.toContain('conv1');
    expect(t.map((x) => x.name)).not.toContain('layer2.0.conv1');
    expect(t.map((x) => x.name)).not.toContain('layer3.0.conv1');
    expect(t[0]).toMatchObject({ name: 'layer1.0.conv1', layers: ['layer1.0.conv1', 'layer1.0.bn1', 'layer1.0.relu1'], shape: [8, 28, 28] });
    expect(t.find((x) => x.name === 'layer2.0.conv2')?.layers).toEqual(['layer2.0.conv2', 'layer2.0.bn2', 'layer2.0.relu']);
  });

  it('same widths, same depth, same parameters: the two nets differ only by their shortcuts', () => {
    const r = analyze(lesionResnet20());
    const p = analyze(lesionPlain20());
    expect(r.totals.params).toBe(67906); // torch's count for both (scripts/py/lesion_study.py)
    expect(p.totals.params).toBe(67906);
    expect(p.layers.filter((l) => l.op === 'Conv2d')).toHaveLength(19);
    expect(p.layers.filter((l) => l.op === 'Add')).toHaveLength(0);
    expect(r.totals.blocks).toEqual({ identity: 7, projection: 0, zeroPad: 2 });
  });

  it('the Fashion-MNIST default net: identity blocks only (its two projection blocks stay)', () => {
    expect(lesionTargets(buildTemplate('fashion-resnet')!).map((x) => x.name)).toEqual(['layer1.0', 'layer1.1']);
  });
});

describe('lesion study: deleting', () => {
  it('deleting any identity block leaves a valid net with the same output, its other layers and weights unchanged', () => {
    const doc = lesionResnet20();
    const before = owners(doc);
    for (const t of lesionTargets(doc)) {
      const r = lesionBlock(doc, t.name);
      expect(r.diagnostics, t.name).toEqual([]);
      expect(errors(r.doc!), t.name).toEqual([]);
      expect(logits(r.doc!)).toEqual([[10]]);
      const after = owners(r.doc!);
      expect([...after.keys()].some((n) => n.startsWith(`${t.name}.`)), t.name).toBe(false);
      expect(after.size).toBe(before.size - 7); // conv, BN, ReLU, conv, BN, Add, ReLU
      for (const [name, owner] of after) expect(owner, name).toBe(before.get(name));
      expect(analyze(r.doc!).totals.params).toBe(analyze(doc).totals.params - 2 * (9 * t.shape[0]! * t.shape[0]! + 2 * t.shape[0]!));
    }
  });

  it('an expanded block is deleted the same way as its card', () => {
    const doc = lesionResnet20();
    const a = analyze(doc);
    const expanded = expandNode(doc, nodeId('layer2/1'), a.nodes.get(nodeId('layer2/1'))!.inputShapes[0]!);
    expect(lesionTargets(expanded).map((t) => t.name)).toContain('layer2.1');
    const r = lesionBlock(expanded, 'layer2.1');
    expect(errors(r.doc!)).toEqual([]);
    expect(analyze(r.doc!).layers.map((l) => l.name)).toEqual(analyze(lesionBlock(doc, 'layer2.1').doc!).layers.map((l) => l.name));
  });

  it('a block whose shortcut changes dimensions is refused with RS901 saying why, and nothing changes', () => {
    const r = lesionBlock(lesionResnet20(), 'layer2.0');
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['RS901']);
    expect(r.diagnostics[0]!.message).toContain('layer2.0');
    expect(r.diagnostics[0]!.message).toContain('zero-pad, /2');
    expect(r.diagnostics[0]!.message).toContain('N×8×28×28');
    expect(r.diagnostics[0]!.message).toContain('N×16×14×14');
    const projection = lesionBlock(buildTemplate('fashion-resnet')!, 'layer2.0');
    expect(projection.diagnostics.map((d) => d.code)).toEqual(['RS901']);
    expect(projection.diagnostics[0]!.message).toContain('1x1 conv, /2');
  });

  it('a name that is no block is RS902', () => {
    expect(lesionBlock(lesionResnet20(), 'layer9.9').diagnostics.map((d) => d.code)).toEqual(['RS902']);
    expect(lesionBlock(lesionPlain20(), 'layer1.1').diagnostics.map((d) => d.code)).toEqual(['RS902']);
    expect(lesionLayer(lesionPlain20(), 'output').diagnostics.map((d) => d.code)).toEqual(['RS902']);
  });

  it('deleting any plain unit leaves a valid net; the others keep their weights', () => {
    const doc = lesionPlain20();
    const before = owners(doc);
    for (const t of lesionTargets(doc)) {
      const r = lesion(doc, t);
      expect(r.diagnostics, t.name).toEqual([]);
      expect(errors(r.doc!), t.name).toEqual([]);
      const after = owners(r.doc!);
      for (const l of t.layers) expect(after.has(l), l).toBe(false);
      expect(after.size).toBe(before.size - 3);
      for (const [name, owner] of after) expect(owner, name).toBe(before.get(name));
    }
  });

  it('a conv that widens the net is refused with RS901; a lone BN or ReLU can go', () => {
    const doc = lesionPlain20();
    const r = lesionLayer(doc, 'layer2.0.conv1');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['RS901']);
    expect(r.diagnostics[0]!.message).toContain('N×8×28×28');
    expect(r.diagnostics[0]!.message).toContain('N×16×14×14');
    expect(lesionLayer(doc, 'conv1').diagnostics.map((d) => d.code)).toEqual(['RS901']);
    const bn = lesionLayer(doc, 'layer1.0.bn1');
    expect(errors(bn.doc!)).toEqual([]);
    expect(analyze(bn.doc!).layers.map((l) => l.name)).not.toContain('layer1.0.bn1');
    expect(analyze(bn.doc!).layers.map((l) => l.name)).toContain('layer1.0.relu1');
  });

  it('the input document is not changed', () => {
    const doc = lesionResnet20();
    const json = JSON.stringify(doc);
    lesionBlock(doc, 'layer1.1');
    lesionLayer(lesionPlain20(), 'layer1.0.conv2');
    expect(JSON.stringify(doc)).toBe(json);
  });
});
