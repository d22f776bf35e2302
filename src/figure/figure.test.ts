import { describe, expect, it } from 'vitest';
import { collapseGroup, expandNode } from '../graph/edit.ts';
import { nodeId } from '../graph/ids.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import { figureColumn, PAPER_COLUMNS } from './figure.ts';
import { figureSvg } from './svg.ts';

const column = (id: string) => figureColumn(buildTemplate(id)!);
const labels = (id: string) => column(id).boxes.map((b) => b.label);
const weightLayers = (id: string) => column(id).boxes.filter((b) => b.kind === 'conv' || b.kind === 'fc').length;
/** The distinct output sizes down a column, in order: the paper's stages. */
const sizes = (id: string) => column(id).boxes.map((b) => b.outputSize).filter((s, i, a) => s !== a[i - 1]);

const resnet34Labels = [
  'image',
  '7x7 conv, 64, /2',
  'pool, /2',
  ...Array(6).fill('3x3 conv, 64'),
  '3x3 conv, 128, /2',
  ...Array(7).fill('3x3 conv, 128'),
  '3x3 conv, 256, /2',
  ...Array(11).fill('3x3 conv, 256'),
  '3x3 conv, 512, /2',
  ...Array(5).fill('3x3 conv, 512'),
  'avg pool',
  'fc 1000',
];

describe('the paper figure model', () => {
  it("ResNet-34: the paper's boxes, output sizes, 16 shortcuts of which exactly three (option B projections) are dashed", () => {
    expect(labels('resnet34')).toEqual(resnet34Labels);
    expect(weightLayers('resnet34')).toBe(34);
    expect(sizes('resnet34')).toEqual(['224', '112', '56', '28', '14', '7', '1']);
    const { arcs, boxes } = column('resnet34');
    expect(arcs).toHaveLength(16);
    const dashed = arcs.filter((a) => a.dashed);
    expect(dashed.map((a) => [a.kind, a.label])).toEqual(Array(3).fill(['projection', '1x1 conv, /2']));
    // Each dashed arc spans the block that downsamples: from the box before "3x3 conv, W, /2" to the box after it.
    for (const a of dashed) {
      expect(boxes[a.from + 1]!.label).toMatch(/, \/2$/);
      expect(a.to).toBe(a.from + 2);
    }
    // The first arc leaves the pool's output; each later one starts where the previous ended.
    expect(boxes[arcs[0]!.from]!.label).toBe('pool, /2');
    arcs.slice(1).forEach((a, i) => expect(a.from).toBe(arcs[i]!.to));
  });

  it('Plain-34: the same boxes as ResNet-34 and no shortcut', () => {
    expect(labels('plain34')).toEqual(resnet34Labels);
    expect(column('plain34').arcs).toEqual([]);
  });

  it('VGG-19: 19 weight layers, five pools, two fc 4096 and fc 1000', () => {
    const l = labels('vgg19');
    expect(weightLayers('vgg19')).toBe(19);
    expect(l.slice(0, 4)).toEqual(['image', '3x3 conv, 64', '3x3 conv, 64', 'pool, /2']);
    expect(l.filter((x) => x === 'pool, /2')).toHaveLength(5);
    expect(l.slice(-3)).toEqual(['fc 4096', 'fc 4096', 'fc 1000']);
    expect(sizes('vgg19')).toEqual(['224', '112', '56', '28', '14', '7', '1']);
    expect(column('vgg19').arcs).toEqual([]);
  });

  it("CIFAR ResNet-20 (option A): two dashed zero-pad shortcuts, labelled as on the canvas", () => {
    const dashed = column('cifar-resnet20').arcs.filter((a) => a.dashed);
    expect(dashed.map((a) => [a.kind, a.label])).toEqual([['zero-pad', 'zero-pad, /2'], ['zero-pad', 'zero-pad, /2']]);
  });

  it('an expanded block draws as its collapsed card does', () => {
    const doc = buildTemplate('tiny-resnet')!;
    const input = analyze(doc).nodes.get(nodeId('block2'))!.inputShapes[0]!;
    const expanded = expandNode(doc, nodeId('block2'), input);
    const strip = (c: ReturnType<typeof figureColumn>) => ({ labels: c.boxes.map((b) => b.label), arcs: c.arcs });
    expect(strip(figureColumn(expanded))).toEqual(strip(figureColumn(doc)));
    expect(figureColumn(expanded).arcs.map((a) => a.kind)).toEqual(['identity', 'projection']);
  });

  it('a collapsed stage card draws as its blocks do', () => {
    const doc = buildTemplate('resnet18')!;
    const staged = collapseGroup(doc, nodeId('layer3'));
    expect(staged.nodes.some((n) => n.op === 'Stage')).toBe(true);
    const strip = (c: ReturnType<typeof figureColumn>) => ({ labels: c.boxes.map((b) => b.label), arcs: c.arcs });
    expect(strip(figureColumn(staged))).toEqual(strip(figureColumn(doc)));
  });

  it('the SVG of the three columns has their titles, the output sizes and exactly three dashed arcs', () => {
    const svg = figureSvg(PAPER_COLUMNS.map((c) => figureColumn(buildTemplate(c.template)!, c.title)));
    for (const c of PAPER_COLUMNS) expect(svg).toContain(`data-title="${c.title}"`);
    expect(svg.match(/data-testid="figure\.arc"/g)).toHaveLength(16);
    expect(svg.match(/data-dashed="true"/g)).toHaveLength(3);
    expect(svg.match(/data-testid="figure\.box"/g)).toHaveLength(25 + 37 + 37);
    for (const s of ['224', '112', '56', '28', '14', '7', '1']) expect(svg).toContain(`>output size: ${s}<`);
    expect(svg).toContain('>3x3 conv, 512, /2<');
  });

  it('escapes a title and translates the band labels', () => {
    const svg = figureSvg([figureColumn(buildTemplate('tiny-resnet')!, 'A<B & "C"')], { strings: { outputSize: (s) => `输出尺寸：${s}` } });
    expect(svg).toContain('A&lt;B &amp; &quot;C&quot;');
    expect(svg).toContain('>输出尺寸：32<');
  });
});
