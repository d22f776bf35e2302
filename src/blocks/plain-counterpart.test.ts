import { describe, expect, it } from 'vitest';
import { collapseGroup, expandNode } from '../graph/edit.ts';
import { nodeId } from '../graph/ids.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import { hasShortcuts, toPlain, toResidual } from './plain-counterpart.ts';

const t = (id: string) => buildTemplate(id)!;
/** What the compiler lowers and how weights are matched: each layer's name, op, params, shape and weight owner. */
const layers = (doc: ResidualDocument) => analyze(doc).layers.map((l) => ({ name: l.name, op: l.op, params: l.params, out: l.outputShapes, owner: l.owner }));
const withoutOwner = (doc: ResidualDocument) => layers(doc).map(({ owner: _, ...rest }) => rest);
const kinds = (doc: ResidualDocument) => analyze(doc).shortcuts.map((s) => s.kind);

describe('plain <-> residual', () => {
  it("ResNet-34's plain counterpart has Plain-34's layers, names and parameters", () => {
    const r = toPlain(t('resnet34'));
    expect(r.changed).toBe(16);
    expect(hasShortcuts(r.doc)).toBe(false);
    expect(analyze(r.doc).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(withoutOwner(r.doc).map(({ params, ...x }) => ({ ...x, params: { ...params, lastInBlock: undefined } }))).toEqual(
      withoutOwner(t('plain34')).map(({ params, ...x }) => ({ ...x, params: { ...params, lastInBlock: undefined } })),
    );
    expect(analyze(r.doc).totals.params).toBe(analyze(t('plain34')).totals.params);
  });

  it('keeps every remaining layer its weights (same owner) and comes back exactly', () => {
    const res = t('resnet34');
    const plain = toPlain(res).doc;
    const before = new Map(layers(res).map((l) => [l.name, l.owner]));
    for (const l of layers(plain)) expect(l.owner, l.name).toBe(before.get(l.name));
    const back = toResidual(plain);
    expect(back.changed).toBe(16);
    expect(layers(back.doc)).toEqual(layers(res));
    expect(kinds(back.doc).filter((k) => k === 'projection')).toHaveLength(3);
  });

  it("option A comes back as option A (the blocks' own shortcut mode is kept)", () => {
    const back = toResidual(toPlain(t('cifar-resnet20')).doc).doc;
    expect(kinds(back).filter((k) => k === 'zero-pad')).toHaveLength(2);
    expect(layers(back)).toEqual(layers(t('cifar-resnet20')));
  });

  it('Plain-34 (no record of blocks) becomes ResNet-34 from its layer names', () => {
    const r = toResidual(t('plain34'));
    expect(r.changed).toBe(16);
    expect(kinds(r.doc)).toEqual(kinds(t('resnet34')));
    expect(analyze(r.doc).totals.params).toBe(21_797_672);
    expect(withoutOwner(r.doc)).toEqual(withoutOwner(t('resnet34')));
  });

  it('a collapsed stage and hand-built Adds lose their shortcuts too', () => {
    const staged = collapseGroup(t('resnet18'), nodeId('layer2'));
    expect(staged.nodes.some((n) => n.op === 'Stage')).toBe(true);
    const r = toPlain(staged);
    expect(r.changed).toBe(8);
    expect(hasShortcuts(r.doc)).toBe(false);
    // Hand-built: the tiny net's blocks as loose layers and Adds, with no record of the blocks.
    const tiny = t('tiny-resnet');
    const a = analyze(tiny);
    let loose = tiny;
    for (const id of ['block1', 'block2']) loose = expandNode(loose, nodeId(id), a.nodes.get(nodeId(id))!.inputShapes[0]!);
    loose = { ...loose, nodes: loose.nodes.map(({ group: _, ...n }) => n) };
    expect(kinds(loose)).toEqual(['identity', 'projection']);
    const plain = toPlain(loose);
    expect(plain.changed).toBe(2);
    expect(hasShortcuts(plain.doc)).toBe(false);
    expect(plain.doc.nodes.some((n) => n.name.includes('downsample'))).toBe(false);
    // Back by their torchvision names, as new blocks.
    const back = toResidual(plain.doc);
    expect(back.changed).toBe(2);
    expect(kinds(back.doc)).toEqual(['identity', 'projection']);
  });

  it('under zero-init residual the plain net does not start at zero, and the residual net comes back zero-initialised', () => {
    const res = { ...t('cifar-resnet20'), zeroInitResidual: true };
    const zeroed = (d: ResidualDocument) => analyze(d).layers.filter((l) => l.op === 'BatchNorm2d' && l.params['lastInBlock'] === true).length;
    expect(zeroed(res)).toBe(9);
    const plain = toPlain(res).doc;
    expect(zeroed(plain)).toBe(0);
    const back = toResidual(plain).doc;
    expect(zeroed(back)).toBe(9);
    expect(layers(back)).toEqual(layers(res));
  });

  it('a network without shortcuts is returned unchanged by toPlain', () => {
    const vgg = t('vgg19');
    expect(toPlain(vgg)).toEqual({ doc: vgg, changed: 0 });
    expect(toResidual(vgg).changed).toBe(0);
  });
});
