import type { ShortcutKind } from '../blocks/shortcut.ts';
import type { NodeId } from '../graph/ids.ts';
import type { BlockKind, GraphNode, GroupRef, LayerKind, ParamValue, Params, ResidualDocument, Shape } from '../graph/types.ts';
import type { Cost } from '../ops/types.ts';
import { getOp, isResidualBlockKind, isStageKind } from '../ops/registry.ts';
import { resolveParams } from '../ops/validate.ts';
import { analyze, type Analysis, type FlatLayer } from '../shape/analyze.ts';

/** How one block or layer of the second document relates to the first. */
export type DiffStatus = 'added' | 'removed' | 'changed' | 'same';

/**
 * What a residual block is, for comparing: one of the block kinds, or `layers` for a stack of
 * layers grouped only by their names (`layer1.0.conv1`…), as a plain net's "block" without a shortcut.
 */
export type DiffBlockKind = BlockKind | 'layers';

/** One field that differs: a param, the op, a shape, the shortcut. `undefined` means "not there". */
export interface FieldChange {
  readonly field: string;
  readonly a?: ParamValue;
  readonly b?: ParamValue;
}

/** One layer as one side has it. */
export interface LayerSide {
  /** Its full name (`layer1.0.conv2`). */
  readonly name: string;
  readonly op: LayerKind;
  readonly params: Params;
  readonly inputShape?: Shape;
  readonly outputShape?: Shape;
  readonly cost: Cost;
  /** The document node that shows it on the canvas: the layer itself, or the collapsed block or stage card. */
  readonly node: NodeId;
}

/** A layer matched across the two documents. */
export interface LayerDiff {
  /** The name inside its block (`conv2`, `downsample.0`), or the full name outside blocks. */
  readonly key: string;
  readonly status: DiffStatus;
  readonly a?: LayerSide;
  readonly b?: LayerSide;
  readonly changes: readonly FieldChange[];
}

/** A residual block as one side has it. */
export interface BlockSide {
  readonly name: string;
  readonly kind: DiffBlockKind;
  /** `none` when the block has no shortcut (a plain net's pair of convolutions). */
  readonly shortcut: ShortcutKind | 'none';
  readonly params: Params;
  readonly cost: Cost;
  /** The block's card when it is collapsed (or the collapsed stage card holding it). */
  readonly card?: NodeId;
}

/** A block matched across the two documents, with its layers matched inside it. */
export interface BlockDiff {
  readonly key: string;
  readonly status: DiffStatus;
  readonly a?: BlockSide;
  readonly b?: BlockSide;
  /** Block-level differences: kind, shortcut, block params (width, stride, …). */
  readonly changes: readonly FieldChange[];
  readonly layers: readonly LayerDiff[];
}

/** A number on both sides and b − a. */
export interface Delta {
  readonly a: number;
  readonly b: number;
  readonly delta: number;
}

/** How many of a thing were added, removed, changed or kept. */
export interface StatusCounts {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly same: number;
}

/** One stage (`layer1`…), or the `stem` before the first block and the `head` after the last. */
export interface StageDiff {
  readonly name: string;
  readonly status: DiffStatus;
  readonly blocks: readonly BlockDiff[];
  /** Layers of this stage that belong to no block (the stem's conv1, the head's fc). */
  readonly layers: readonly LayerDiff[];
  readonly counts: { readonly blocks: StatusCounts; readonly layers: StatusCounts };
  readonly params: Delta;
  readonly macs: Delta;
}

/** The comparison of two documents, from `a` to `b`: "added" is in `b` only. */
export interface ModelDiff {
  readonly a: { readonly name: string };
  readonly b: { readonly name: string };
  readonly stages: readonly StageDiff[];
  readonly counts: { readonly blocks: StatusCounts; readonly layers: StatusCounts };
  /** Equal to each side's `analyze(doc).totals`. */
  readonly params: Delta;
  readonly macs: Delta;
  /** True when nothing differs (names aside). */
  readonly identical: boolean;
}

/** The pseudo-stage of layers before the first residual block. */
export const STEM = 'stem';
/** The pseudo-stage of layers after the last residual block. */
export const HEAD = 'head';

interface SideBlock {
  side: BlockSide;
  layers: Map<string, LayerSide>;
  stage: string;
}

interface SideStage {
  name: string;
  blocks: Map<string, SideBlock>;
  loose: Map<string, LayerSide>;
}

/** The blocks and stages of one document, in the order its layers run. */
interface Structure {
  stages: Map<string, SideStage>;
  totals: Cost;
}

/**
 * Compares two documents: residual blocks and layers added, removed and changed, matched per
 * stage; params and MACs per stage and in total for both, with the difference.
 *
 * Stages are matched by name (`layer1`…), blocks inside a stage by name (`layer1.2` is added when
 * only the deeper net has it), layers inside a block by their name within it (`conv2`,
 * `downsample.0`), then whatever is left by op in order, so a renamed layer is "changed", not
 * removed and added. A plain net's layers named like a ResNet's (`layer1.0.conv1`) group into
 * blocks of kind `layers` without a shortcut, so Plain-34 against ResNet-34 matches every
 * convolution and shows the shortcuts, their Adds and their projections as what differs.
 *
 * @example
 * const d = diffDocuments(buildTemplate('plain34')!, buildTemplate('resnet34')!);
 * d.stages.find((s) => s.name === 'layer2')!.counts.layers.added; // 6: four Adds, the projection's conv and BN
 */
export function diffDocuments(a: ResidualDocument, b: ResidualDocument, analyses?: { a?: Analysis; b?: Analysis }): ModelDiff {
  const sa = structureOf(a, analyses?.a ?? analyze(a));
  const sb = structureOf(b, analyses?.b ?? analyze(b));
  const ignore = a.zeroInitResidual || b.zeroInitResidual ? new Set<string>() : new Set(['lastInBlock']);
  const stages: StageDiff[] = [];
  for (const name of mergeOrder([...sa.stages.keys()], [...sb.stages.keys()])) {
    const x = sa.stages.get(name);
    const y = sb.stages.get(name);
    const blocks: BlockDiff[] = [];
    for (const key of mergeOrder([...(x?.blocks.keys() ?? [])], [...(y?.blocks.keys() ?? [])])) {
      blocks.push(diffBlock(key, x?.blocks.get(key), y?.blocks.get(key), ignore));
    }
    const layers = diffLayers(x?.loose ?? new Map(), y?.loose ?? new Map(), ignore);
    const allLayers = [...blocks.flatMap((bd) => bd.layers), ...layers];
    const cost = (side: 'a' | 'b') => sumCosts([...blocks.map((bd) => bd[side]?.cost), ...layers.map((l) => l[side]?.cost)]);
    const ca = cost('a');
    const cb = cost('b');
    const status: DiffStatus = !x ? 'added' : !y ? 'removed' : [...blocks, ...layers].every((d) => d.status === 'same') ? 'same' : 'changed';
    stages.push({
      name,
      status,
      blocks,
      layers,
      counts: { blocks: countOf(blocks), layers: countOf(allLayers) },
      params: delta(ca.params, cb.params),
      macs: delta(ca.macs, cb.macs),
    });
  }
  const sumCounts = (pick: (s: StageDiff) => StatusCounts): StatusCounts =>
    stages.map(pick).reduce((p, c) => ({ added: p.added + c.added, removed: p.removed + c.removed, changed: p.changed + c.changed, same: p.same + c.same }), { added: 0, removed: 0, changed: 0, same: 0 });
  return {
    a: { name: a.name },
    b: { name: b.name },
    stages,
    counts: { blocks: sumCounts((s) => s.counts.blocks), layers: sumCounts((s) => s.counts.layers) },
    params: delta(sa.totals.params, sb.totals.params),
    macs: delta(sa.totals.macs, sb.totals.macs),
    identical: stages.every((s) => s.status === 'same'),
  };
}

/**
 * How each node of one side's document is marked on the canvas: a collapsed block's card gets
 * its block's status, a layer node its layer's, a collapsed stage card "changed" when anything in
 * it changed. Nodes that are the same are left out.
 */
export function diffMarks(d: ModelDiff, side: 'a' | 'b'): Map<NodeId, DiffStatus> {
  const seen = new Map<NodeId, Set<DiffStatus>>();
  const put = (id: NodeId, s: DiffStatus) => seen.set(id, (seen.get(id) ?? new Set()).add(s));
  for (const st of d.stages) {
    for (const bd of st.blocks) {
      const card = bd[side]?.card;
      if (card) put(card, bd.status);
      else for (const l of bd.layers) if (l[side]) put(l[side].node, l.status);
    }
    for (const l of st.layers) if (l[side]) put(l[side].node, l.status);
  }
  const marks = new Map<NodeId, DiffStatus>();
  // A card holding several blocks (a collapsed stage) is "changed" unless all of them agree.
  for (const [id, s] of seen) {
    const only = s.size === 1 ? [...s][0]! : 'changed';
    if (only !== 'same') marks.set(id, only);
  }
  return marks;
}

/**
 * Where the blocks and layers that `side` lacks would have been, for the canvas: each node of
 * `side` that comes right after some missing ones (in stage and block order) gets their names, so
 * its card can say "2 removed before this" (missing ones at the very end go on the last node).
 * Layers missing inside a block that both sides have are that block's change, not listed here,
 * unless the block is expanded (its layers are the cards).
 */
export function removedMarks(d: ModelDiff, side: 'a' | 'b'): Map<NodeId, readonly string[]> {
  const other = side === 'a' ? 'b' : 'a';
  const out = new Map<NodeId, string[]>();
  let pending: string[] = [];
  let last: NodeId | undefined;
  const present = (node: NodeId) => {
    if (pending.length) out.set(node, [...(out.get(node) ?? []), ...pending]);
    pending = [];
    last = node;
  };
  const layers = (ls: readonly LayerDiff[]) => {
    for (const l of ls) {
      if (l[side]) present(l[side].node);
      else if (l[other]) pending.push(l[other].name);
    }
  };
  for (const st of d.stages) {
    for (const bd of st.blocks) {
      const mine = bd[side];
      if (!mine) {
        if (bd[other]) pending.push(bd[other].name);
      } else if (mine.card) present(mine.card);
      else layers(bd.layers);
    }
    layers(st.layers);
  }
  if (pending.length && last) out.set(last, [...(out.get(last) ?? []), ...pending]);
  return out;
}

const delta = (a: number, b: number): Delta => ({ a, b, delta: b - a });

const ZERO: Cost = { params: 0, macs: 0, otherOps: 0 };
function sumCosts(costs: readonly (Cost | undefined)[]): Cost {
  return costs.reduce<Cost>((p, c) => (c ? { params: p.params + c.params, macs: p.macs + c.macs, otherOps: p.otherOps + c.otherOps } : p), ZERO);
}

function countOf(items: readonly { status: DiffStatus }[]): StatusCounts {
  const c = { added: 0, removed: 0, changed: 0, same: 0 };
  for (const i of items) c[i.status]++;
  return c;
}

/** `a`'s keys in order, with `b`'s extra keys placed after the key they follow in `b`. */
function mergeOrder(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  const have = new Set(a);
  let at = -1;
  for (const k of b) {
    if (have.has(k)) {
      at = out.indexOf(k);
      continue;
    }
    out.splice(at + 1, 0, k);
    at++;
    have.add(k);
  }
  // Blocks numbered like torchvision's (`layer1.10` after `layer1.9`) read in number order.
  const num = (k: string) => /\.(\d+)$/.exec(k);
  if (out.every((k) => num(k))) {
    const prefix = (k: string) => k.slice(0, k.lastIndexOf('.'));
    if (out.every((k) => prefix(k) === prefix(out[0]!))) out.sort((x, y) => Number(num(x)![1]) - Number(num(y)![1]));
  }
  return out;
}

function diffBlock(key: string, x: SideBlock | undefined, y: SideBlock | undefined, ignore: ReadonlySet<string>): BlockDiff {
  const layers = diffLayers(x?.layers ?? new Map(), y?.layers ?? new Map(), ignore);
  const changes: FieldChange[] = [];
  if (x && y) {
    if (x.side.kind !== y.side.kind) changes.push({ field: 'kind', a: x.side.kind, b: y.side.kind });
    if (x.side.shortcut !== y.side.shortcut) changes.push({ field: 'shortcut', a: x.side.shortcut, b: y.side.shortcut });
    // Params of different kinds of block are not the same knobs: only compared within one kind.
    if (x.side.kind === y.side.kind) changes.push(...paramChanges(x.side.params, y.side.params, new Set(['shortcut', ...ignore])));
  }
  const status: DiffStatus = !x ? 'added' : !y ? 'removed' : changes.length === 0 && layers.every((l) => l.status === 'same') ? 'same' : 'changed';
  return { key, status, ...(x ? { a: x.side } : {}), ...(y ? { b: y.side } : {}), changes, layers };
}

/** Above this many cells the alignment falls back to pairing by name, then by op in order. */
const MAX_ALIGN_CELLS = 1 << 20;

/**
 * Pairs layers of two blocks (or two stems, two heads): the longest alignment of equal ops in
 * order, preferring equal names, so a block's three ReLUs pair in order even when the two files
 * name them differently (`relu1` / `relu`); then what is left with equal name and op, wherever it
 * sits (a projection listed first in one and last in the other).
 */
function pairLayers(a: readonly [string, LayerSide][], b: readonly [string, LayerSide][]): Map<string, string> {
  const pairs = new Map<string, string>();
  const n = a.length;
  const m = b.length;
  const weight = (i: number, j: number) => (a[i]![1].op !== b[j]![1].op ? -1 : a[i]![0] === b[j]![0] ? 3 : 2);
  if ((n + 1) * (m + 1) <= MAX_ALIGN_CELLS) {
    const dp = new Int32Array((n + 1) * (m + 1));
    const at = (i: number, j: number) => i * (m + 1) + j;
    for (let i = 1; i <= n; i++) {
      for (let j = 1; j <= m; j++) {
        const w = weight(i - 1, j - 1);
        dp[at(i, j)] = Math.max(dp[at(i - 1, j)]!, dp[at(i, j - 1)]!, w < 0 ? 0 : dp[at(i - 1, j - 1)]! + w);
      }
    }
    for (let i = n, j = m; i > 0 && j > 0; ) {
      const w = weight(i - 1, j - 1);
      if (w >= 0 && dp[at(i, j)] === dp[at(i - 1, j - 1)]! + w) {
        pairs.set(a[i - 1]![0], b[j - 1]![0]);
        i--;
        j--;
      } else if (dp[at(i, j)] === dp[at(i - 1, j)]) i--;
      else j--;
    }
  }
  const used = new Set(pairs.values());
  const bByKey = new Map(b);
  for (const [k, x] of a) {
    if (pairs.has(k) || used.has(k) || bByKey.get(k)?.op !== x.op) continue;
    pairs.set(k, k);
    used.add(k);
  }
  // Too large to align (a big net imported without blocks): by op, in order, among what is left.
  let from = 0;
  const leftB = b.filter(([k]) => !used.has(k));
  for (const [k, x] of a) {
    if (pairs.has(k)) continue;
    const i = leftB.findIndex(([, y], j) => j >= from && y.op === x.op);
    if (i < 0) continue;
    pairs.set(k, leftB[i]![0]);
    from = i + 1;
  }
  return pairs;
}

/** Matches layers (see {@link pairLayers}); unmatched ones are removed or added, in the order they run. */
function diffLayers(a: ReadonlyMap<string, LayerSide>, b: ReadonlyMap<string, LayerSide>, ignore: ReadonlySet<string>): LayerDiff[] {
  const pairs = pairLayers([...a], [...b]);
  const aOf = new Map([...pairs].map(([ka, kb]) => [kb, ka]));
  // One sequence per side over the same entry ids: A's key for pairs and removals, `+key` for additions.
  const order = mergeOrder([...a.keys()], [...b.keys()].map((k) => aOf.get(k) ?? `+${k}`));
  const out: LayerDiff[] = [];
  for (const id of order) {
    if (id.startsWith('+') && !a.has(id)) {
      out.push({ key: id.slice(1), status: 'added', b: b.get(id.slice(1))!, changes: [] });
      continue;
    }
    const x = a.get(id)!;
    const kb = pairs.get(id);
    const y = kb !== undefined ? b.get(kb) : undefined;
    if (!y) {
      out.push({ key: id, status: 'removed', a: x, changes: [] });
      continue;
    }
    const changes = layerChanges(x, y, ignore);
    // A name is what weights are stored under: it matters for layers that have weights.
    if (kb !== id && (x.cost.params > 0 || y.cost.params > 0)) changes.unshift({ field: 'name', a: x.name, b: y.name });
    out.push({ key: id, status: changes.length ? 'changed' : 'same', a: x, b: y, changes });
  }
  return out;
}

function layerChanges(x: LayerSide, y: LayerSide, ignore: ReadonlySet<string>): FieldChange[] {
  const changes: FieldChange[] = [];
  if (x.op !== y.op) changes.push({ field: 'op', a: x.op, b: y.op });
  else changes.push(...paramChanges(x.params, y.params, ignore));
  // A layer with weights whose own params are unchanged still differs when what flows into it
  // does: its weights change shape. A ReLU that is merely wider is not a difference of its own.
  const weighted = x.cost.params > 0 || y.cost.params > 0;
  // The output follows from the input and the params: shown only when neither explains it.
  if (weighted || changes.length) for (const [field, s, t] of [['input', x.inputShape, y.inputShape], ['output', x.outputShape, y.outputShape]] as const) {
    if (!sameValue(s, t) && (field === 'input' || changes.length === 0)) changes.push({ field, ...(s ? { a: s } : {}), ...(t ? { b: t } : {}) });
  }
  if (x.cost.params !== y.cost.params && !changes.length) changes.push({ field: 'params', a: x.cost.params, b: y.cost.params });
  return changes;
}

function paramChanges(p: Params, q: Params, ignore: ReadonlySet<string>): FieldChange[] {
  const out: FieldChange[] = [];
  for (const k of new Set([...Object.keys(p), ...Object.keys(q)])) {
    if (ignore.has(k) || sameValue(p[k], q[k])) continue;
    out.push({ field: k, ...(p[k] !== undefined ? { a: p[k] } : {}), ...(q[k] !== undefined ? { b: q[k] } : {}) });
  }
  return out;
}

function sameValue(x: ParamValue | undefined, y: ParamValue | undefined): boolean {
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => v === y[i]);
  return x === y;
}


/** The innermost enclosing group of a block kind, if any. */
function blockGroup(g: GroupRef | undefined): GroupRef | undefined {
  for (let x = g; x; x = x.parent) if (isResidualBlockKind(x.kind)) return x;
  return undefined;
}

function stageGroup(g: GroupRef | undefined): GroupRef | undefined {
  for (let x = g; x; x = x.parent) if (isStageKind(x.kind)) return x;
  return undefined;
}

/** `layer1.0` → `layer1`: torchvision's block names are their stage's name and an index. */
const stageOfBlockName = (name: string): string => /^(.*)\.\d+$/.exec(name)?.[1] ?? name;

/** A layer named `<stage>.<index>.<rest>` outside any block, as the plain nets name theirs. */
const NAMED_IN_BLOCK = /^(.+?\.\d+)\.(.+)$/;

/** Sorts one document's flat layers into stages and blocks. */
function structureOf(doc: ResidualDocument, analysis: Analysis): Structure {
  const nodes = new Map<NodeId, GraphNode>(doc.nodes.map((n) => [n.id, n]));
  const shortcutAt = new Map(analysis.shortcuts.map((s) => [s.at, s.kind]));
  const stages = new Map<string, SideStage>();
  let seenBlock = false;
  const stage = (name: string) => {
    let s = stages.get(name);
    if (!s) stages.set(name, (s = { name, blocks: new Map(), loose: new Map() }));
    return s;
  };
  const blockLayerIds = new Map<SideBlock, NodeId[]>();
  const blocksByName = new Map<string, SideBlock>();
  for (const l of analysis.layers) {
    if (l.op === 'Input' || l.op === 'Output') continue;
    const owner = ownerOf(nodes, l.docNode);
    const place = placeOf(l, owner, analysis);
    const side = layerSide(l);
    // PyTorch's ONNX export names a block's Add after the block itself (`layer1.0`): it is that block's.
    const named = !place ? blocksByName.get(l.name) : undefined;
    if (!place && !named) {
      stage(seenBlock ? HEAD : STEM).loose.set(l.name, side);
      continue;
    }
    seenBlock = true;
    let blk = named;
    if (place && !blk) {
      const st = stage(place.stage);
      blk = st.blocks.get(place.block.name);
      if (!blk) {
        st.blocks.set(place.block.name, (blk = { side: place.block, layers: new Map(), stage: place.stage }));
        blocksByName.set(place.block.name, blk);
      }
    }
    const name = blk!.side.name;
    blk!.layers.set(l.name.startsWith(`${name}.`) ? l.name.slice(name.length + 1) : l.name === name ? l.op.toLowerCase() : l.name, side);
    blockLayerIds.set(blk!, [...(blockLayerIds.get(blk!) ?? []), l.id]);
  }
  for (const st of stages.values()) {
    for (const blk of st.blocks.values()) {
      const cost = sumCosts([...blk.layers.values()].map((x) => x.cost));
      const ids = blockLayerIds.get(blk) ?? [];
      const sc = (blk.side.card && shortcutAt.get(blk.side.card)) ?? ids.map((id) => shortcutAt.get(id)).find((k) => k) ?? inferShortcut(blk.layers);
      blk.side = { ...blk.side, cost, shortcut: sc };
    }
  }
  const ordered = new Map<string, SideStage>();
  if (stages.has(STEM)) ordered.set(STEM, stages.get(STEM)!);
  for (const [k, v] of stages) if (k !== STEM && k !== HEAD) ordered.set(k, v);
  if (stages.has(HEAD)) ordered.set(HEAD, stages.get(HEAD)!);
  return { stages: ordered, totals: { params: analysis.totals.params, macs: analysis.totals.macs, otherOps: analysis.totals.otherOps } };
}

/**
 * The document node a flat layer is shown by. Layers of a block inside a collapsed stage name
 * that inner block (`layer2/0`), which is not in the document: its stage's card is.
 */
function ownerOf(nodes: ReadonlyMap<NodeId, GraphNode>, id: NodeId): GraphNode | undefined {
  for (let x: string = id; ; x = x.slice(0, x.lastIndexOf('/'))) {
    const n = nodes.get(x as NodeId);
    if (n || !x.includes('/')) return n;
  }
}

/** Only the stage's block params are read from its expansion; these options do not change them. */
const EXPAND_OPTIONS = { projectionEverywhere: false, zeroInitResidual: false };

function layerSide(l: FlatLayer): LayerSide {
  const params = resolveParams({ id: l.id, op: l.op, name: l.name, params: l.params, position: { x: 0, y: 0 } }).params;
  return {
    name: l.name,
    op: l.op,
    params,
    ...(l.inputShapes[0] ? { inputShape: l.inputShapes[0] } : {}),
    ...(l.outputShapes[0] ? { outputShape: l.outputShapes[0] } : {}),
    cost: l.cost,
    node: l.docNode,
  };
}

/** Which stage and block a flat layer belongs to, or undefined for a layer in no block. */
function placeOf(l: FlatLayer, owner: GraphNode | undefined, analysis: Analysis): { stage: string; block: BlockSide } | undefined {
  const blank = { shortcut: 'none' as const, cost: ZERO };
  if (owner && isResidualBlockKind(owner.op)) {
    const params = analysis.nodes.get(owner.id)?.params ?? owner.params;
    const st = stageGroup(owner.group)?.name ?? stageOfBlockName(owner.name);
    return { stage: st, block: { ...blank, name: owner.name, kind: owner.op as DiffBlockKind, params, card: owner.id } };
  }
  if (owner && isStageKind(owner.op)) {
    // A collapsed stage: the layer's block is one of the stage's own expansion, as analyze made it.
    const info = analysis.nodes.get(owner.id);
    const exp = getOp(owner.op).expand!({ ...owner, params: info?.params ?? owner.params }, info?.inputShapes[0] ?? [], EXPAND_OPTIONS);
    const blk = exp.nodes.find((n) => n.id === l.docNode) ?? exp.nodes.find((n) => l.name.startsWith(`${n.name}.`));
    if (blk && isResidualBlockKind(blk.op)) {
      return { stage: owner.name, block: { ...blank, name: blk.name, kind: blk.op as DiffBlockKind, params: resolveParams(blk).params, card: owner.id } };
    }
  }
  const g = blockGroup(owner?.group);
  if (g) {
    const st = stageGroup(g.parent)?.name ?? stageOfBlockName(g.name);
    return { stage: st, block: { ...blank, name: g.name, kind: g.kind as DiffBlockKind, params: resolveParams({ id: g.id, op: g.kind, name: g.name, params: g.params, position: g.position }).params } };
  }
  const m = NAMED_IN_BLOCK.exec(l.name);
  if (m) return { stage: stageOfBlockName(m[1]!), block: { ...blank, name: m[1]!, kind: 'layers', params: {} } };
  return undefined;
}

/** The shortcut of a block the analysis did not classify (inside a collapsed stage), from its layers. */
function inferShortcut(layers: ReadonlyMap<string, LayerSide>): ShortcutKind | 'none' {
  const ls = [...layers.values()];
  if (!ls.some((l) => l.op === 'Add')) return 'none';
  if (ls.some((l) => l.op === 'ZeroPadShortcut')) return 'zero-pad';
  if ([...layers.keys()].some((k) => k.startsWith('downsample.'))) return 'projection';
  return 'identity';
}
