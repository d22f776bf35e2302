import { diag, msg, type Diagnostic, type MessageRef } from '../diagnostics/catalogue.ts';
import { expandNode, inGroup } from '../graph/edit.ts';
import { edgeId, nodeId, type NodeId } from '../graph/ids.ts';
import type { BlockParamSpec, GraphEdge, GraphNode, ParamBinding, Position, ResidualDocument, Shape, UserBlockDef } from '../graph/types.ts';
import { getOp, isStageKind, isUserKind, OPS, userBlockDef, userKind } from '../ops/registry.ts';
import { resolveParams } from '../ops/validate.ts';

/**
 * User-defined blocks: making a block type from layers on the canvas, editing its definition (every
 * instance follows, in one document change, so one undo step), detaching an instance back into
 * plain layers, and checking a definition's wiring. All return data; a selection that cannot be a
 * block comes back with a diagnostic saying why.
 */

/** What {@link makeBlock} answers: the new document with the instance's id, or why not. */
export interface MakeBlockResult {
  readonly doc: ResidualDocument;
  /** The instance that replaced the selection. */
  readonly id?: NodeId;
  /** The new definition's id (its kind is `user:<defId>`). */
  readonly defId?: string;
  readonly diagnostics: readonly Diagnostic[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,79}$/;
const fail = (doc: ResidualDocument, ref: MessageRef, nodeIdOf?: NodeId): MakeBlockResult => ({ doc, diagnostics: [diag('RS110', ref, nodeIdOf ? { nodeId: nodeIdOf } : {})] });

/** The longest dotted prefix all names share (`layer1.0` for `layer1.0.conv1`, `layer1.0.bn1`), or ''. */
function commonPrefix(names: readonly string[]): string {
  const parts = names.map((n) => n.split('.'));
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const p = parts[0]![i];
    // Keep at least one segment of every name as its local name.
    if (p === undefined || parts.some((x) => x.length <= i + 1 || x[i] !== p)) break;
    out.push(p);
  }
  return out.join('.');
}

/** A definition id from a block name, not yet in the library: `myblock`, `myblock-2`. */
function freshDefId(doc: ResidualDocument, name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9_]+/g, '') || 'block';
  const used = new Set((doc.blocks ?? []).map((d) => d.id));
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}

/**
 * The params a block made from these layers offers, and where each goes: `width` the output
 * channels (every convolution producing them), `stride` the downsampling (the convolutions that
 * stride, or else the first convolution on each path from x: the main path's and a projection's).
 */
export function proposeParams(def: Pick<UserBlockDef, 'nodes' | 'edges' | 'entries' | 'exit'>): { params: BlockParamSpec[]; bindings: ParamBinding[] } {
  const convs = def.nodes.filter((n) => n.op === 'Conv2d');
  if (convs.length === 0) return { params: [], bindings: [] };
  // The block's output channels: the last convolution before the exit on the main path.
  const byId = new Map(def.nodes.map((n) => [n.id, n]));
  const incoming = new Map<NodeId, NodeId[]>();
  for (const e of def.edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  let outConv: GraphNode | undefined;
  const seen = new Set<NodeId>();
  const queue: NodeId[] = [def.exit];
  while (queue.length && !outConv) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = byId.get(id);
    if (n?.op === 'Conv2d') outConv = n;
    else queue.push(...(incoming.get(id) ?? []));
  }
  const params: BlockParamSpec[] = [];
  const bindings: ParamBinding[] = [];
  if (outConv) {
    const width = Number(outConv.params['outChannels']);
    params.push({ name: 'width', type: 'int', default: width, min: 1, max: 8192 });
    for (const c of convs) if (Number(c.params['outChannels']) === width) bindings.push({ param: 'width', node: c.id, field: 'outChannels' });
  }
  const maxStride = Math.max(...convs.map((c) => Number(c.params['stride'] ?? 1)));
  const strided = maxStride > 1 ? convs.filter((c) => Number(c.params['stride']) === maxStride) : firstConvs(def, byId);
  params.push({ name: 'stride', type: 'int', default: maxStride, min: 1, max: 4 });
  for (const c of strided) bindings.push({ param: 'stride', node: c.id, field: 'stride' });
  return { params, bindings };
}

/** The first convolution on each path from x (walking forward from the entries). */
function firstConvs(def: Pick<UserBlockDef, 'edges' | 'entries'>, byId: ReadonlyMap<NodeId, GraphNode>): GraphNode[] {
  const out = new Map<NodeId, GraphNode>();
  const next = new Map<NodeId, NodeId[]>();
  for (const e of def.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<NodeId>();
  const walk = (id: NodeId) => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = byId.get(id);
    if (!n) return;
    if (n.op === 'Conv2d') return void out.set(id, n);
    if (n.op === 'Add' || n.op === 'Concat' || n.op === 'Mul') return;
    for (const t of next.get(id) ?? []) walk(t);
  };
  for (const x of def.entries) walk(x.node);
  return [...out.values()];
}

/**
 * Makes a block type from the selected layers and puts one instance of it where they were. The
 * selection must read one tensor x from outside (it may enter at several layers: the main path
 * and the shortcut) and give one tensor back; the layers keep their names under the instance
 * (a selection of `layer1.0.*` becomes instance `layer1.0` with layers `conv1`, `bn1`, …), so the
 * network computes and exports exactly as before. Params default to {@link proposeParams}.
 *
 * @example
 * const r = makeBlock(doc, ids, { name: 'MyBlock' });
 * if (!r.id) console.error(r.diagnostics[0].message);
 */
export function makeBlock(
  doc: ResidualDocument,
  ids: readonly NodeId[],
  opts: {
    readonly name: string;
    readonly params?: readonly BlockParamSpec[];
    readonly bindings?: readonly ParamBinding[];
    /** Name prefix the layers' local names are taken under (default: the one they all share). */
    readonly prefix?: string;
  },
): MakeBlockResult {
  const name = opts.name.trim();
  if (!NAME.test(name)) return fail(doc, msg('make-block-name', { name }));
  if ((doc.blocks ?? []).some((d) => d.name === name)) return fail(doc, msg('make-block-name-taken', { name }));
  const sel = new Set(ids);
  const nodes = doc.nodes.filter((n) => sel.has(n.id));
  if (nodes.length === 0) return fail(doc, msg('make-block-empty'));
  for (const n of nodes) {
    if (n.op === 'Input' || n.op === 'Output' || isUserKind(n.op) || isStageKind(n.op) || n.op === 'Opaque') return fail(doc, msg('make-block-op', { node: n.name, op: n.op }), n.id);
  }
  const inEdges = doc.edges.filter((e) => sel.has(e.target) && !sel.has(e.source));
  const outEdges = doc.edges.filter((e) => sel.has(e.source) && !sel.has(e.target));
  const tensor = (e: GraphEdge) => `${e.source}:${e.sourcePort}`;
  const nameOf = (id: NodeId) => doc.nodes.find((n) => n.id === id)?.name ?? id;
  const inputs = [...new Set(inEdges.map(tensor))];
  if (inputs.length === 0) return fail(doc, msg('make-block-no-input'));
  if (inputs.length > 1) return fail(doc, msg('make-block-inputs', { n: inputs.length, names: [...new Set(inEdges.map((e) => nameOf(e.source)))].join(', ') }));
  const outputs = [...new Set(outEdges.map(tensor))];
  if (outputs.length > 1) return fail(doc, msg('make-block-outputs', { n: outputs.length, names: [...new Set(outEdges.map((e) => nameOf(e.source)))].join(', ') }));
  let exit: GraphNode | undefined;
  if (outputs.length === 1) exit = nodes.find((n) => n.id === outEdges[0]!.source);
  else {
    const sinks = nodes.filter((n) => !doc.edges.some((e) => e.source === n.id && sel.has(e.target)));
    if (sinks.length === 1) exit = sinks[0];
  }
  if (!exit) return fail(doc, msg('make-block-no-output'));

  const prefix = opts.prefix ?? commonPrefix(nodes.map((n) => n.name));
  const local = new Map(nodes.map((n) => [n.id, nodeId(prefix && n.name.startsWith(`${prefix}.`) ? n.name.slice(prefix.length + 1) : n.name)]));
  const origin: Position = { x: Math.min(...nodes.map((n) => n.position.x)), y: Math.min(...nodes.map((n) => n.position.y)) };
  const defNodes: GraphNode[] = nodes.map((n) => ({
    id: local.get(n.id)!,
    op: n.op,
    name: local.get(n.id)!,
    params: resolveParams(n, doc.blocks).params,
    position: { x: n.position.x - origin.x, y: n.position.y - origin.y },
  }));
  const defEdges: GraphEdge[] = doc.edges
    .filter((e) => sel.has(e.source) && sel.has(e.target))
    .map((e) => {
      const source = local.get(e.source)!;
      const target = local.get(e.target)!;
      return { id: edgeId(`${source}->${target}:${e.targetPort}`), source, sourcePort: e.sourcePort, target, targetPort: e.targetPort };
    });
  const shape = { nodes: defNodes, edges: defEdges, entries: inEdges.map((e) => ({ node: local.get(e.target)!, port: e.targetPort })), exit: local.get(exit.id)! };
  const proposed = opts.params ? { params: [...opts.params], bindings: [...(opts.bindings ?? [])] } : proposeParams(shape);
  const def: UserBlockDef = { id: freshDefId(doc, name), name, ...shape, params: proposed.params, bindings: proposed.bindings };
  const problem = checkBlockDef(def);
  if (problem) return fail(doc, problem);

  const kind = userKind(def.id);
  const taken = new Set(doc.nodes.filter((n) => !sel.has(n.id)).map((n) => n.name));
  let instName = prefix && !taken.has(prefix) ? prefix : '';
  for (let i = 1; !instName; i++) if (!taken.has(`${name.toLowerCase()}_${i}`)) instName = `${name.toLowerCase()}_${i}`;
  const used = new Set(doc.nodes.map((n) => n.id as string));
  let instId = nodeId(instName);
  for (let i = 2; used.has(instId) && !sel.has(instId); i++) instId = nodeId(`${instName}-${i}`);
  const instance: GraphNode = {
    id: instId,
    op: kind,
    name: instName,
    params: Object.fromEntries(def.params.map((p) => [p.name, p.default])),
    position: origin,
  };
  const src = inEdges[0]!;
  const edges: GraphEdge[] = [
    ...doc.edges.filter((e) => !sel.has(e.source) && !sel.has(e.target)),
    { id: edgeId(`e:${src.source}:${src.sourcePort}->${instId}:0`), source: src.source, sourcePort: src.sourcePort, target: instId, targetPort: 0 },
    ...outEdges.map((e) => ({ ...e, id: edgeId(`e:${instId}:0->${e.target}:${e.targetPort}`), source: instId, sourcePort: 0 })),
  ];
  const at = doc.nodes.findIndex((n) => sel.has(n.id));
  const rest = doc.nodes.filter((n) => !sel.has(n.id));
  return {
    doc: { ...doc, nodes: [...rest.slice(0, at), instance, ...rest.slice(at)], edges, blocks: [...(doc.blocks ?? []), def] },
    id: instId,
    defId: def.id,
    diagnostics: [],
  };
}

/**
 * Why a definition cannot be used, or undefined when it is sound: every edge, entry, the exit and
 * each binding name a layer it has; ids and names are unique; it holds layers and built-in
 * blocks only (no user block inside another, so no block can contain itself); a binding's field
 * is one its layer's op declares, and each param it maps is declared.
 */
export function checkBlockDef(def: UserBlockDef): MessageRef | undefined {
  const wrap = (problem: MessageRef) => msg('block-def-wiring', { block: def.name, problem });
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const n of def.nodes) {
    if (ids.has(n.id) || names.has(n.name)) return wrap(msg('block-def-duplicate', { node: n.id }));
    ids.add(n.id);
    names.add(n.name);
    if (isUserKind(n.op)) return wrap(msg('block-def-nested', { node: n.name, op: n.op }));
    if (n.op === 'Input' || n.op === 'Output' || !(n.op in OPS)) return wrap(msg('make-block-op', { node: n.name, op: n.op }));
  }
  for (const e of def.edges) for (const x of [e.source, e.target]) if (!ids.has(x)) return wrap(msg('block-def-unknown-node', { node: x }));
  for (const x of def.entries) if (!ids.has(x.node)) return wrap(msg('block-def-unknown-node', { node: x.node }));
  if (!ids.has(def.exit)) return wrap(msg('block-def-unknown-node', { node: def.exit }));
  const declared = new Set(def.params.map((p) => p.name));
  for (const b of def.bindings) {
    const n = def.nodes.find((x) => x.id === b.node);
    if (!n) return wrap(msg('block-def-unknown-node', { node: b.node }));
    if (!declared.has(b.param) || !getOp(n.op).params.some((p) => p.name === b.field)) return wrap(msg('make-block-param', { param: b.param, node: n.name, field: b.field }));
  }
  return undefined;
}

/**
 * Replaces a definition (its layers, params or name): every instance follows, since instances
 * hold only their params. Instance params the new definition no longer declares are dropped and
 * new ones take their defaults. One new document: one undo step.
 */
export function updateBlockDef(doc: ResidualDocument, def: UserBlockDef): { doc: ResidualDocument; diagnostics: readonly Diagnostic[] } {
  const problem = checkBlockDef(def);
  if (problem) return { doc, diagnostics: [diag('RS110', problem)] };
  const kind = userKind(def.id);
  const blocks = (doc.blocks ?? []).map((d) => (d.id === def.id ? def : d));
  const nodes = doc.nodes.map((n) => (n.op === kind ? { ...n, params: Object.fromEntries(def.params.map((p) => [p.name, n.params[p.name] ?? p.default])) } : n));
  return { doc: { ...doc, blocks, nodes }, diagnostics: [] };
}

/**
 * Makes an expanded instance's layers, as they are now edited (plus `extra` layers added among
 * them), the definition of its block, and collapses it: every other instance changes with it in
 * the same document change. Bindings to layers that are gone are dropped.
 */
export function redefineFromExpanded(doc: ResidualDocument, groupId: NodeId, extra: readonly NodeId[] = []): { doc: ResidualDocument; diagnostics: readonly Diagnostic[] } {
  const mine = doc.nodes.filter((n) => inGroup(n, groupId));
  let ref = mine[0]?.group;
  while (ref && ref.id !== groupId) ref = ref.parent;
  const old = ref && userBlockDef(ref.kind, doc.blocks);
  if (!ref || !old) return { doc, diagnostics: [diag('RS110', msg('make-block-empty'))] };
  const sel = new Set<NodeId>([...mine.map((n) => n.id), ...extra]);
  const stripped = { ...doc, nodes: doc.nodes.map((n) => (sel.has(n.id) ? stripGroup(n, groupId) : n)), blocks: (doc.blocks ?? []).filter((d) => d.id !== old.id) };
  const made = makeBlock(stripped, [...sel], { name: old.name, params: old.params, bindings: [], prefix: ref.name });
  if (!made.id) return { doc, diagnostics: made.diagnostics };
  const fresh = made.doc.blocks!.find((d) => d.id === made.defId)!;
  const localIds = new Set(fresh.nodes.map((n) => n.id as string));
  const def: UserBlockDef = { ...fresh, id: old.id, params: old.params, bindings: old.bindings.filter((b) => localIds.has(b.node)) };
  const problem = checkBlockDef(def);
  if (problem) return { doc, diagnostics: [diag('RS110', problem)] };
  // The instance made stands where the group was: a card of the old kind with its own params.
  const card = ref;
  const nodes = made.doc.nodes.map((n) => (n.id === made.id ? { id: card.id, op: card.kind, name: card.name, params: card.params, position: card.position, ...(card.parent ? { group: card.parent } : {}) } : n));
  const edges = made.doc.edges.map((e) => ({ ...e, source: e.source === made.id ? card.id : e.source, target: e.target === made.id ? card.id : e.target }));
  const blocks = (doc.blocks ?? []).map((d) => (d.id === old.id ? def : d));
  return { doc: { ...made.doc, nodes, edges, blocks }, diagnostics: [] };
}

/**
 * Layers added among an expanded group's members: not in the group, yet fed only by its members
 * (or other such layers) and feeding only them, like a ReLU wired in between two of its layers.
 * Editing an expanded instance and updating its definition takes these in, and nothing else —
 * layers before or after the block, however they are selected, stay outside it.
 */
export function layersInside(doc: ResidualDocument, groupId: NodeId): NodeId[] {
  const members = new Set(doc.nodes.filter((n) => inGroup(n, groupId)).map((n) => n.id));
  const inside = new Set(doc.nodes.filter((n) => !members.has(n.id) && n.op !== 'Input' && n.op !== 'Output').map((n) => n.id));
  const ok = (id: NodeId) => members.has(id) || inside.has(id);
  // Drop candidates wired to anything outside until none is: a DAG, so this ends.
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of inside) {
      const ins = doc.edges.filter((e) => e.target === id);
      const outs = doc.edges.filter((e) => e.source === id);
      if (ins.length === 0 || outs.length === 0 || !ins.every((e) => ok(e.source)) || !outs.every((e) => ok(e.target))) {
        inside.delete(id);
        changed = true;
      }
    }
  }
  return [...inside];
}

/** A member of an expanded group as a plain layer: the group `groupId` leaves its chain of groups. */
function stripGroup(n: GraphNode, groupId: NodeId): GraphNode {
  const chain: NonNullable<GraphNode['group']>[] = [];
  for (let g = n.group; g; g = g.parent) chain.push(g);
  const at = chain.findIndex((g) => g.id === groupId);
  if (at < 0) return n;
  const { group: _dropped, ...rest } = n;
  let g = chain[at]!.parent;
  // Groups inside the instance (a built-in block in it, itself expanded) stay, now under the instance's parent.
  for (const x of chain.slice(0, at).reverse()) {
    const { parent: _p, ...own } = x;
    g = g ? { ...own, parent: g } : own;
  }
  return g ? { ...rest, group: g } : rest;
}

/**
 * Detaches an instance: its layers replace it as plain layers (no longer an instance, so later
 * edits of the definition leave them alone). `inputShape` is the instance's input, from analysis.
 */
export function detachInstance(doc: ResidualDocument, id: NodeId, inputShape: Shape): ResidualDocument {
  const node = doc.nodes.find((n) => n.id === id);
  if (!node || !userBlockDef(node.op, doc.blocks)) return doc;
  const expanded = expandNode(doc, id, inputShape);
  if (expanded === doc) return doc;
  return { ...expanded, nodes: expanded.nodes.map((n) => (inGroup(n, id) ? stripGroup(n, id) : n)) };
}

/** Removes a definition nobody uses any more (instances keep it alive: detach or delete them first). */
export function removeBlockDef(doc: ResidualDocument, defId: string): ResidualDocument {
  const kind = userKind(defId);
  if (doc.nodes.some((n) => n.op === kind || (n.group && hasKind(n.group, kind)))) return doc;
  return { ...doc, blocks: (doc.blocks ?? []).filter((d) => d.id !== defId) };
}

const hasKind = (g: NonNullable<GraphNode['group']>, kind: string): boolean => g.kind === kind || (g.parent !== undefined && hasKind(g.parent, kind));

/** Instances of a definition in the document (collapsed cards and expanded groups). */
export function instancesOf(doc: ResidualDocument, defId: string): NodeId[] {
  const kind = userKind(defId);
  const out = new Set<NodeId>();
  for (const n of doc.nodes) {
    if (n.op === kind) out.add(n.id);
    for (let g = n.group; g; g = g.parent) if (g.kind === kind) out.add(g.id);
  }
  return [...out];
}
