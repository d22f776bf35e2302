import { shortcutLabel, type ShortcutKind } from '../blocks/shortcut.ts';
import { diag, fixLabel, msg, type Diagnostic, type MessageRef } from '../diagnostics/catalogue.ts';
import type { EdgeId, NodeId } from '../graph/ids.ts';
import { topoOrder } from '../graph/topo.ts';
import type { GraphEdge, GraphNode, LayerKind, OpKind, Params, ResidualDocument, Shape } from '../graph/types.ts';
import { fmtShape, isUnknownShape, numel, UNKNOWN_SHAPE } from '../ops/common.ts';
import { getOp, isBlockKind, isResidualBlockKind, isStageKind, outputCount, type BlockLibrary } from '../ops/registry.ts';
import { shortcutOfExpansion } from '../blocks/expansion-shortcut.ts';
import type { Cost, ExpandOptions } from '../ops/types.ts';
import { resolveParams } from '../ops/validate.ts';
import { fingerprint } from './fingerprint.ts';

/** One layer of the flattened network: what the compiler lowers. */
export interface FlatLayer {
  readonly id: NodeId;
  readonly op: LayerKind;
  readonly name: string;
  readonly params: Params;
  /** Producer (layer id, output port) of each input port. */
  readonly inputs: readonly { readonly layer: NodeId; readonly port: number }[];
  readonly inputShapes: readonly Shape[];
  readonly outputShapes: readonly Shape[];
  readonly cost: Cost;
  /** Fingerprint of what owns this layer's weights (layer params + enclosing block params). */
  readonly owner: string;
  /** The document node this layer is part of (itself, or the collapsed block/stage). */
  readonly docNode: NodeId;
}

/** A shortcut connection, classified the way the paper draws it. */
export interface ShortcutInfo {
  /** The block node (collapsed) or the Add node (hand-built or expanded) the shortcut ends at. */
  readonly at: NodeId;
  readonly kind: ShortcutKind;
  /** Identity keeps dimensions (solid arc); projection and zero-pad change them (dashed arc). */
  readonly keepsDimensions: boolean;
  /** The shortcut's own stride (1 for the identity): its label says it, e.g. "1x1 conv, /2". */
  readonly stride: number;
  readonly label: string;
  /** Where the shortcut leaves the main path (document node whose output x is), if known. */
  readonly from?: NodeId;
  /** Document nodes on the shortcut path (e.g. the projection conv and BN), excluding ends. */
  readonly path: readonly NodeId[];
  /** Document edges on the shortcut path (empty for a collapsed block). */
  readonly edges: readonly EdgeId[];
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** True when the shortcut lies inside one collapsed block card. */
  readonly collapsed: boolean;
}

/** Everything derived about one document node. */
export interface NodeInfo {
  readonly id: NodeId;
  readonly op: OpKind;
  readonly params: Params;
  readonly inputShapes: readonly (Shape | undefined)[];
  readonly outputShapes: readonly (Shape | undefined)[];
  readonly cost: Cost;
  /** Flat layers implementing this node (itself for a layer). */
  readonly layers: readonly NodeId[];
  /** The flat layer whose output 0 is this node's output. */
  readonly outputLayer?: NodeId;
  /** ONNX tensor names for activation inspection. For blocks: F(x), the shortcut's x, and F(x)+x. */
  readonly tensors: { readonly output?: string; readonly mainPath?: string; readonly shortcut?: string; readonly sum?: string };
  readonly shortcut?: ShortcutInfo;
}

/** Aggregated cost of a stage (blocks sharing a stage). */
export interface StageSummary {
  readonly name: string;
  readonly blocks: number;
  readonly params: number;
  readonly macs: number;
  readonly outShape?: Shape;
}

/** Totals shown in the status bar and the CLI summary. */
export interface Totals {
  readonly params: number;
  readonly macs: number;
  readonly otherOps: number;
  readonly layers: number;
  readonly blocks: { readonly identity: number; readonly projection: number; readonly zeroPad: number };
  readonly weightBytes: number;
  readonly largestActivationBytes: number;
}

/** Limits of the resource guard, checked before anything is allocated. */
export interface ResourceLimits {
  readonly maxWeightBytes: number;
  readonly maxActivationBytes: number;
}

/** Default limits: 1 GiB of float32 weights, 256 MiB for one activation tensor at batch 1. */
export const DEFAULT_LIMITS: ResourceLimits = { maxWeightBytes: 1 << 30, maxActivationBytes: 256 << 20 };

/** The analysis of a document: shapes, costs, shortcuts and diagnostics. */
export interface Analysis {
  readonly nodes: ReadonlyMap<NodeId, NodeInfo>;
  readonly edges: ReadonlyMap<EdgeId, Shape | undefined>;
  /** The flattened layer graph in topological order (empty parts where the document is broken). */
  readonly layers: readonly FlatLayer[];
  /** Model outputs: producer layer and shape, in document order of the Output nodes. */
  readonly outputs: readonly { readonly node: NodeId; readonly layer: NodeId; readonly port: number; readonly shape: Shape }[];
  readonly shortcuts: readonly ShortcutInfo[];
  readonly stages: readonly StageSummary[];
  readonly totals: Totals;
  readonly diagnostics: readonly Diagnostic[];
  /** Document nodes in topological order (nodes on cycles are left out). */
  readonly order: readonly NodeId[];
}

type Ref = { layer: NodeId; port: number };

interface Ctx {
  readonly modelInput: Shape;
  readonly options: ExpandOptions;
  readonly layers: FlatLayer[];
  readonly diagnostics: Diagnostic[];
  /** The document's block library, for user-defined blocks. */
  readonly library: BlockLibrary;
}

/** The ONNX name of a layer's output tensor: the graph input for Input, else the layer's name. */
export const layerTensor = (l: { readonly op: OpKind; readonly name: string }): string => (l.op === 'Input' ? 'input' : l.name);

const addCost = (a: Cost, b: Cost): Cost => ({ params: a.params + b.params, macs: a.macs + b.macs, otherOps: a.otherOps + b.otherOps });
const ZERO: Cost = { params: 0, macs: 0, otherOps: 0 };
const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Derives shapes, costs, shortcut classes and diagnostics for a whole document. Blocks are
 * expanded to their layers to compute them, so a collapsed block and its expanded form agree.
 * A user's mistake becomes a diagnostic; this never throws for a well-typed document.
 *
 * @example
 * const a = analyze(buildTemplate('resnet18'));
 * a.totals.params; // 11689512
 */
export function analyze(doc: ResidualDocument, limits: ResourceLimits = DEFAULT_LIMITS): Analysis {
  const diagnostics: Diagnostic[] = [];
  const ctx: Ctx = {
    modelInput: [doc.input.channels, doc.input.height, doc.input.width],
    options: { projectionEverywhere: doc.projectionEverywhere, zeroInitResidual: doc.zeroInitResidual },
    layers: [],
    diagnostics,
    library: doc.blocks,
  };
  const nodesById = new Map(doc.nodes.map((n) => [n.id, n]));
  const incoming = checkEdges(doc, nodesById, diagnostics);
  const { order, cyclic } = topoOrder(doc.nodes, doc.edges.filter((e) => nodesById.has(e.source) && nodesById.has(e.target)));
  if (cyclic.length > 0) {
    const names = cyclic.map((id) => nodesById.get(id)!.name);
    for (const id of cyclic) {
      diagnostics.push(diag('RS101', msg('on-cycle', { node: nodesById.get(id)!.name, path: names.join(' → ') }), { nodeId: id }));
    }
  }
  checkNames(doc, diagnostics);

  const infos = new Map<NodeId, NodeInfo>();
  const outRefs = new Map<NodeId, (Ref | undefined)[]>();
  const outShapes = new Map<NodeId, (Shape | undefined)[]>();
  const shortcuts: ShortcutInfo[] = [];
  const outputs: Analysis['outputs'][number][] = [];
  let inputs = 0;

  for (const id of order) {
    const node = nodesById.get(id)!;
    const def = getOp(node.op, doc.blocks);
    const { params, diagnostics: pd } = resolveParams(node, doc.blocks);
    if (isBlockKind(node.op) && !def.expand) pd.push(diag('RS109', msg('block-not-in-library', { node: node.name, block: def.label ?? node.op }), { nodeId: id }));
    diagnostics.push(...pd);
    const nIn = def.inputCount(params);
    const inShapes: (Shape | undefined)[] = [];
    const inRefs: (Ref | undefined)[] = [];
    let missing = false;
    for (let port = 0; port < nIn; port++) {
      const e = incoming.get(`${id}:${port}`);
      if (!e) {
        diagnostics.push(diag('RS102', msg('input-unconnected', { node: node.name, port }), { nodeId: id, port }));
        missing = true;
        inShapes.push(undefined);
        inRefs.push(undefined);
        continue;
      }
      inShapes.push(outShapes.get(e.source)?.[e.sourcePort]);
      inRefs.push(outRefs.get(e.source)?.[e.sourcePort]);
    }
    if (node.op === 'Input') inputs++;
    const ready = !missing && pd.length === 0 && inShapes.every((s) => s !== undefined) && inRefs.every((r) => r !== undefined);
    let info: NodeInfo = { id, op: node.op, params, inputShapes: inShapes, outputShapes: [], cost: ZERO, layers: [], tensors: {} };
    if (ready) {
      const shapes = inShapes as Shape[];
      const refs = inRefs as Ref[];
      if (isBlockKind(node.op) && isUnknownShape(shapes[0]!)) {
        diagnostics.push(diag('RS209', msg('input-shape-unknown', { node: node.name }), { nodeId: id }));
      } else if (isBlockKind(node.op)) {
        info = expandBlock(ctx, { ...node, params }, shapes[0]!, refs[0]!, info);
        if (info.shortcut) shortcuts.push(info.shortcut);
      } else {
        info = lowerLayer(ctx, { ...node, params }, shapes, refs, node.id, info);
      }
      if (node.op === 'Output' && shapes[0]) outputs.push({ node: id, layer: refs[0]!.layer, port: refs[0]!.port, shape: shapes[0] });
    }
    infos.set(id, info);
    outShapes.set(id, [...info.outputShapes]);
    outRefs.set(
      id,
      info.outputShapes.map((_, port) => (info.outputLayer === undefined ? undefined : { layer: info.outputLayer, port })),
    );
  }

  if (inputs === 0) diagnostics.push(diag('RS104', msg('no-input-node')));
  if (inputs > 1) {
    for (const n of doc.nodes.filter((x) => x.op === 'Input').slice(1)) diagnostics.push(diag('RS104', msg('extra-input', { node: n.name }), { nodeId: n.id }));
  }
  if (!doc.nodes.some((n) => n.op === 'Output')) diagnostics.push(diag('RS103', msg('no-output-node')));
  markUnused(doc, incoming, diagnostics);

  // Hand-built (or expanded) residual connections: Adds in the document itself.
  for (const node of doc.nodes) {
    if (node.op !== 'Add') continue;
    const sc = classifyAdd(doc, node, incoming, infos);
    if (sc) shortcuts.push(sc);
  }

  const edgeShapes = new Map<EdgeId, Shape | undefined>();
  for (const e of doc.edges) edgeShapes.set(e.id, outShapes.get(e.source)?.[e.sourcePort]);

  const totals = computeTotals(ctx.layers, shortcuts);
  if (totals.weightBytes > limits.maxWeightBytes) {
    diagnostics.push(diag('RS401', msg('weights-over-limit', { mb: mb(totals.weightBytes), limit: mb(limits.maxWeightBytes) })));
  }
  if (totals.largestActivationBytes > limits.maxActivationBytes) {
    const big = ctx.layers.reduce((a, l) => (numel(l.outputShapes[0] ?? []) > numel(a.outputShapes[0] ?? []) ? l : a));
    diagnostics.push(
      diag('RS402', msg('activation-over-limit', { node: big.name, shape: fmtShape(big.outputShapes[0]!), mb: mb(totals.largestActivationBytes), limit: mb(limits.maxActivationBytes) }), {
        nodeId: big.docNode,
      }),
    );
  }

  return { nodes: infos, edges: edgeShapes, layers: ctx.layers, outputs, shortcuts, stages: summariseStages(doc, infos), totals, diagnostics, order };
}

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

/** RS206's message: the inner Add's shapes when it names them, else the inner message's middle clause. */
function identityChangesDims(block: string, inner: Diagnostic): MessageRef {
  const ref = inner.messageRef;
  if ((ref?.id === 'add-shapes' || ref?.id === 'add-shapes-stride') && !String(ref.args['node']).includes(': ')) {
    return msg('identity-changes-dims', { node: block, a: ref.args['a']!, b: ref.args['b']! });
  }
  return msg('identity-changes-dims-detail', { node: block, detail: inner.message.split(': ')[1] ?? inner.message });
}

function checkEdges(doc: ResidualDocument, nodes: Map<NodeId, GraphNode>, diagnostics: Diagnostic[]): Map<string, GraphEdge> {
  const incoming = new Map<string, GraphEdge>();
  for (const e of doc.edges) {
    const s = nodes.get(e.source);
    const t = nodes.get(e.target);
    if (!s || !t) {
      diagnostics.push(diag('RS105', msg('edge-missing-node', { edge: e.id, node: !s ? e.source : e.target }), { edgeId: e.id }));
      continue;
    }
    if (e.sourcePort < 0 || e.sourcePort >= outputCount(s.op) || e.targetPort < 0 || e.targetPort >= getOp(t.op, doc.blocks).inputCount(resolveParams(t, doc.blocks).params)) {
      diagnostics.push(diag('RS105', msg('edge-bad-port', { edge: e.id, source: s.name, sourcePort: e.sourcePort, target: t.name, targetPort: e.targetPort }), { edgeId: e.id, nodeId: t.id }));
      continue;
    }
    const key = `${e.target}:${e.targetPort}`;
    if (incoming.has(key)) {
      diagnostics.push(
        diag('RS106', msg('port-has-two', { node: t.name, port: e.targetPort }), {
          edgeId: e.id,
          nodeId: t.id,
          port: e.targetPort,
          fix: { kind: 'remove-edge', ...fixLabel(msg('fix-remove-edge')), edgeId: e.id },
        }),
      );
      continue;
    }
    incoming.set(key, e);
  }
  return incoming;
}

function checkNames(doc: ResidualDocument, diagnostics: Diagnostic[]) {
  const seen = new Map<string, NodeId>();
  for (const n of doc.nodes) {
    if (seen.has(n.name)) diagnostics.push(diag('RS108', msg('duplicate-name', { name: n.name }), { nodeId: n.id, field: 'name' }));
    else seen.set(n.name, n.id);
  }
}

function markUnused(doc: ResidualDocument, incoming: Map<string, GraphEdge>, diagnostics: Diagnostic[]) {
  const used = new Set<NodeId>();
  const stack = doc.nodes.filter((n) => n.op === 'Output').map((n) => n.id);
  const byTarget = new Map<NodeId, NodeId[]>();
  for (const e of incoming.values()) byTarget.set(e.target, [...(byTarget.get(e.target) ?? []), e.source]);
  while (stack.length) {
    const id = stack.pop()!;
    if (used.has(id)) continue;
    used.add(id);
    stack.push(...(byTarget.get(id) ?? []));
  }
  if (used.size === 0) return;
  for (const n of doc.nodes) {
    if (!used.has(n.id)) diagnostics.push(diag('RS107', msg('unused-node', { node: n.name }), { nodeId: n.id }));
  }
}

/** Runs one layer's shape rule and records it as a flat layer. */
function lowerLayer(ctx: Ctx, node: GraphNode, shapes: readonly Shape[], refs: readonly Ref[], docNode: NodeId, info: NodeInfo): NodeInfo {
  const def = getOp(node.op);
  const r = shapes.some(isUnknownShape) && node.op !== 'Opaque' ? afterUnknown(node) : def.infer!({ node, inputs: shapes, params: node.params, modelInput: ctx.modelInput });
  if (r.diagnostics) ctx.diagnostics.push(...r.diagnostics);
  if (!r.outputs) return info;
  const cost = def.cost!(shapes, r.outputs, node.params);
  ctx.layers.push({
    id: node.id,
    op: node.op as LayerKind,
    name: node.name,
    params: node.params,
    inputs: refs,
    inputShapes: shapes,
    outputShapes: r.outputs,
    cost,
    owner: fingerprint(node),
    docNode,
  });
  return { ...info, outputShapes: r.outputs, cost, layers: [node.id], outputLayer: node.id, tensors: { output: layerTensor(node) } };
}

/**
 * A layer after a tensor of unknown shape (an op kept as in an imported file) is carried through
 * with its shape unknown, so nothing after an opaque op is cut off — unless its lowering must
 * know the shape to size its weights (a conv, BN, linear), which is then an error that says so.
 */
function afterUnknown(node: GraphNode): { outputs?: readonly Shape[]; diagnostics?: readonly Diagnostic[] } {
  if (getOp(node.op).needsInputShapes) return { diagnostics: [diag('RS209', msg('input-shape-unknown', { node: node.name }), { nodeId: node.id })] };
  return { outputs: node.op === 'Output' ? [] : [UNKNOWN_SHAPE] };
}

/**
 * Expands a block (or stage) and analyses its layers. Diagnostics from inside a collapsed block
 * are re-attached to the block's card; an identity shortcut that cannot add up becomes RS206 with
 * the fix "use a projection shortcut".
 */
function expandBlock(ctx: Ctx, node: GraphNode, input: Shape, inRef: Ref, info: NodeInfo): NodeInfo {
  const def = getOp(node.op, ctx.library);
  const exp = def.expand!(node, input, ctx.options);
  const inner = new Map<NodeId, { shapes: Shape[]; refs: Ref[]; layers: NodeId[]; cost: Cost }>();
  const byTarget = new Map<string, GraphEdge>();
  for (const e of exp.edges) byTarget.set(`${e.target}:${e.targetPort}`, e);
  const entries = new Set(exp.entries.map((x) => `${x.node}:${x.port}`));
  const innerDiags: Diagnostic[] = [];
  const sub: Ctx = { ...ctx, diagnostics: innerDiags };
  let cost = ZERO;
  const layers: NodeId[] = [];
  let shortcut: ShortcutInfo | undefined;
  const expNodes = new Map(exp.nodes.map((n) => [n.id, n]));
  for (const nid of topoOrder(exp.nodes, exp.edges).order) {
    const n = expNodes.get(nid)!;
    const nIn = getOp(n.op, ctx.library).inputCount(n.params);
    const shapes: Shape[] = [];
    const refs: Ref[] = [];
    for (let port = 0; port < nIn; port++) {
      if (entries.has(`${n.id}:${port}`)) {
        shapes.push(input);
        refs.push(inRef);
        continue;
      }
      const e = byTarget.get(`${n.id}:${port}`);
      const src = e && inner.get(e.source);
      if (!src || src.shapes[e.sourcePort] === undefined) break;
      shapes.push(src.shapes[e.sourcePort]!);
      refs.push(src.refs[e.sourcePort]!);
    }
    if (shapes.length < nIn) break;
    let r: NodeInfo;
    const blank: NodeInfo = { id: n.id, op: n.op, params: n.params, inputShapes: shapes, outputShapes: [], cost: ZERO, layers: [], tensors: {} };
    if (isBlockKind(n.op)) {
      r = expandBlock(sub, n, shapes[0]!, refs[0]!, blank);
    } else {
      r = lowerLayer(sub, n, shapes, refs, node.id, blank);
    }
    if (r.outputShapes.length === 0) break;
    inner.set(n.id, { shapes: r.outputShapes as Shape[], refs: r.outputShapes.map((_, p) => ({ layer: r.outputLayer!, port: p })), layers: [...r.layers], cost: r.cost });
    cost = addCost(cost, r.cost);
    layers.push(...r.layers);
  }
  // Re-attach inner diagnostics to the card.
  for (const d of innerDiags) {
    if (d.code === 'RS201' && !isStageKind(node.op) && def.block?.shortcut) {
      ctx.diagnostics.push(
        diag('RS206', identityChangesDims(node.name, d), {
          nodeId: node.id,
          field: 'shortcut',
          fix: { kind: 'set-params', ...fixLabel(msg('fix-projection')), nodeId: node.id, params: { shortcut: 'projection' } },
        }),
      );
    } else {
      ctx.diagnostics.push({ ...d, nodeId: node.id, ...(d.fix?.kind === 'set-params' ? { fix: undefined } : {}) });
    }
  }
  const exitInfo = inner.get(exp.exit);
  if (!exitInfo || innerDiags.some((d) => d.severity === 'error')) return { ...info, cost, layers };
  // The card's shortcut: from the params where the block's definition says how, else as its layers build it.
  const built = def.block?.role === 'block' ? shortcutOfExpansion(exp) : undefined;
  const decided = def.block?.shortcut ? { kind: def.block.shortcut(node.params, input, ctx.options), stride: Number(node.params['stride'] ?? 1) } : built;
  if (decided) {
    const { kind, stride } = decided;
    shortcut = {
      at: node.id,
      kind,
      keepsDimensions: kind === 'identity',
      stride,
      label: shortcutLabel(kind, stride),
      path: [],
      edges: [],
      inShape: input,
      outShape: exitInfo.shapes[0]!,
      collapsed: true,
    };
  }
  const addId = built?.add ?? (`${node.id}/add` as NodeId);
  const addEdges = exp.edges.filter((e) => e.target === addId);
  const mainSrc = addEdges.find((e) => e.targetPort === 1 - (built?.port ?? 1));
  const scSrc = addEdges.find((e) => e.targetPort === (built?.port ?? 1));
  const tensorOf = (id: NodeId | undefined) => (id ? exp.nodes.find((n) => n.id === id)?.name : undefined);
  const mainPath = tensorOf(mainSrc?.source);
  const layerName = (id: NodeId) => {
    const l = ctx.layers.find((x) => x.id === id);
    return l ? layerTensor(l) : undefined;
  };
  const sc = scSrc ? tensorOf(scSrc.source) : layerName(inRef.layer);
  return {
    ...info,
    outputShapes: exitInfo.shapes,
    cost,
    layers,
    outputLayer: exitInfo.refs[0]!.layer,
    ...(shortcut ? { shortcut } : {}),
    tensors: {
      output: layerName(exitInfo.refs[0]!.layer) ?? '',
      ...(mainPath ? { mainPath } : {}),
      ...(sc ? { shortcut: sc } : {}),
      ...(shortcut ? { sum: tensorOf(addId) ?? `${node.name}.add` } : {}),
    },
  };
}

/**
 * Classifies a hand-built residual connection at an Add: finds where its two inputs fork,
 * takes the shorter branch as the shortcut, and says whether it keeps dimensions.
 */
function classifyAdd(doc: ResidualDocument, add: GraphNode, incoming: Map<string, GraphEdge>, infos: Map<NodeId, NodeInfo>): ShortcutInfo | undefined {
  const e0 = incoming.get(`${add.id}:0`);
  const e1 = incoming.get(`${add.id}:1`);
  if (!e0 || !e1) return undefined;
  const dist = (start: GraphEdge) => {
    const d = new Map<NodeId, number>([[start.source, 0]]);
    const q: NodeId[] = [start.source];
    while (q.length) {
      const id = q.shift()!;
      for (let p = 0; p < 16; p++) {
        const e = incoming.get(`${id}:${p}`);
        if (!e) continue;
        if (!d.has(e.source)) {
          d.set(e.source, d.get(id)! + 1);
          q.push(e.source);
        }
      }
    }
    return d;
  };
  const d0 = dist(e0);
  const d1 = dist(e1);
  let fork: NodeId | undefined;
  let best = Infinity;
  for (const [id, a] of d0) {
    const b = d1.get(id);
    if (b !== undefined && a + b < best) {
      best = a + b;
      fork = id;
    }
  }
  if (!fork) return undefined;
  const skipEdge = (d1.get(fork)! <= d0.get(fork)! ? e1 : e0)!;
  // Walk the skip branch back to the fork.
  const path: NodeId[] = [];
  const edges: EdgeId[] = [skipEdge.id];
  let cur = skipEdge.source;
  let guard = 0;
  while (cur !== fork && guard++ < 64) {
    path.unshift(cur);
    const e = incoming.get(`${cur}:0`);
    if (!e) return undefined;
    edges.unshift(e.id);
    cur = e.source;
  }
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const ops = path.map((id) => byId.get(id)!.op);
  const forkInfo = infos.get(fork);
  const inShape = forkInfo?.outputShapes[0];
  const outShape = infos.get(add.id)?.outputShapes[0];
  if (!inShape || !outShape) return undefined;
  const changes = !sameShape(inShape, outShape) || ops.some((o) => o === 'Conv2d' || o === 'ZeroPadShortcut');
  const kind: ShortcutKind = !changes ? 'identity' : ops.includes('ZeroPadShortcut') ? 'zero-pad' : 'projection';
  const conv = path.map((id) => byId.get(id)!).find((n) => n.op === 'Conv2d' || n.op === 'ZeroPadShortcut');
  const stride = conv ? Number(conv.params['stride'] ?? 1) : 1;
  return { at: add.id, kind, keepsDimensions: kind === 'identity', stride, label: shortcutLabel(kind, stride), from: fork, path, edges, inShape, outShape, collapsed: false };
}

function computeTotals(layers: readonly FlatLayer[], shortcuts: readonly ShortcutInfo[]): Totals {
  let params = 0;
  let macs = 0;
  let otherOps = 0;
  let largest = 0;
  for (const l of layers) {
    params += l.cost.params;
    macs += l.cost.macs;
    otherOps += l.cost.otherOps;
    for (const s of l.outputShapes) largest = Math.max(largest, numel(s));
  }
  const blocks = { identity: 0, projection: 0, zeroPad: 0 };
  for (const s of shortcuts) {
    if (s.kind === 'identity') blocks.identity++;
    else if (s.kind === 'projection') blocks.projection++;
    else blocks.zeroPad++;
  }
  return { params, macs, otherOps, layers: layers.filter((l) => l.op !== 'Input').length, blocks, weightBytes: params * 4, largestActivationBytes: largest * 4 };
}

/**
 * Groups blocks into stages: a collapsed Stage node is one stage; blocks expanded from a stage
 * (group kind Stage), or named `<stage>.<i>` like torchvision's `layer1.0`, share their stage.
 */
function summariseStages(doc: ResidualDocument, infos: Map<NodeId, NodeInfo>): StageSummary[] {
  const stages = new Map<string, { blocks: number; params: number; macs: number; outShape?: Shape }>();
  const stageOf = (n: GraphNode): string | undefined => {
    if (isStageKind(n.op)) return n.name;
    let g = n.group;
    while (g) {
      if (isStageKind(g.kind)) return g.name;
      g = g.parent;
    }
    if (isResidualBlockKind(n.op)) {
      const m = /^(.*)\.\d+$/.exec(n.name);
      return m ? m[1] : n.name;
    }
    return undefined;
  };
  for (const n of doc.nodes) {
    const s = stageOf(n);
    const info = infos.get(n.id);
    if (!s || !info) continue;
    const cur = stages.get(s) ?? { blocks: 0, params: 0, macs: 0 };
    const traits = isBlockKind(n.op) ? getOp(n.op, doc.blocks).block : undefined;
    const blocks = traits ? (traits.blockCount?.(info.params) ?? 1) : 0;
    const out = info.outputShapes[0];
    stages.set(s, { blocks: cur.blocks + blocks, params: cur.params + info.cost.params, macs: cur.macs + info.cost.macs, ...(out ? { outShape: out } : cur.outShape ? { outShape: cur.outShape } : {}) });
  }
  return [...stages].map(([name, v]) => ({ name, ...v }));
}
