import { diag, msg, type Diagnostic } from '../diagnostics/catalogue.ts';
import { edgeId, type NodeId } from '../graph/ids.ts';
import { inGroup, removeNodes } from '../graph/edit.ts';
import type { GraphEdge, GraphNode, ResidualDocument, Shape } from '../graph/types.ts';
import { fmtShape } from '../ops/common.ts';
import { analyze, type Analysis } from '../shape/analyze.ts';

/**
 * One thing a lesion study may delete from a trained network without changing any shape: a
 * residual block whose shortcut is the identity (the block's output becomes its input), or one
 * layer of a plain net — a conv-BN-ReLU unit, named by its convolution — whose input and output
 * shapes agree.
 */
export interface LesionTarget {
  readonly kind: 'block' | 'layer';
  /** The block's name (`layer1.1`) or the unit's convolution's name (`layer1.0.conv2`). */
  readonly name: string;
  /** The stage it sits in (`layer1`), from the name; '' when the name has no stage. */
  readonly stage: string;
  /** The layers it deletes, by name (a block: all of them; a unit: conv, BN, ReLU). */
  readonly layers: readonly string[];
  /** The shape that passes through (input = output). */
  readonly shape: Shape;
}

/** What a deletion gives: the lesioned document, or why it cannot be made. */
export interface LesionResult {
  /** The network without the target, every other node (and so its weights) unchanged; absent when refused. */
  readonly doc?: ResidualDocument;
  readonly diagnostics: readonly Diagnostic[];
}

const BLOCK_KINDS = new Set(['BasicBlock', 'Bottleneck']);
const sameShape = (a: Shape | undefined, b: Shape | undefined) => !!a && !!b && a.length === b.length && a.every((v, i) => v === b[i]);
const stageOf = (name: string) => (/^(.*?)\.\d+(\.|$)/.exec(name)?.[1] ?? '');

/** A residual block of the document: a collapsed card, or the layers of an expanded one (its group). */
interface BlockRef {
  readonly name: string;
  /** The block card, or the id of the expanded group. */
  readonly id: NodeId;
  /** Document nodes that make it up. */
  readonly members: readonly NodeId[];
  /** Where its shortcut ends: the card, or the expanded block's Add. */
  readonly at: NodeId;
}

function blocksOf(doc: ResidualDocument): BlockRef[] {
  const out: BlockRef[] = [];
  const groups = new Map<NodeId, { name: string; members: NodeId[]; add?: NodeId }>();
  for (const n of doc.nodes) {
    if (BLOCK_KINDS.has(n.op)) out.push({ name: n.name, id: n.id, members: [n.id], at: n.id });
    for (let g = n.group; g; g = g.parent) {
      if (!BLOCK_KINDS.has(g.kind)) continue;
      const e = groups.get(g.id) ?? { name: g.name, members: [] };
      e.members.push(n.id);
      if (n.op === 'Add') e.add = n.id;
      groups.set(g.id, e);
    }
  }
  // An expanded block whose Add is gone (a plain counterpart's layers) is no longer a residual block.
  for (const [id, g] of groups) if (g.add) out.push({ name: g.name, id, members: g.members, at: g.add });
  return out;
}

/** Feeds the consumers of `exit` from `from` instead, after `gone` are removed. */
function bypass(doc: ResidualDocument, gone: readonly NodeId[], from: GraphEdge, exit: NodeId): ResidualDocument {
  const rewired = doc.edges
    .filter((e) => e.source === exit && !gone.includes(e.target))
    .map((e): GraphEdge => ({ ...e, id: edgeId(`e:${from.source}:${from.sourcePort}->${e.target}:${e.targetPort}`), source: from.source, sourcePort: from.sourcePort }));
  const d = removeNodes(doc, gone);
  return { ...d, edges: [...d.edges, ...rewired] };
}

/** The one edge entering a set of nodes from outside it, and the one member whose output leaves it. */
function ends(doc: ResidualDocument, members: ReadonlySet<NodeId>): { entry?: GraphEdge; exit?: NodeId } {
  const entering = doc.edges.filter((e) => members.has(e.target) && !members.has(e.source));
  const sources = new Set(entering.map((e) => `${e.source}:${e.sourcePort}`));
  const exits = new Set(doc.edges.filter((e) => members.has(e.source) && !members.has(e.target)).map((e) => e.source));
  return { ...(sources.size === 1 ? { entry: entering[0]! } : {}), ...(exits.size === 1 ? { exit: [...exits][0]! } : {}) };
}

const findByName = (doc: ResidualDocument, ref: string) => doc.nodes.find((n) => n.id === ref) ?? doc.nodes.find((n) => n.name === ref);

/**
 * Deletes one residual block from a (trained) network, as in Veit et al.'s lesion study: the
 * block's main path F(x), its shortcut and its Add go, and what it fed now reads the block's input
 * x — ReLU(F(x) + x) becomes x. Only an identity block can go: a block whose shortcut changes
 * dimensions (a projection, or option A's zero-padding) is refused with RS901, and a name that is
 * no residual block with RS902. `block` is the block's name (`layer2.1`) or its node id; a
 * collapsed card and an expanded block are both found. Every other node keeps its id, name and
 * params, so it keeps its weights.
 *
 * @example
 * const { doc } = lesionBlock(buildTemplate('cifar-resnet20')!, 'layer1.1');
 */
export function lesionBlock(doc: ResidualDocument, block: string, analysis: Analysis = analyze(doc)): LesionResult {
  const ref = blocksOf(doc).find((b) => b.id === block || b.name === block);
  if (!ref) return { diagnostics: [diag('RS902', msg('lesion-no-block', { name: block }))] };
  const sc = analysis.nodes.get(ref.at)?.shortcut ?? analysis.shortcuts.find((s) => s.at === ref.at);
  const members = new Set(ref.members);
  const { entry, exit } = ends(doc, members);
  if (!sc || !entry || !exit) return { diagnostics: [diag('RS902', msg('lesion-no-block', { name: ref.name }))] };
  if (!sc.keepsDimensions) {
    return {
      diagnostics: [
        diag('RS901', msg('lesion-block-changes-shape', { name: ref.name, shortcut: sc.label, from: fmtShape(sc.inShape), to: fmtShape(sc.outShape) }), { nodeId: ref.at }),
      ],
    };
  }
  return checked(bypass(doc, ref.members, entry, exit));
}

/** The conv-BN-ReLU unit starting at a convolution: the conv and the BN and activation it feeds alone. */
function unitOf(doc: ResidualDocument, start: GraphNode): GraphNode[] {
  const unit = [start];
  if (start.op !== 'Conv2d') return unit;
  for (const op of ['BatchNorm2d', 'ReLU']) {
    const out = doc.edges.filter((e) => e.source === unit[unit.length - 1]!.id);
    const next = out.length === 1 ? doc.nodes.find((n) => n.id === out[0]!.target) : undefined;
    if (!next || next.op !== op || next.group?.id !== start.group?.id) {
      if (op === 'BatchNorm2d') continue; // conv + ReLU, as in VGG
      break;
    }
    unit.push(next);
  }
  return unit;
}

/** True when the node is one of a residual block's layers (the block, not the layer, is the unit there). */
const inResidualBlock = (doc: ResidualDocument, n: GraphNode) =>
  !!n.group && blocksOf(doc).some((b) => b.id !== b.at && inGroup(n, b.id));

/**
 * Deletes one layer of a (plain) network where the shapes allow it: given a convolution, the whole
 * conv-BN-ReLU unit (or conv-ReLU) it starts goes; given any other one-input layer (a BN, a ReLU),
 * just it. What the deleted part fed reads its input instead, so this is allowed only when its
 * input and output shapes agree (RS901 otherwise: a conv that changes channels or resolution
 * cannot be deleted); an unknown name, a block, an Input or an Output gives RS902. `layer` is the
 * layer's name or node id. Every other node keeps its weights.
 *
 * @example
 * const { doc } = lesionLayer(buildTemplate('plain-cifar20')!, 'layer1.0.conv2');
 */
export function lesionLayer(doc: ResidualDocument, layer: string, analysis: Analysis = analyze(doc)): LesionResult {
  const node = findByName(doc, layer);
  if (!node || node.op === 'Input' || node.op === 'Output' || BLOCK_KINDS.has(node.op) || node.op === 'Stage' || doc.edges.filter((e) => e.target === node.id).length !== 1) {
    return { diagnostics: [diag('RS902', msg('lesion-no-layer', { name: layer }))] };
  }
  const unit = unitOf(doc, node);
  const last = unit[unit.length - 1]!;
  const inShape = analysis.nodes.get(node.id)?.inputShapes[0];
  const outShape = analysis.nodes.get(last.id)?.outputShapes[0];
  if (!sameShape(inShape, outShape)) {
    return { diagnostics: [diag('RS901', msg('lesion-layer-changes-shape', { name: node.name, from: inShape ? fmtShape(inShape) : '?', to: outShape ? fmtShape(outShape) : '?' }), { nodeId: node.id })] };
  }
  const { entry, exit } = ends(doc, new Set(unit.map((n) => n.id)));
  if (!entry || exit !== last.id) return { diagnostics: [diag('RS902', msg('lesion-no-layer', { name: layer }))] };
  return checked(bypass(doc, unit.map((n) => n.id), entry, exit));
}

/** A deletion must leave a valid network; if it does not, the errors say why (and no document is given). */
function checked(doc: ResidualDocument): LesionResult {
  const errors = analyze(doc).diagnostics.filter((d) => d.severity === 'error');
  return errors.length > 0 ? { diagnostics: errors } : { doc, diagnostics: [] };
}

/**
 * Everything a lesion study can delete, in network order: each identity block (blocks whose
 * shortcut changes dimensions are left out), and each conv(-BN)-ReLU unit outside residual blocks
 * whose input and output shapes agree (the stem and the stride-2 convolutions that widen a stage
 * are left out). A residual net gives blocks (and maybe a few units outside them), a plain net
 * units.
 *
 * @example
 * lesionTargets(buildTemplate('cifar-resnet20')!).map((t) => t.name);
 * // ['layer1.0', 'layer1.1', 'layer1.2', 'layer2.1', 'layer2.2', 'layer3.1', 'layer3.2']
 */
export function lesionTargets(doc: ResidualDocument, analysis: Analysis = analyze(doc)): LesionTarget[] {
  const out: { target: LesionTarget; at: number }[] = [];
  const index = new Map(analysis.order.map((id, i) => [id, i]));
  for (const b of blocksOf(doc)) {
    const sc = analysis.nodes.get(b.at)?.shortcut ?? analysis.shortcuts.find((s) => s.at === b.at);
    if (!sc?.keepsDimensions) continue;
    const names = b.id === b.at ? [b.name] : doc.nodes.filter((n) => b.members.includes(n.id)).map((n) => n.name);
    const first = Math.min(...b.members.map((m) => index.get(m) ?? Infinity));
    out.push({ target: { kind: 'block', name: b.name, stage: stageOf(b.name), layers: names, shape: sc.inShape }, at: first });
  }
  for (const n of doc.nodes) {
    if (n.op !== 'Conv2d' || inResidualBlock(doc, n)) continue;
    const unit = unitOf(doc, n);
    const inShape = analysis.nodes.get(n.id)?.inputShapes[0];
    if (unit.length < 2 || !sameShape(inShape, analysis.nodes.get(unit[unit.length - 1]!.id)?.outputShapes[0])) continue;
    out.push({ target: { kind: 'layer', name: n.name, stage: stageOf(n.name), layers: unit.map((u) => u.name), shape: inShape! }, at: index.get(n.id) ?? Infinity });
  }
  return out.sort((a, b) => a.at - b.at).map((o) => o.target);
}

/** Deletes a target of {@link lesionTargets}: a block by {@link lesionBlock}, a unit by {@link lesionLayer}. */
export function lesion(doc: ResidualDocument, target: Pick<LesionTarget, 'kind' | 'name'>, analysis: Analysis = analyze(doc)): LesionResult {
  return target.kind === 'block' ? lesionBlock(doc, target.name, analysis) : lesionLayer(doc, target.name, analysis);
}
