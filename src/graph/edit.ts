import { diag, msg, type Diagnostic, type Fix } from '../diagnostics/catalogue.ts';
import { getOp, isBlockKind, isUserKind, outputCount, type BlockLibrary } from '../ops/registry.ts';
import { resolveParams } from '../ops/validate.ts';
import { topoOrder, wouldCycle } from './topo.ts';
import { edgeId, nodeId, type EdgeId, type NodeId } from './ids.ts';
import type { Analysis } from '../shape/analyze.ts';
import type { GraphEdge, GraphNode, GroupRef, InputSpec, OpKind, Params, Position, ResidualDocument, Shape } from './types.ts';

/**
 * Immutable edits of a document. Each takes a document and returns a new one (or the same one
 * when nothing changed), so the editor can undo by keeping old documents. None of them throws for
 * a user's mistake: an impossible edit comes back with a diagnostic saying why.
 */

const DEFAULT_NAMES: Partial<Record<OpKind, string>> = {
  Conv2d: 'conv',
  BatchNorm2d: 'bn',
  ReLU: 'relu',
  LeakyReLU: 'lrelu',
  MaxPool2d: 'maxpool',
  AvgPool2d: 'avgpool',
  GlobalAvgPool: 'gap',
  Linear: 'fc',
  BasicBlock: 'block',
  Bottleneck: 'bottleneck',
  Stage: 'stage',
  ZeroPadShortcut: 'shortcut',
};

/** A name not used yet in the document: `conv_1`, `conv_2`, ... */
export function freshName(doc: ResidualDocument, op: OpKind, taken: ReadonlySet<string> = new Set()): string {
  const base = DEFAULT_NAMES[op] ?? kindHint(op);
  const used = new Set([...doc.nodes.map((n) => n.name), ...taken]);
  if (op === 'Input' && !used.has('input')) return 'input';
  if (op === 'Output' && !used.has('output')) return 'output';
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A node id not used yet in the document. */
export function freshId(doc: ResidualDocument, hint: string, taken: ReadonlySet<string> = new Set()): NodeId {
  const used = new Set<string>([...doc.nodes.map((n) => n.id), ...taken]);
  for (let i = doc.nodes.length + 1; ; i++) if (!used.has(`${hint}-${i}`)) return nodeId(`${hint}-${i}`);
}

/** A kind as a name or id stem: `conv2d`, and a user block's id without `user:`. */
const kindHint = (op: OpKind): string => (isUserKind(op) ? op.slice('user:'.length) : op).toLowerCase();

/** Default params of an op (a user-defined block's from its definition in `library`). */
export function defaultParams(op: OpKind, library?: BlockLibrary): Params {
  return Object.fromEntries(getOp(op, library).params.map((p) => [p.name, p.default]));
}

/** Adds a node with default params (overridden by `params`). */
export function addNode(doc: ResidualDocument, op: OpKind, opts: { position: Position; params?: Params; name?: string; id?: NodeId }): { doc: ResidualDocument; id: NodeId } {
  const id = opts.id ?? freshId(doc, kindHint(op));
  const node: GraphNode = { id, op, name: opts.name ?? freshName(doc, op), params: { ...defaultParams(op, doc.blocks), ...opts.params }, position: opts.position };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id };
}

/** Removes nodes and every edge touching them. */
export function removeNodes(doc: ResidualDocument, ids: readonly NodeId[]): ResidualDocument {
  if (ids.length === 0) return doc;
  const gone = new Set(ids);
  return { ...doc, nodes: doc.nodes.filter((n) => !gone.has(n.id)), edges: doc.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)) };
}

/** Removes edges. */
export function removeEdges(doc: ResidualDocument, ids: readonly EdgeId[]): ResidualDocument {
  if (ids.length === 0) return doc;
  const gone = new Set(ids);
  return { ...doc, edges: doc.edges.filter((e) => !gone.has(e.id)) };
}

/** A proposed connection. */
export interface Connection {
  readonly source: NodeId;
  readonly sourcePort: number;
  readonly target: NodeId;
  readonly targetPort: number;
}

/**
 * Why a connection is impossible, or undefined when it may be made: a missing node or port, an
 * input that is already taken, or a cycle.
 */
export function checkConnection(doc: ResidualDocument, c: Connection): Diagnostic | undefined {
  const s = doc.nodes.find((n) => n.id === c.source);
  const t = doc.nodes.find((n) => n.id === c.target);
  if (!s || !t) return diag('RS105', msg('connect-missing-end'));
  if (c.sourcePort >= outputCount(s.op)) return diag('RS105', msg('no-output-port', { node: s.name, port: c.sourcePort }), { nodeId: s.id });
  if (c.targetPort >= getOp(t.op).inputCount(resolveParams(t).params)) return diag('RS105', msg('no-input-port', { node: t.name, port: c.targetPort }), { nodeId: t.id });
  if (doc.edges.some((e) => e.target === c.target && e.targetPort === c.targetPort)) {
    return diag('RS106', msg('port-taken', { node: t.name, port: c.targetPort }), { nodeId: t.id, port: c.targetPort });
  }
  if (wouldCycle(doc.edges, c.source, c.target)) return diag('RS101', msg('connect-cycle', { source: s.name, target: t.name }), { nodeId: t.id });
  return undefined;
}

/** Connects two ports, or refuses with the reason. */
export function connect(doc: ResidualDocument, c: Connection): { doc: ResidualDocument; error?: Diagnostic; id?: EdgeId } {
  const error = checkConnection(doc, c);
  if (error) return { doc, error };
  const id = edgeId(`e:${c.source}:${c.sourcePort}->${c.target}:${c.targetPort}`);
  return { doc: { ...doc, edges: [...doc.edges, { id, ...c }] }, id };
}

/** Merges params into a node. */
export function updateParams(doc: ResidualDocument, id: NodeId, params: Params): ResidualDocument {
  return mapNode(doc, id, (n) => ({ ...n, params: { ...n.params, ...params } }));
}

/** Renames a node (names prefix its tensor names). */
export function renameNode(doc: ResidualDocument, id: NodeId, name: string): ResidualDocument {
  return mapNode(doc, id, (n) => ({ ...n, name }));
}

/** Moves nodes to new positions. */
export function moveNodes(doc: ResidualDocument, positions: ReadonlyMap<NodeId, Position>): ResidualDocument {
  if (positions.size === 0) return doc;
  return { ...doc, nodes: doc.nodes.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id)! } : n)) };
}

/** Sets the model input spec. */
export function setInput(doc: ResidualDocument, input: InputSpec): ResidualDocument {
  return { ...doc, input };
}

function mapNode(doc: ResidualDocument, id: NodeId, f: (n: GraphNode) => GraphNode): ResidualDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== id) return n;
    changed = true;
    return f(n);
  });
  return changed ? { ...doc, nodes } : doc;
}

/**
 * Copies nodes (and the edges among them) with fresh ids and names, offset on the canvas.
 * Used for duplicate and paste; `source` may be another document (the clipboard).
 */
export function duplicateNodes(doc: ResidualDocument, nodes: readonly GraphNode[], edges: readonly GraphEdge[], offset: Position = { x: 40, y: 40 }): { doc: ResidualDocument; ids: NodeId[] } {
  const idMap = new Map<NodeId, NodeId>();
  const takenIds = new Set<string>();
  const takenNames = new Set<string>();
  const copies: GraphNode[] = [];
  for (const n of nodes) {
    if (n.op === 'Input' && doc.nodes.some((x) => x.op === 'Input')) continue;
    const id = freshId(doc, n.op.toLowerCase(), takenIds);
    takenIds.add(id);
    const name = freshName(doc, n.op, takenNames);
    takenNames.add(name);
    idMap.set(n.id, id);
    const { group: _group, ...rest } = n;
    copies.push({ ...rest, id, name, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } });
  }
  const newEdges = edges
    .filter((e) => idMap.has(e.source) && idMap.has(e.target))
    .map((e) => ({ ...e, id: edgeId(`e:${idMap.get(e.source)}:${e.sourcePort}->${idMap.get(e.target)}:${e.targetPort}`), source: idMap.get(e.source)!, target: idMap.get(e.target)! }));
  return { doc: { ...doc, nodes: [...doc.nodes, ...copies], edges: [...doc.edges, ...newEdges] }, ids: [...idMap.values()] };
}

/**
 * Expands a block or stage card into its inner nodes (layers, or blocks for a stage), rewiring
 * its edges to the entries and exit. `inputShape` is the block's input shape (from analysis).
 */
export function expandNode(doc: ResidualDocument, id: NodeId, inputShape: Shape): ResidualDocument {
  const node = doc.nodes.find((n) => n.id === id);
  if (!node || !isBlockKind(node.op)) return doc;
  const def = getOp(node.op, doc.blocks);
  if (!def.expand) return doc;
  const exp = def.expand({ ...node, params: resolveParams(node, doc.blocks).params }, inputShape, {
    projectionEverywhere: doc.projectionEverywhere,
    zeroInitResidual: doc.zeroInitResidual,
  });
  const edges: GraphEdge[] = [];
  for (const e of doc.edges) {
    if (e.target === id) {
      for (const entry of exp.entries) edges.push({ id: edgeId(`e:${e.source}:${e.sourcePort}->${entry.node}:${entry.port}`), source: e.source, sourcePort: e.sourcePort, target: entry.node, targetPort: entry.port });
    } else if (e.source === id) {
      edges.push({ ...e, id: edgeId(`e:${exp.exit}:0->${e.target}:${e.targetPort}`), source: exp.exit });
    } else edges.push(e);
  }
  const at = doc.nodes.findIndex((n) => n.id === id);
  const nodes = [...doc.nodes.slice(0, at), ...exp.nodes, ...doc.nodes.slice(at + 1)];
  return { ...doc, nodes, edges: [...edges, ...exp.edges] };
}

/**
 * Collapses the expanded group `groupId` back into its card. The card keeps the params it had
 * when expanded: edits made to inner layers are replaced by the block definition (check
 * {@link groupIsModified} first to tell the user; undo brings them back).
 */
export function collapseGroup(doc: ResidualDocument, groupId: NodeId): ResidualDocument {
  const members = doc.nodes.filter((n) => inGroup(n, groupId));
  if (members.length === 0) return doc;
  const memberIds = new Set(members.map((n) => n.id));
  const card = cardOf(refIn(members[0]!.group!, groupId));
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const e of doc.edges) {
    const sIn = memberIds.has(e.source);
    const tIn = memberIds.has(e.target);
    if (sIn && tIn) continue;
    let ne: GraphEdge = e;
    if (tIn) ne = { ...e, target: card.id, targetPort: 0 };
    if (sIn) ne = { ...e, source: card.id, sourcePort: 0 };
    ne = { ...ne, id: edgeId(`e:${ne.source}:${ne.sourcePort}->${ne.target}:${ne.targetPort}`) };
    // The block's x entered at several inner nodes (main path and shortcut): keep one edge.
    if (seen.has(ne.id)) continue;
    seen.add(ne.id);
    edges.push(ne);
  }
  const at = doc.nodes.findIndex((n) => memberIds.has(n.id));
  const rest = doc.nodes.filter((n) => !memberIds.has(n.id));
  const nodes = [...rest.slice(0, at), card, ...rest.slice(at)];
  return { ...doc, nodes, edges };
}

/**
 * True when an expanded group no longer matches what its card would expand to: an inner layer's
 * params or name changed, or layers were added, removed or rewired inside it. A nested group that
 * is itself expanded counts as its card when it is unmodified. The editor warns before a collapse
 * replaces such edits.
 */
export function groupIsModified(doc: ResidualDocument, groupId: NodeId): boolean {
  const all = doc.nodes.filter((n) => inGroup(n, groupId));
  if (all.length === 0) return false;
  const ref = refIn(all[0]!.group!, groupId);
  const direct = new Map<NodeId, GraphNode>();
  for (const n of all) {
    if (n.group!.id === groupId) {
      direct.set(n.id, n);
      continue;
    }
    let g = n.group!;
    while (g.parent && g.parent.id !== groupId) g = g.parent;
    if (direct.has(g.id)) continue;
    if (groupIsModified(doc, g.id)) return true;
    direct.set(g.id, cardOf(g));
  }
  // The shortcut a block expands to depends on its input only through "do dimensions change";
  // the members say which it was, so expand with an input that gives the same answer.
  const projected = [...direct.keys()].some((id) => /\/(downsample\.0|shortcut)$/.test(id));
  const card = cardOf(ref);
  const def = getOp(ref.kind, doc.blocks);
  if (!def.expand) return true;
  const cardParams = resolveParams(card, doc.blocks).params;
  const width = def.block?.outChannels?.(cardParams) ?? 1;
  const fresh = def.expand({ ...card, params: cardParams }, [projected ? width + 1 : width, 8, 8], {
    projectionEverywhere: doc.projectionEverywhere,
    zeroInitResidual: doc.zeroInitResidual,
  });
  const key = (ns: Iterable<GraphNode>) => [...ns].map((n) => `${n.id}|${n.op}|${n.name}|${JSON.stringify(resolveParams(n).params)}`).sort().join('\n');
  if (key(fresh.nodes) !== key(direct.values())) return true;
  // Wires are compared between real members only; an expanded nested group's wires were checked above.
  const layerIds = new Set<string>(all.filter((n) => n.group!.id === groupId).map((n) => n.id));
  const wires = (es: readonly GraphEdge[]) => es.filter((e) => layerIds.has(e.source) && layerIds.has(e.target)).map((e) => `${e.source}:${e.sourcePort}>${e.target}:${e.targetPort}`).sort().join('\n');
  return wires(fresh.edges) !== wires(doc.edges);
}

const refIn = (g: GroupRef, id: NodeId): GroupRef => {
  let r = g;
  while (r.id !== id && r.parent) r = r.parent;
  return r;
};

const cardOf = (ref: GroupRef): GraphNode => ({ id: ref.id, op: ref.kind, name: ref.name, params: ref.params, position: ref.position, ...(ref.parent ? { group: ref.parent } : {}) });

/** True when a node came from expanding `groupId` (directly or through a nested group). */
export function inGroup(n: GraphNode, groupId: NodeId): boolean {
  for (let g = n.group; g; g = g.parent) if (g.id === groupId) return true;
  return false;
}

/**
 * Carries out a suggested fix. `insert-projection` puts a 1×1 conv + BN on the named input of
 * an Add, with the stride and channels that make both inputs agree.
 */
export function applyFix(doc: ResidualDocument, fix: Fix, analysis?: Pick<Analysis, 'edges'>): ResidualDocument {
  switch (fix.kind) {
    case 'set-params':
      return updateParams(doc, fix.nodeId, fix.params);
    case 'remove-edge':
      return removeEdges(doc, [fix.edgeId]);
    case 'insert-projection': {
      const e = doc.edges.find((x) => x.target === fix.addId && x.targetPort === fix.port);
      const add = doc.nodes.find((n) => n.id === fix.addId);
      const other = doc.edges.find((x) => x.target === fix.addId && x.targetPort !== fix.port);
      const input = e && analysis?.edges.get(e.id);
      const target = other && analysis?.edges.get(other.id);
      if (!e || !add || !input || !target) return doc;
      const shapes = { input, target };
      const stride = Math.max(1, Math.round((shapes.input[1] ?? 1) / (shapes.target[1] ?? 1)));
      let d = removeEdges(doc, [e.id]);
      const pos = { x: add.position.x + 220, y: add.position.y - 120 };
      const conv = addNode(d, 'Conv2d', { position: pos, params: { outChannels: shapes.target[0]!, kernel: 1, stride, padding: 0 }, name: `${add.name}.downsample.0` });
      d = conv.doc;
      const bn = addNode(d, 'BatchNorm2d', { position: { x: pos.x, y: pos.y + 60 }, name: `${add.name}.downsample.1` });
      d = bn.doc;
      d = connect(d, { source: e.source, sourcePort: e.sourcePort, target: conv.id, targetPort: 0 }).doc;
      d = connect(d, { source: conv.id, sourcePort: 0, target: bn.id, targetPort: 0 }).doc;
      return connect(d, { source: bn.id, sourcePort: 0, target: add.id, targetPort: fix.port }).doc;
    }
  }
}

/** Nodes in topological order (for layout and export), cycles appended. */
export function orderedNodes(doc: ResidualDocument): GraphNode[] {
  const { order, cyclic } = topoOrder(doc.nodes, doc.edges);
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  return [...order, ...cyclic].map((id) => byId.get(id)!);
}
