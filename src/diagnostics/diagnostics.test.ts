import { describe, expect, it } from 'vitest';
import { chain } from '../graph/testing/chain.ts';
import { addNode, applyFix, connect, updateParams } from '../graph/edit.ts';
import { edgeId, nodeId } from '../graph/ids.ts';
import type { Params, ResidualDocument } from '../graph/types.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import type { DiagnosticCode } from './catalogue.ts';

const codes = (doc: ResidualDocument) => analyze(doc).diagnostics.map((d) => d.code);

/** A hand-built residual connection: x → conv(stride?) → bn → Add ← x. */
function handBuilt(convParams: Params) {
  const { doc, ids } = chain([['Input'], ['Conv2d', { outChannels: 16 }], ['Conv2d', convParams], ['BatchNorm2d'], ['Add'], ['ReLU'], ['Output']]);
  return { doc: connect(doc, { source: ids[1]!, sourcePort: 0, target: ids[4]!, targetPort: 1 }).doc, ids };
}

describe('diagnostics', () => {
  const cases: [string, () => ResidualDocument, DiagnosticCode][] = [
    ['missing Output', () => chain([['Input'], ['ReLU']]).doc, 'RS103'],
    ['missing Input', () => chain([['ReLU'], ['Output']]).doc, 'RS104'],
    ['unconnected input', () => addNode(chain([['Input'], ['ReLU'], ['Output']]).doc, 'Conv2d', { position: { x: 0, y: 0 } }).doc, 'RS102'],
    ['zero stride', () => chain([['Input'], ['Conv2d', { stride: 0 }], ['Output']]).doc, 'RS303'],
    ['negative size', () => chain([['Input'], ['Conv2d', { outChannels: -4 }], ['Output']]).doc, 'RS301'],
    ['kernel larger than padded input', () => chain([['Input'], ['Conv2d', { kernel: 9, padding: 0 }], ['Output']], { channels: 3, height: 4, width: 4 }).doc, 'RS204'],
    ['channels not divisible by groups', () => chain([['Input'], ['Conv2d', { outChannels: 8, groups: 2 }], ['Output']]).doc, 'RS302'],
    ['Conv2d on a vector', () => chain([['Input'], ['Flatten'], ['Conv2d'], ['Output']]).doc, 'RS203'],
    ['Add of mismatched shapes', () => handBuilt({ outChannels: 32, stride: 2 }).doc, 'RS201'],
    ['identity block that changes dimensions', () => chain([['Input'], ['BasicBlock', { width: 32, stride: 2, shortcut: 'identity' }], ['Output']]).doc, 'RS206'],
    ['weights over the resource limit', () => chain([['Input'], ['GlobalAvgPool'], ['Flatten'], ['Linear', { outFeatures: 1_000_000 }], ['Linear', { outFeatures: 1_000_000 }], ['Output']]).doc, 'RS401'],
    ['activation over the resource limit', () => chain([['Input'], ['Conv2d', { outChannels: 4096 }], ['Output']], { channels: 3, height: 4096, width: 4096 }).doc, 'RS402'],
    ['duplicate names', () => {
      const { doc, ids } = chain([['Input'], ['ReLU'], ['ReLU'], ['Output']]);
      return { ...doc, nodes: doc.nodes.map((n) => (n.id === ids[2] ? { ...n, name: doc.nodes[1]!.name } : n)) };
    }, 'RS108'],
  ];

  it.each(cases)('%s', (_name, make, code) => {
    expect(codes(make())).toContain(code);
  });

  it('a cycle is reported on every node of it', () => {
    const { doc, ids } = chain([['Input'], ['ReLU'], ['Add'], ['ReLU'], ['Output']]);
    const cyc = { ...doc, edges: [...doc.edges, { id: edgeId('back'), source: ids[3]!, sourcePort: 0, target: ids[2]!, targetPort: 1 }] };
    const d = analyze(cyc).diagnostics.filter((x) => x.code === 'RS101');
    expect(d.map((x) => x.nodeId).sort()).toEqual([ids[2], ids[3], ids[4]].sort());
    // And the editor refuses to make it.
    const r = connect(doc, { source: ids[3]!, sourcePort: 0, target: ids[2]!, targetPort: 1 });
    expect(r.error?.code).toBe('RS101');
    expect(r.doc).toBe(doc);
  });

  it('a second edge into a taken port is refused', () => {
    const { doc, ids } = chain([['Input'], ['ReLU'], ['Output']]);
    expect(connect(doc, { source: ids[0]!, sourcePort: 0, target: ids[1]!, targetPort: 0 }).error?.code).toBe('RS106');
  });

  it('the resource guard runs before allocation, with custom limits', () => {
    const a = analyze(buildTemplate('resnet18')!, { maxWeightBytes: 10 << 20, maxActivationBytes: 1 << 30 });
    expect(a.diagnostics.map((d) => d.code)).toEqual(['RS401']);
  });

  it('Add mismatch suggests a projection shortcut, and the fix makes it add up', () => {
    const { doc, ids } = handBuilt({ outChannels: 32, stride: 2 });
    const a = analyze(doc);
    const d = a.diagnostics.find((x) => x.code === 'RS201')!;
    expect(d.nodeId).toBe(ids[4]);
    expect(d.message).toMatch(/projection shortcut/);
    expect(d.fix?.kind).toBe('insert-projection');
    const fixed = applyFix(doc, d.fix!, a);
    const b = analyze(fixed);
    expect(b.diagnostics).toEqual([]);
    const sc = b.shortcuts.find((s) => s.at === ids[4])!;
    expect(sc).toMatchObject({ kind: 'projection', keepsDimensions: false, label: '1x1 conv, /2', inShape: [16, 32, 32], outShape: [32, 16, 16] });
  });

  it('an identity block that cannot add up offers "use a projection shortcut"', () => {
    const { doc } = chain([['Input'], ['BasicBlock', { width: 32, stride: 2, shortcut: 'identity' }], ['Output']]);
    const d = analyze(doc).diagnostics.find((x) => x.code === 'RS206')!;
    expect(d.fix).toMatchObject({ kind: 'set-params', params: { shortcut: 'projection' } });
    expect(analyze(applyFix(doc, d.fix!)).diagnostics).toEqual([]);
  });

  it('invalid params carry a fix that restores the default', () => {
    const { doc, ids } = chain([['Input'], ['Conv2d', { stride: 0 }], ['Output']]);
    const d = analyze(doc).diagnostics.find((x) => x.code === 'RS303')!;
    expect(d).toMatchObject({ nodeId: ids[1], field: 'stride' });
    expect(analyze(applyFix(doc, d.fix!)).diagnostics).toEqual([]);
  });
});

describe('shortcut classification', () => {
  it('a hand-built identity skip is identity (solid)', () => {
    const { doc, ids } = handBuilt({ outChannels: 16 });
    const sc = analyze(doc).shortcuts;
    expect(sc).toHaveLength(1);
    expect(sc[0]).toMatchObject({ at: ids[4], kind: 'identity', keepsDimensions: true, from: ids[1], path: [], collapsed: false });
    expect(sc[0]!.edges).toHaveLength(1);
  });

  it('changing a block stride flips an auto shortcut to projection', () => {
    const { doc, ids } = chain([['Input'], ['Conv2d', { outChannels: 16 }], ['BasicBlock', { width: 16 }], ['Output']]);
    expect(analyze(doc).shortcuts[0]).toMatchObject({ kind: 'identity', label: 'identity', collapsed: true });
    const d2 = updateParams(doc, ids[2]!, { stride: 2 });
    expect(analyze(d2).shortcuts[0]).toMatchObject({ kind: 'projection', keepsDimensions: false, label: '1x1 conv, /2' });
    const d3 = updateParams(doc, ids[2]!, { width: 32 });
    expect(analyze(d3).shortcuts[0]).toMatchObject({ kind: 'projection', label: '1x1 conv' });
  });

  it('option C puts a projection on every block', () => {
    const a = analyze({ ...buildTemplate('resnet18')!, projectionEverywhere: true });
    expect(a.totals.blocks).toEqual({ identity: 0, projection: 8, zeroPad: 0 });
  });

  it('blocks expose F(x), x and F(x)+x tensors', () => {
    const a = analyze(buildTemplate('resnet18')!);
    const b = a.nodes.get(nodeId('layer2/0'))!;
    expect(b.tensors).toEqual({ output: 'layer2.0.relu', mainPath: 'layer2.0.bn2', shortcut: 'layer2.0.downsample.1', sum: 'layer2.0.add' });
    const c = a.nodes.get(nodeId('layer1/0'))!;
    expect(c.tensors.shortcut).toBe('maxpool');
  });
});
