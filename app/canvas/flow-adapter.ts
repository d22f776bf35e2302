import type { Edge, Node } from '@xyflow/react';
import type { Analysis, Diagnostic, GraphNode, NodeId, NodeInfo, ResidualDocument, ShortcutInfo } from '../../src/index.ts';
import { fmtShape, isBlockKind } from '../../src/index.ts';
import { analysisOf, edgeArcs, groupFrames, pinnedDiagnostics, type EdgeArc } from '../store/derived.ts';
import type { EditorState } from '../store/editor-store.ts';
import type { LayoutDirection } from '../store/view-slice.ts';
import { cardBox, FRAME_HEAD, FRAME_MIN_WIDTH, FRAME_PAD, nodeSize, SKIP_ARC_ROOM, skipArcGroups } from './sizes.ts';

/** Data of a block or layer card. Object identity is kept while nothing it shows changes. */
export interface CardData extends Record<string, unknown> {
  readonly node: GraphNode;
  readonly info: NodeInfo | undefined;
  readonly diagnostics: readonly Diagnostic[] | undefined;
}
export interface FrameData extends Record<string, unknown> {
  readonly groupId: NodeId;
  readonly name: string;
  readonly kind: string;
}
export interface ShapeEdgeData extends Record<string, unknown> {
  readonly shape: string;
  readonly arc: EdgeArc | undefined;
  readonly diagnostics: readonly Diagnostic[] | undefined;
}

export type CardNode = Node<CardData, 'block' | 'layer'>;
export type FrameNode = Node<FrameData, 'frame'>;
export type FlowNode = CardNode | FrameNode;
export type FlowEdge = Edge<ShapeEdgeData, 'shape' | 'arc'>;

interface CacheEntry {
  node: GraphNode;
  info: NodeInfo | undefined;
  diags: readonly Diagnostic[] | undefined;
  selected: boolean;
  x: number;
  y: number;
  out: CardNode;
}

/**
 * Memoised selector: React Flow nodes from the document, the analysis and the selection. Each
 * node object is reused while its inputs are unchanged, so React Flow and the memoised cards
 * re-render only the nodes that actually changed. The live drag is not here: the canvas owns it
 * (React Flow's own node state) and commits positions to the document once, at drag end.
 */
export function createNodeSelector() {
  const cache = new Map<NodeId, CacheEntry>();
  const frameCache = new Map<string, FrameNode>();
  let frames: { nodes: ResidualDocument['nodes']; direction: LayoutDirection; out: FrameNode[] } | undefined;
  let last: { doc: ResidualDocument; sel: readonly NodeId[]; direction: LayoutDirection; out: FlowNode[] } | undefined;
  return (s: Pick<EditorState, 'doc' | 'selection' | 'view'>): FlowNode[] => {
    const direction = s.view.direction;
    if (last && last.doc === s.doc && last.sel === s.selection.nodes && last.direction === direction) return last.out;
    const analysis = analysisOf(s.doc);
    const pinned = pinnedDiagnostics(analysis);
    const selected = new Set(s.selection.nodes);
    const cards: CardNode[] = [];
    const alive = new Set<NodeId>();
    for (const node of s.doc.nodes) {
      alive.add(node.id);
      const info = analysis.nodes.get(node.id);
      const diags = pinned.byNode.get(node.id);
      const pos = node.position;
      const sel = selected.has(node.id);
      const c = cache.get(node.id);
      // A new analysis (any edit) gives every node a new info object; a card redraws only if
      // what it shows changed (a new seed, say, changes nothing on any card).
      const sameData = c !== undefined && c.node === node && sameCardInfo(c.info, info) && c.diags === diags;
      if (sameData && c.selected === sel && c.x === pos.x && c.y === pos.y) {
        cards.push(c.out);
        continue;
      }
      const size = nodeSize(node.op);
      const data: CardData = sameData ? c.out.data : { node, info, diagnostics: diags };
      const out: CardNode = {
        id: node.id,
        type: isBlockKind(node.op) ? 'block' : 'layer',
        position: pos,
        data,
        selected: sel,
        // A card with a pinned problem sits above its neighbours, so the pin is never covered.
        zIndex: diags ? 5 : 1,
        // Fixed sizes (CSS draws the cards at these). `measured` too: a node object without it
        // counts as new to React Flow, which then drops its handle bounds and measures the DOM
        // again; during a drag that happened on every frame for the dragged card.
        width: size.width,
        height: size.height,
        measured: size,
      };
      cache.set(node.id, { node, info, diags, selected: sel, x: pos.x, y: pos.y, out });
      cards.push(out);
    }
    for (const id of cache.keys()) if (!alive.has(id)) cache.delete(id);
    // Frames depend on the nodes and the direction (not the selection); an unmoved frame keeps its identity.
    if (!frames || frames.nodes !== s.doc.nodes || frames.direction !== direction) {
      const liveFrames = new Set<string>();
      const out = framesFor(s.doc, direction).map((f) => {
        liveFrames.add(f.id);
        const old = frameCache.get(f.id);
        if (old && old.position.x === f.position.x && old.position.y === f.position.y && old.width === f.width && old.height === f.height && old.data.groupId === f.data.groupId && old.data.name === f.data.name) return old;
        frameCache.set(f.id, f);
        return f;
      });
      for (const id of frameCache.keys()) if (!liveFrames.has(id)) frameCache.delete(id);
      frames = { nodes: s.doc.nodes, direction, out };
    }
    const out = [...frames.out, ...cards];
    last = { doc: s.doc, sel: s.selection.nodes, direction, out };
    return out;
  };
}

/**
 * One frame per expanded group. A frame holds its member cards (with their arc room, and room
 * for its own skip arc when it is an expanded identity block) and the frames of its inner
 * groups (with their headers), so nested headers stack instead of overlapping. The layout pads
 * each group's compound node by the same amounts (sizes.ts), so frames it lays out never overlap.
 */
export function framesFor(doc: ResidualDocument, direction: LayoutDirection): FrameNode[] {
  const groups = groupFrames(doc).sort((a, b) => b.depth - a.depth);
  const boxes = new Map<NodeId, { x0: number; y0: number; x1: number; y1: number }>();
  const parentOf = new Map<NodeId, NodeId | undefined>();
  for (const n of doc.nodes) for (let g = n.group; g; g = g.parent) parentOf.set(g.id, g.parent?.id);
  const grow = (id: NodeId, x0: number, y0: number, x1: number, y1: number) => {
    const b = boxes.get(id);
    if (!b) boxes.set(id, { x0, y0, x1, y1 });
    else boxes.set(id, { x0: Math.min(b.x0, x0), y0: Math.min(b.y0, y0), x1: Math.max(b.x1, x1), y1: Math.max(b.y1, y1) });
  };
  for (const g of groups)
    for (const m of g.members) {
      const box = cardBox(m.op, direction);
      grow(g.id, m.position.x, m.position.y, m.position.x + box.width, m.position.y + box.height);
    }
  const skip = skipArcGroups(doc);
  const out: FrameNode[] = [];
  // Deepest first: each finished frame box is added to its parent's.
  for (const g of groups) {
    const b = boxes.get(g.id)!;
    const room = skip.has(g.id) ? SKIP_ARC_ROOM[direction] : 0;
    const x0 = b.x0 - FRAME_PAD;
    const y0 = b.y0 - FRAME_PAD - FRAME_HEAD;
    const x1 = Math.max(b.x1 + FRAME_PAD + (direction === 'TB' ? room : 0), x0 + FRAME_MIN_WIDTH);
    const y1 = b.y1 + FRAME_PAD + (direction === 'LR' ? room : 0);
    const parent = parentOf.get(g.id);
    if (parent) grow(parent, x0, y0, x1, y1);
    out.push({
      id: `frame:${g.id}`,
      type: 'frame' as const,
      position: { x: x0, y: y0 },
      width: x1 - x0,
      height: y1 - y0,
      measured: { width: x1 - x0, height: y1 - y0 },
      data: { groupId: g.id, name: g.name, kind: g.kind },
      selectable: false,
      draggable: false,
      connectable: false,
      focusable: false,
      zIndex: -1,
    });
  }
  // Outer frames first, so inner ones paint above them.
  return out.reverse();
}

/** Memoised selector: React Flow edges, each labelled with its tensor shape; skip edges as arcs. */
export function createEdgeSelector() {
  let last: { edges: ResidualDocument['edges']; analysis: Analysis; sel: string | undefined; out: FlowEdge[] } | undefined;
  const cache = new Map<string, FlowEdge>();
  return (s: Pick<EditorState, 'doc' | 'selection'>): FlowEdge[] => {
    const analysis = analysisOf(s.doc);
    if (last && last.edges === s.doc.edges && last.analysis === analysis && last.sel === s.selection.edge) return last.out;
    const arcs = edgeArcs(analysis);
    const pinned = pinnedDiagnostics(analysis);
    const alive = new Set<string>();
    const out = s.doc.edges.map((e): FlowEdge => {
      alive.add(e.id);
      const shape = analysis.edges.get(e.id);
      const arc = arcs.get(e.id);
      const edge: FlowEdge = {
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: `out-${e.sourcePort}`,
        targetHandle: `in-${e.targetPort}`,
        type: arc ? 'arc' : 'shape',
        selected: s.selection.edge === e.id,
        data: { shape: shape ? fmtShape(shape) : '?', arc, diagnostics: pinned.byEdge.get(e.id) },
      };
      // An edge whose ends, label and arc read the same keeps its object, so it does not redraw.
      const old = cache.get(e.id);
      if (old && sameEdge(old, edge)) return old;
      cache.set(e.id, edge);
      return edge;
    });
    for (const id of cache.keys()) if (!alive.has(id)) cache.delete(id);
    last = { edges: s.doc.edges, analysis, sel: s.selection.edge, out };
    return out;
  };
}

const sameShape = (a: readonly number[] | undefined, b: readonly number[] | undefined) => a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]));
const sameShapes = (a: readonly (readonly number[] | undefined)[], b: readonly (readonly number[] | undefined)[]) => a === b || (a.length === b.length && a.every((x, i) => sameShape(x, b[i])));
const sameShortcut = (a: ShortcutInfo | undefined, b: ShortcutInfo | undefined) =>
  a === b || (!!a && !!b && a.kind === b.kind && a.stride === b.stride && a.label === b.label && a.keepsDimensions === b.keepsDimensions);

/** The same card, as far as a card shows it: shapes, cost and shortcut (see BlockNode, LayerNode). */
export function sameCardInfo(a: NodeInfo | undefined, b: NodeInfo | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return sameShapes(a.inputShapes, b.inputShapes) && sameShapes(a.outputShapes, b.outputShapes) && a.cost.params === b.cost.params && a.cost.macs === b.cost.macs && sameShortcut(a.shortcut, b.shortcut);
}

function sameEdge(a: FlowEdge, b: FlowEdge): boolean {
  const x = a.data!;
  const y = b.data!;
  const arcs = x.arc === y.arc || (!!x.arc && !!y.arc && x.arc.last === y.arc.last && x.arc.direct === y.arc.direct && sameShortcut(x.arc.shortcut, y.arc.shortcut));
  return a.source === b.source && a.target === b.target && a.sourceHandle === b.sourceHandle && a.targetHandle === b.targetHandle && a.type === b.type && a.selected === b.selected && x.shape === y.shape && x.diagnostics === y.diagnostics && arcs;
}

/**
 * The derived nodes, except that a node React Flow is dragging right now keeps its live position
 * (so an unrelated update during a drag, e.g. the selection, never makes it jump back).
 */
export function keepDragged(local: readonly FlowNode[], derived: FlowNode[]): FlowNode[] {
  let dragging: Map<string, FlowNode> | undefined;
  for (const n of local) if (n.dragging) (dragging ??= new Map()).set(n.id, n);
  if (!dragging) return derived;
  return derived.map((n) => {
    const d = dragging.get(n.id);
    return d ? ({ ...n, position: d.position, dragging: true } as FlowNode) : n;
  });
}
