import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTemplate, collapseGroup, expandNode, isBlockKind, moveNodes, parseDocument, type NodeId, type ResidualDocument } from '../../src/index.ts';
import { analysisOf, groupFrames } from '../store/derived.ts';
import type { LayoutDirection } from '../store/view-slice.ts';
import { framesFor } from './flow-adapter.ts';
import { toElkGraph, warmupGraph } from './layout-graph.ts';
import { layoutDocument } from './layout.ts';
import { cardBox, nodeSize } from './sizes.ts';

/**
 * The auto layout with expanded blocks and stages, run through the real ELK (in Node) and the
 * frames the canvas draws: frames must not overlap each other or cover cards they do not hold.
 */

interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
const contains = (outer: Box, inner: Box) => outer.x0 <= inner.x0 && outer.y0 <= inner.y0 && outer.x1 >= inner.x1 && outer.y1 >= inner.y1;
const show = (b: Box) => `[${b.x0},${b.y0} ${b.x1},${b.y1}]`;

function expand(doc: ResidualDocument, name: string): ResidualDocument {
  const node = doc.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  return expandNode(doc, node.id, analysisOf(doc).nodes.get(node.id)!.inputShapes[0]!);
}

function expandAll(doc: ResidualDocument): ResidualDocument {
  while (doc.nodes.some((n) => isBlockKind(n.op))) for (const b of doc.nodes.filter((n) => isBlockKind(n.op))) doc = expand(doc, b.name);
  return doc;
}

/** Expands every block of one stage (the stage frame then holds one frame per block). */
const expandStage = (doc: ResidualDocument, stage: string) => doc.nodes.filter((n) => n.group?.name === stage && isBlockKind(n.op)).reduce((d, b) => expand(d, b.name), doc);

const stageId = (doc: ResidualDocument, stage: string) => doc.nodes.find((n) => n.group?.name === stage)!.group!.id;

const cases: [string, () => ResidualDocument][] = [
  ['fashion-resnet as opened (one-block stages)', () => buildTemplate('fashion-resnet')!],
  ['tiny-resnet, one block', () => expand(buildTemplate('tiny-resnet')!, 'block1')],
  ['tiny-resnet, everything', () => expandAll(buildTemplate('tiny-resnet')!)],
  ['resnet18 as opened (stage frames)', () => buildTemplate('resnet18')!],
  ['resnet18, one block', () => expand(buildTemplate('resnet18')!, 'layer2.0')],
  ['resnet18, one stage', () => expandStage(buildTemplate('resnet18')!, 'layer2')],
  ['resnet18, a stage card next to an expanded block', () => {
    const d = buildTemplate('resnet18')!;
    return expand(collapseGroup(d, stageId(d, 'layer3')), 'layer2.1');
  }],
  ['resnet18, everything', () => expandAll(buildTemplate('resnet18')!)],
  ['resnet50, one block', () => expand(buildTemplate('resnet50')!, 'layer3.0')],
  ['resnet50, one stage', () => expandStage(buildTemplate('resnet50')!, 'layer2')],
  ['resnet50, everything', () => expandAll(buildTemplate('resnet50')!)],
  ['cifar-resnet20, one block', () => expand(buildTemplate('cifar-resnet20')!, 'layer2.0')],
  ['cifar-resnet20, one stage', () => expandStage(buildTemplate('cifar-resnet20')!, 'layer3')],
  ['cifar-resnet20, everything', () => expandAll(buildTemplate('cifar-resnet20')!)],
];

/** The layer spacing (96) plus room for rounding and an edge label's offset. */
const MAX_LAYER_GAP = 150;

/** Everything a user could see wrong with the frames and cards of a laid-out document. */
function problems(doc: ResidualDocument, direction: LayoutDirection): string[] {
  const out: string[] = [];
  const card = new Map<NodeId, Box>();
  for (const n of doc.nodes) {
    const s = cardBox(n.op, direction);
    card.set(n.id, { x0: n.position.x, y0: n.position.y, x1: n.position.x + s.width, y1: n.position.y + s.height });
  }
  const members = new Map(groupFrames(doc).map((g) => [g.id, new Set(g.members.map((m) => m.id))]));
  const frames = framesFor(doc, direction).map((f) => ({
    id: f.data.groupId,
    name: f.data.name,
    box: { x0: f.position.x, y0: f.position.y, x1: f.position.x + f.width!, y1: f.position.y + f.height! },
    members: members.get(f.data.groupId)!,
  }));
  const name = (id: NodeId) => doc.nodes.find((n) => n.id === id)!.name;
  // Nested frames share members; any other two frames must be apart.
  const nested = (a: (typeof frames)[number], b: (typeof frames)[number]) => [...b.members].every((m) => a.members.has(m)) || [...a.members].every((m) => b.members.has(m));
  for (let i = 0; i < frames.length; i++)
    for (let j = i + 1; j < frames.length; j++) {
      const a = frames[i]!;
      const b = frames[j]!;
      if (!nested(a, b) && overlaps(a.box, b.box)) out.push(`frames ${a.name} ${show(a.box)} and ${b.name} ${show(b.box)} overlap`);
    }
  for (const f of frames)
    for (const [id, box] of card) {
      if (f.members.has(id) && !contains(f.box, box)) out.push(`frame ${f.name} ${show(f.box)} does not hold its member ${name(id)} ${show(box)}`);
      if (!f.members.has(id) && overlaps(f.box, box)) out.push(`frame ${f.name} ${show(f.box)} covers ${name(id)} ${show(box)}, not one of its members`);
    }
  // No empty band after a frame: the next thing along the flow is one layer gap away, as between cards.
  for (const f of frames) {
    const after = [...frames.filter((g) => !nested(f, g)).map((g) => g.box), ...[...card].filter(([id]) => !f.members.has(id)).map(([, b]) => b)];
    const gaps = after
      .filter((b) => (direction === 'TB' ? b.y0 >= f.box.y1 && b.x0 < f.box.x1 && f.box.x0 < b.x1 : b.x0 >= f.box.x1 && b.y0 < f.box.y1 && f.box.y0 < b.y1))
      .map((b) => (direction === 'TB' ? b.y0 - f.box.y1 : b.x0 - f.box.x1));
    const gap = Math.min(...gaps);
    if (gaps.length && gap > MAX_LAYER_GAP) out.push(`frame ${f.name} ${show(f.box)} is followed by ${gap} px of nothing`);
  }
  const ids = [...card.keys()];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++)
      if (overlaps(card.get(ids[i]!)!, card.get(ids[j]!)!)) out.push(`cards ${name(ids[i]!)} and ${name(ids[j]!)} overlap`);
  return out;
}

describe('auto layout with expanded blocks and stages', () => {
  for (const direction of ['TB', 'LR'] as const)
    for (const [label, make] of cases)
      it(`${label}, ${direction}: frames apart, each holding its members, covering no other card, with no empty band after it`, async () => {
        const doc = make();
        const laid = moveNodes(doc, await layoutDocument(doc, direction));
        expect(problems(laid, direction)).toEqual([]);
      });
});

describe('auto layout of a network without expanded groups', () => {
  it('stays one flat layered graph (the look of a collapsed network does not change)', () => {
    for (const direction of ['TB', 'LR'] as const) {
      const g = toElkGraph(buildTemplate('tiny-resnet')!, direction);
      expect(g.children!.every((c) => !c.children)).toBe(true);
      expect(g.layoutOptions!['elk.hierarchyHandling']).toBeUndefined();
      expect(g.layoutOptions!['elk.layered.layering.strategy']).toBeUndefined();
    }
  });
});

describe('the layout worker\'s warm-up graph', () => {
  it('is one ELK lays out with the options real documents use: every box placed, the group round its cards', async () => {
    const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
    const g = warmupGraph();
    const out = await new ELK().layout(g);
    const frame = out.children!.find((c) => c.id === 'frame:g')!;
    expect(frame.children).toHaveLength(3);
    for (const c of [...out.children!, ...frame.children!]) {
      expect(Number.isFinite(c.x) && Number.isFinite(c.y)).toBe(true);
    }
    expect(frame.height!).toBeGreaterThan(3 * 60);
  });
});

describe('the main path runs straight', () => {
  for (const direction of ['TB', 'LR'] as const)
    for (const [label, make] of [
      ['the default model (stems, stages and blocks)', () => buildTemplate('fashion-resnet')!],
      ['resnet18 with an expanded projection block', () => expand(buildTemplate('resnet18')!, 'layer2.0')],
    ] as const)
      it(`${label}, ${direction}: every edge off the shortcuts joins handles in line`, async () => {
        const doc = moveNodes(make(), await layoutDocument(make(), direction));
        const onShortcut = new Set(analysisOf(doc).shortcuts.flatMap((sc) => sc.edges));
        const byId = new Map(doc.nodes.map((n) => [n.id, n]));
        // The handles sit mid-edge of the card: across the flow, that is half the card's size.
        const across = (id: NodeId) => {
          const n = byId.get(id)!;
          return direction === 'TB' ? n.position.x + nodeSize(n.op).width / 2 : n.position.y + nodeSize(n.op).height / 2;
        };
        const bent = doc.edges
          .filter((e) => !onShortcut.has(e.id) && byId.get(e.target)!.op !== 'Add')
          .filter((e) => Math.abs(across(e.source) - across(e.target)) > 1)
          .map((e) => `${byId.get(e.source)!.name} -> ${byId.get(e.target)!.name}: ${across(e.source)} vs ${across(e.target)}`);
        expect(bent).toEqual([]);
      });
});

describe('the shipped default model', () => {
  it('carries the top-down auto layout the editor would give it (it opens without laying out); if this fails, run npx tsx scripts/make-default-model.ts', async () => {
    const { doc } = parseDocument(readFileSync(new URL('../../public/models/fashion-resnet.project.json', import.meta.url), 'utf8'));
    const positions = await layoutDocument(doc!, 'TB');
    const off = doc!.nodes.filter((n) => positions.get(n.id)!.x !== n.position.x || positions.get(n.id)!.y !== n.position.y).map((n) => n.name);
    expect(off).toEqual([]);
  });
});
