/**
 * Import of user-defined blocks: where a file's layers are wired exactly as a block of the given
 * library (the document's own, or one the user opened), they become one instance card of it,
 * carrying its members' weights under the names its expansion gives them (`conv1.weight`,
 * `downsample.0.weight`).
 *
 * The pattern is the definition itself: its layers and edges, matched backwards from its exit
 * layer port by port (either order for the two inputs of an Add or Mul, which PyTorch writes
 * either way round). The instance's params are read off the layers its bindings map them onto,
 * and a match stands only when the definition expanded with those params builds every matched
 * layer again, field for field — so what becomes a card is exactly what the card computes.
 */
import { nodeId, type NodeId } from '../../graph/ids.ts';
import type { GraphNode, Params, ParamValue, Shape, UserBlockDef } from '../../graph/types.ts';
import { isBlockKind, userKind } from '../../ops/registry.ts';
import { resolveParams } from '../../ops/validate.ts';
import { userBlockOp } from '../../blocks/user-block.ts';
import { NEVER, type Deadline } from './deadline.ts';
import type { ImportedTensor, ImportLayer } from './layers.ts';
import { applyReplacements } from './replace-layers.ts';

const EXPAND_OPTS = { projectionEverywhere: false, zeroInitResidual: false } as const;
/** Ops whose two inputs may come in either order. */
const COMMUTATIVE = new Set(['Add', 'Mul']);

/** One definition as a pattern: its layers by id, and each layer's inputs by port (a layer id, or x). */
interface Pattern {
  readonly def: UserBlockDef;
  /** The folded form's convs that stand for a conv → BN pair of the definition: conv id → BN id. */
  readonly folded: ReadonlyMap<NodeId, NodeId>;
  readonly nodes: ReadonlyMap<NodeId, GraphNode>;
  /** Per layer, per input port: the layer whose output 0 feeds it, or `null` for the block's x. */
  readonly inputs: ReadonlyMap<NodeId, readonly (NodeId | null)[]>;
  /** The layer whose output is the block's. */
  readonly exit: NodeId;
}

function patternOf(def: UserBlockDef, shape: Pick<UserBlockDef, 'nodes' | 'edges' | 'entries' | 'exit'> = def, folded: ReadonlyMap<NodeId, NodeId> = new Map()): Pattern | undefined {
  const nodes = new Map(shape.nodes.map((n) => [n.id, n]));
  const inputs = new Map<NodeId, (NodeId | null | undefined)[]>(shape.nodes.map((n) => [n.id, []]));
  for (const e of shape.edges) {
    // A layer reading another output than 0 is not a shape the importer's layers have.
    if (e.sourcePort !== 0) return undefined;
    inputs.get(e.target)![e.targetPort] = e.source;
  }
  for (const x of shape.entries) inputs.get(x.node)![x.port] = null;
  for (const ins of inputs.values()) if ([...ins].some((i) => i === undefined)) return undefined;
  return { def, folded, nodes, inputs: inputs as Map<NodeId, (NodeId | null)[]>, exit: shape.exit };
}

/**
 * The definition as PyTorch exports it in eval mode, BN folded into the convolutions: each BN fed
 * only by a conv that feeds nothing else is gone, and that conv has a bias. Undefined when the
 * definition has no such pair.
 */
function foldedPatternOf(def: UserBlockDef): Pattern | undefined {
  const folded = new Map<NodeId, NodeId>();
  for (const bn of def.nodes) {
    if (bn.op !== 'BatchNorm2d') continue;
    const into = def.edges.filter((e) => e.target === bn.id);
    const conv = into.length === 1 ? def.nodes.find((n) => n.id === into[0]!.source && n.op === 'Conv2d') : undefined;
    if (conv && def.edges.filter((e) => e.source === conv.id).length === 1 && def.exit !== conv.id) folded.set(conv.id, bn.id);
  }
  if (folded.size === 0) return undefined;
  const gone = new Set(folded.values());
  const convOf = new Map([...folded].map(([c, b]) => [b, c]));
  const nodes = def.nodes.filter((n) => !gone.has(n.id)).map((n) => (folded.has(n.id) ? { ...n, params: { ...n.params, bias: true } } : n));
  const edges = def.edges.filter((e) => !gone.has(e.target)).map((e) => (gone.has(e.source) ? { ...e, source: convOf.get(e.source)! } : e));
  return patternOf(def, { nodes, edges, entries: def.entries, exit: convOf.get(def.exit) ?? def.exit }, folded);
}

/** Definitions the importer can look for before any built-in block is recovered (layers only), and after (holding built-in blocks). */
export function splitLibrary(library: readonly UserBlockDef[]): { layersOnly: UserBlockDef[]; withBlocks: UserBlockDef[] } {
  const withBlocks = library.filter((d) => d.nodes.some((n) => isBlockKind(n.op)));
  return { layersOnly: library.filter((d) => !withBlocks.includes(d)), withBlocks };
}

/** The params of a layer that decide what it computes (BN's `lastInBlock` only says where zero-init applies). */
function sameParams(ours: Params, theirs: Params): boolean {
  return Object.entries(ours).every(([k, v]) => k === 'lastInBlock' || (typeof v === 'number' && k === 'eps' ? Math.abs(Number(theirs[k]) - v) < 1e-9 : theirs[k] === v));
}

const resolved = (op: GraphNode['op'], params: Params): Params => resolveParams({ id: nodeId('p'), op, name: 'p', params, position: { x: 0, y: 0 } }).params;

/**
 * Replaces every instance of the library's blocks found in `layers` (topological order) by one
 * block layer of kind `user:<id>`. Blocks listed first win where two could claim the same layers.
 * `protectedValues` (graph outputs) stay visible: a block cannot hide them.
 *
 * @example
 * recoverUserBlocks(mapped.layers, mapped.shapes, new Set(mapped.outputs), doc.blocks ?? []); // MyBlock used twice: two MyBlock layers
 */
export function recoverUserBlocks(
  layers: readonly ImportLayer[],
  shapes: ReadonlyMap<string, Shape | undefined>,
  protectedValues: ReadonlySet<string>,
  library: readonly UserBlockDef[],
  time: Deadline = NEVER,
): ImportLayer[] {
  const patterns = library.flatMap((d) => [patternOf(d), foldedPatternOf(d)]).filter((p): p is Pattern => p !== undefined);
  if (patterns.length === 0) return [...layers];
  const producer = new Map<string, ImportLayer>();
  const consumers = new Map<string, ImportLayer[]>();
  for (const l of layers) {
    producer.set(l.output, l);
    for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l]);
  }
  const replaced = new Map<ImportLayer, ImportLayer | null>();
  for (const p of patterns) {
    const exit = p.nodes.get(p.exit)!;
    for (const last of layers) {
      time.check();
      if (last.op !== exit.op || replaced.has(last)) continue;
      const found = tryInstance(p, last, producer, consumers, shapes, protectedValues);
      if (!found || found.members.some((m) => replaced.has(m))) continue;
      for (const m of found.members) replaced.set(m, m === last ? found.layer : null);
    }
  }
  return applyReplacements(layers, replaced);
}

/** A partial match: pattern layer → file layer, and the tensor that is x once known. */
interface Match {
  readonly map: Map<NodeId, ImportLayer>;
  x?: string;
}

/** Matches pattern layer `id` onto `layer` and, recursively, everything feeding it; false (and `m` as it was) on failure. */
function matchAt(p: Pattern, id: NodeId, layer: ImportLayer, producer: ReadonlyMap<string, ImportLayer>, m: Match): boolean {
  const have = m.map.get(id);
  if (have) return have === layer;
  if ([...m.map.values()].includes(layer)) return false;
  const node = p.nodes.get(id)!;
  const ins = p.inputs.get(id)!;
  if (layer.op !== node.op || layer.inputs.length !== ins.length) return false;
  const orders = COMMUTATIVE.has(node.op) && ins.length === 2 ? [[0, 1], [1, 0]] : [ins.map((_, i) => i)];
  for (const order of orders) {
    const saved = { map: new Map(m.map), x: m.x };
    m.map.set(id, layer);
    const ok = ins.every((src, port) => {
      const v = layer.inputs[order[port]!]!;
      if (src === null) {
        if (m.x === undefined) m.x = v;
        return m.x === v;
      }
      const prod = producer.get(v);
      return prod !== undefined && matchAt(p, src, prod, producer, m);
    });
    if (ok) return true;
    m.map.clear();
    for (const [k, v] of saved.map) m.map.set(k, v);
    m.x = saved.x;
  }
  return false;
}

function tryInstance(
  p: Pattern,
  last: ImportLayer,
  producer: ReadonlyMap<string, ImportLayer>,
  consumers: ReadonlyMap<string, readonly ImportLayer[]>,
  shapes: ReadonlyMap<string, Shape | undefined>,
  protectedValues: ReadonlySet<string>,
): { layer: ImportLayer; members: ImportLayer[] } | undefined {
  const m: Match = { map: new Map() };
  if (!matchAt(p, p.exit, last, producer, m) || m.map.size !== p.nodes.size || m.x === undefined) return undefined;
  const input = shapes.get(m.x);
  if (!input) return undefined;
  const members = [...m.map.values()];
  const inside = new Set(members);
  // Every member's output but the block's own stays inside the block.
  if (members.some((l) => l !== last && (protectedValues.has(l.output) || (consumers.get(l.output) ?? []).some((c) => !inside.has(c))))) return undefined;

  // The instance's params, from the layers its bindings map them onto.
  const params: Record<string, ParamValue> = {};
  const foldedBns = new Set(p.folded.values());
  for (const b of p.def.bindings) {
    if (foldedBns.has(b.node)) continue;
    const layer = m.map.get(b.node);
    const raw = layer ? resolved(layer.op, layer.params)[b.field] : undefined;
    if (raw === undefined) return undefined;
    const v = typeof raw === 'number' && b.scale !== undefined ? raw / b.scale : raw;
    if (params[b.param] !== undefined && params[b.param] !== v) return undefined;
    params[b.param] = v;
  }
  const ordered: Record<string, ParamValue> = {};
  for (const s of p.def.params) {
    const v = params[s.name] ?? s.default;
    if (s.type === 'int' && !(typeof v === 'number' && Number.isInteger(v) && v >= (s.min ?? -Infinity) && v <= (s.max ?? Infinity))) return undefined;
    ordered[s.name] = v;
  }
  // What the definition builds with those params must be what the file has, layer by layer.
  const name = 'b';
  const node: GraphNode = { id: nodeId(name), op: userKind(p.def.id), name, params: ordered, position: { x: 0, y: 0 } };
  const built = userBlockOp(p.def).expand!(node, input, EXPAND_OPTS).nodes;
  for (const b of built) {
    const local = nodeId(b.id.slice(`${name}/`.length));
    if (foldedBns.has(local)) continue;
    const layer = m.map.get(local)!;
    const ours = resolved(b.op, b.params);
    if (!sameParams(p.folded.has(local) ? { ...ours, bias: true } : ours, resolved(layer.op, layer.params))) return undefined;
  }

  const weights = new Map<string, ImportedTensor>();
  for (const [id, layer] of m.map) {
    const local = p.nodes.get(id)!.name;
    const bn = p.folded.get(id);
    if (bn === undefined) {
      for (const [k, t] of layer.weights) weights.set(`${local}.${k}`, t);
      continue;
    }
    if (!foldedWeights(weights, local, p.nodes.get(id)!, p.def.nodes.find((n) => n.id === bn)!, layer)) return undefined;
  }
  return { layer: { op: userKind(p.def.id), params: ordered, inputs: [m.x], output: last.output, hint: instanceHint(p, m) || p.def.name.toLowerCase(), weights, source: last.source }, members };
}

/**
 * The weights of a conv → BN pair from the conv PyTorch folded them into: the conv keeps the folded
 * weight, and the BN passes its input through plus the folded bias (γ 1, mean 0, variance 1 − ε,
 * so its scale is exactly 1; β the bias, or 0 where the definition's conv has a bias of its own).
 * The card then computes what the file computes; training it starts BN's statistics from there.
 */
function foldedWeights(into: Map<string, ImportedTensor>, local: string, conv: GraphNode, bn: GraphNode, layer: ImportLayer): boolean {
  const w = layer.weights.get('weight');
  const b = layer.weights.get('bias');
  if (!w || !b) return false;
  const c = b.data.length;
  const eps = Number(resolved('BatchNorm2d', bn.params)['eps']);
  const fill = (v: number): ImportedTensor => ({ dims: [c], data: new Float32Array(c).fill(v) });
  const ownBias = resolved('Conv2d', conv.params)['bias'] === true;
  into.set(`${local}.weight`, w);
  if (ownBias) into.set(`${local}.bias`, b);
  into.set(`${bn.name}.weight`, fill(1));
  into.set(`${bn.name}.bias`, ownBias ? fill(0) : b);
  into.set(`${bn.name}.running_mean`, fill(0));
  into.set(`${bn.name}.running_var`, fill(1 - eps));
  return true;
}

/** The instance's name the file suggests: `layer1.0` when its layers are `layer1.0.conv1`, `layer1.0.bn1`, … (the most common such prefix). */
function instanceHint(p: Pattern, m: Match): string {
  const votes = new Map<string, number>();
  for (const [id, layer] of m.map) {
    const local = `.${p.nodes.get(id)!.name}`;
    if (layer.hint.endsWith(local) && layer.hint.length > local.length) {
      const prefix = layer.hint.slice(0, -local.length);
      votes.set(prefix, (votes.get(prefix) ?? 0) + 1);
    }
  }
  let best = '';
  let n = 0;
  for (const [prefix, c] of votes) if (c > n) [best, n] = [prefix, c];
  return best;
}
