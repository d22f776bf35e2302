import { collapseGroup, expandNode, removeNodes } from '../graph/edit.ts';
import { edgeId, nodeId, type NodeId } from '../graph/ids.ts';
import type { GraphEdge, GraphNode, Params, ResidualDocument, ShortcutMode } from '../graph/types.ts';
import { int } from '../ops/common.ts';
import { resolveParams } from '../ops/validate.ts';
import { analyze } from '../shape/analyze.ts';
import { bottleneckForm } from './bottleneck.ts';

/** What {@link toPlain} and {@link toResidual} changed. */
export interface CounterpartResult {
  readonly doc: ResidualDocument;
  /** Shortcuts removed (toPlain) or blocks made (toResidual). */
  readonly changed: number;
}

const BLOCKS = new Set(['BasicBlock', 'Bottleneck']);

/** Expands every collapsed card of the given kinds, with the input shapes the analysis gives them. */
function expandAll(doc: ResidualDocument, kinds: ReadonlySet<string>): ResidualDocument {
  const ids = doc.nodes.filter((n) => kinds.has(n.op)).map((n) => n.id);
  if (ids.length === 0) return doc;
  const a = analyze(doc);
  let d = doc;
  for (const id of ids) d = expandNode(d, id, a.nodes.get(id)?.inputShapes[0] ?? [1, 1, 1]);
  return d;
}

/** Consumers of each node, by source id. */
const consumersOf = (edges: readonly GraphEdge[]) => {
  const m = new Map<NodeId, GraphEdge[]>();
  for (const e of edges) m.set(e.source, [...(m.get(e.source) ?? []), e]);
  return m;
};

/** Distance (in edges) from `start` back to each of its ancestors, itself at 0. */
function ancestors(start: NodeId, incoming: ReadonlyMap<NodeId, GraphEdge[]>): Map<NodeId, number> {
  const dist = new Map<NodeId, number>([[start, 0]]);
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const e of incoming.get(id) ?? []) {
      if (dist.has(e.source)) continue;
      dist.set(e.source, dist.get(id)! + 1);
      queue.push(e.source);
    }
  }
  return dist;
}

/**
 * Removes one Add and its shortcut: the Add's consumers are fed by its main path F(x) instead, and
 * the nodes only the shortcut used (a projection's conv and BN, option A's zero-pad) go. The
 * shortcut is the input closer to where the two paths fork (x itself for the identity); on a tie,
 * port 1, where blocks put it.
 */
function removeShortcut(doc: ResidualDocument, add: GraphNode): ResidualDocument {
  const incoming = new Map<NodeId, GraphEdge[]>();
  for (const e of doc.edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e]);
  const ins = (incoming.get(add.id) ?? []).slice().sort((a, b) => a.targetPort - b.targetPort);
  if (ins.length !== 2) return doc;
  const [a, b] = ins.map((e) => ancestors(e.source, incoming)) as [Map<NodeId, number>, Map<NodeId, number>];
  let fork: { da: number; db: number } | undefined;
  for (const [id, da] of a) {
    const db = b.get(id);
    if (db !== undefined && (!fork || da + db < fork.da + fork.db)) fork = { da, db };
  }
  if (!fork) return doc;
  const [main, shortcut] = fork.db <= fork.da ? [ins[0]!, ins[1]!] : [ins[1]!, ins[0]!];
  const consumers = consumersOf(doc.edges);
  // The shortcut's own nodes: back from the Add while a node feeds nothing else.
  const gone: NodeId[] = [add.id];
  let at = shortcut.source;
  for (let steps = Math.min(fork.da, fork.db); steps > 0; steps--) {
    const out = consumers.get(at) ?? [];
    if (out.length !== 1 || !(gone.includes(out[0]!.target))) break;
    gone.push(at);
    const up = incoming.get(at) ?? [];
    if (up.length !== 1) break;
    at = up[0]!.source;
  }
  const rewired: GraphEdge[] = (consumers.get(add.id) ?? []).map((e) => ({ ...e, id: edgeId(`e:${main.source}:${main.sourcePort}->${e.target}:${e.targetPort}`), source: main.source, sourcePort: main.sourcePort }));
  const d = removeNodes(doc, gone);
  return { ...d, edges: [...d.edges, ...rewired] };
}

/**
 * The plain counterpart of a network: every residual block keeps its main path F(x) and loses its
 * shortcut and Add, so ReLU(F(x) + x) becomes ReLU(F(x)) — the paper's plain nets are exactly
 * this (ResNet-34 gives Plain-34's layers, with the same names). Collapsed stages and blocks are
 * expanded first; hand-built Adds lose their shortcut too. The layers keep their ids, names,
 * params and the record of the block they came from, so their weights (real or fresh) are the
 * same ones, and {@link toResidual} brings each block back as it was. Under zero-init residual,
 * a block's last BN is no longer marked last (it would start the plain net at zero).
 *
 * @example
 * toPlain(buildTemplate('resnet34')!).changed; // 16
 */
export function toPlain(doc: ResidualDocument): CounterpartResult {
  let d = expandAll(expandAll(doc, new Set(['Stage'])), BLOCKS);
  let changed = 0;
  for (const n of d.nodes.filter((x) => x.op === 'Add')) {
    const next = removeShortcut(d, n);
    if (next !== d) changed++;
    d = next;
  }
  if (changed === 0) return { doc, changed };
  // Zero-init residual starts each block's last BN at 0 so the block starts as the identity; with
  // the shortcut gone that would zero the whole signal, so in the plain net those BNs start at 1
  // (as the paper's plain nets do). Only that BN's fingerprint changes, and toResidual's
  // collapse restores it.
  if (d.zeroInitResidual) d = { ...d, nodes: d.nodes.map((n) => (n.op === 'BatchNorm2d' && n.params['lastInBlock'] === true ? { ...n, params: { ...n.params, lastInBlock: false } } : n)) };
  return { doc: d, changed };
}

/** Basic and bottleneck main paths as torchvision names their layers. */
const PATTERNS = {
  BasicBlock: ['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'relu'],
  Bottleneck: ['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'relu2', 'conv3', 'bn3', 'relu'],
} as const;
const OPS: Record<string, string> = { conv: 'Conv2d', bn: 'BatchNorm2d', relu: 'ReLU' };

/**
 * The residual counterpart of a plain network: the inverse of {@link toPlain}. Layers that came
 * from a block (they still say which) collapse back into that block with its own params and
 * shortcut, so their weights are kept. A plain chain with torchvision's block names and no such
 * record (`layer2.0.conv1`, `.bn1`, `.relu1`, `.conv2`, `.bn2`, `.relu` — the Plain templates)
 * becomes a new block with the given shortcut mode (`auto`: identity, or a projection where
 * dimensions change), so Plain-34 gives ResNet-34.
 *
 * @example
 * toResidual(buildTemplate('plain34')!).changed; // 16
 */
export function toResidual(doc: ResidualDocument, opts: { readonly shortcut?: ShortcutMode } = {}): CounterpartResult {
  let d = doc;
  let changed = 0;
  // Blocks recorded on their layers whose Add is gone.
  const groups = new Map<NodeId, GraphNode[]>();
  for (const n of d.nodes) if (n.group && BLOCKS.has(n.group.kind)) groups.set(n.group.id, [...(groups.get(n.group.id) ?? []), n]);
  for (const [id, members] of groups) {
    if (members.some((m) => m.op === 'Add')) continue;
    d = collapseGroup(d, id);
    changed++;
  }
  // Plain chains named as torchvision names a block's layers.
  const byName = new Map(d.nodes.map((n) => [n.name, n]));
  const consumers = consumersOf(d.edges);
  for (const first of d.nodes.filter((n) => !n.group && n.op === 'Conv2d' && n.name.endsWith('.conv1'))) {
    const prefix = first.name.slice(0, -'.conv1'.length);
    for (const [kind, locals] of Object.entries(PATTERNS) as [keyof typeof PATTERNS, readonly string[]][]) {
      const chain = locals.map((l) => byName.get(`${prefix}.${l}`));
      const ok = chain.every((n, i) => n && !n.group && n.op === OPS[locals[i]!.replace(/\d+$/, '')] && (i === 0 || ((consumers.get(chain[i - 1]!.id) ?? []).length === 1 && consumers.get(chain[i - 1]!.id)![0]!.target === n.id)));
      if (!ok) continue;
      const nodes = chain as GraphNode[];
      const p = (n: GraphNode) => resolveParams(n).params;
      const convs = nodes.filter((n) => n.op === 'Conv2d').map(p);
      const block: GraphNode =
        kind === 'BasicBlock'
          ? { id: freeId(d, prefix), op: kind, name: prefix, position: first.position, params: { width: int(convs[1]!, 'outChannels'), stride: int(convs[0]!, 'stride'), shortcut: opts.shortcut ?? 'auto', batchNorm: true } }
          : {
              id: freeId(d, prefix),
              op: kind,
              name: prefix,
              position: first.position,
              params: bottleneckParams(convs, opts.shortcut ?? 'auto'),
            };
      const ids = new Set<NodeId>(nodes.map((n) => n.id));
      const last = nodes[nodes.length - 1]!.id;
      const edges = d.edges.flatMap((e): GraphEdge[] => {
        if (ids.has(e.source) && ids.has(e.target)) return [];
        if (e.target === first.id) return [{ ...e, id: edgeId(`e:${e.source}:${e.sourcePort}->${block.id}:0`), target: block.id, targetPort: 0 }];
        if (e.source === last) return [{ ...e, id: edgeId(`e:${block.id}:0->${e.target}:${e.targetPort}`), source: block.id, sourcePort: 0 }];
        return [e];
      });
      const at = d.nodes.findIndex((n) => n.id === first.id);
      const rest = d.nodes.filter((n) => !ids.has(n.id));
      d = { ...d, nodes: [...rest.slice(0, at), block, ...rest.slice(at)], edges };
      changed++;
      break;
    }
  }
  return { doc: d, changed };
}

const freeId = (doc: ResidualDocument, want: string): NodeId => {
  const used = new Set<string>(doc.nodes.map((n) => n.id));
  if (!used.has(want)) return nodeId(want);
  for (let i = 1; ; i++) if (!used.has(`${want}~${i}`)) return nodeId(`${want}~${i}`);
};

/** True when the document has a residual shortcut anywhere (so the toggle goes to plain). */
export const hasShortcuts = (doc: ResidualDocument): boolean => analyze(doc).shortcuts.length > 0;

/** A bottleneck's width, expansion and (grouped: ResNeXt's) cardinality and base width from its three convs. */
function bottleneckParams(convs: readonly Params[], shortcut: ShortcutMode): Params {
  const inner = int(convs[0]!, 'outChannels');
  const out = int(convs[2]!, 'outChannels');
  const form = bottleneckForm(inner, int(convs[1]!, 'groups') || 1, out);
  const { width, expansion, cardinality, baseWidth } = form ?? { width: inner, expansion: Math.max(1, Math.round(out / inner)) };
  return { width, stride: int(convs[1]!, 'stride'), shortcut, batchNorm: true, expansion, ...(cardinality !== undefined ? { cardinality, baseWidth: baseWidth! } : {}) };
}
