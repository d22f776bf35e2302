import { analyze, type Analysis, type Diagnostic, type EdgeId, type GraphNode, type NodeId, type ResidualDocument, type ShortcutInfo } from '../../src/index.ts';

/**
 * Derived state. Nothing here is stored: each value is a memoised function of the document.
 * The analysis depends on the document *minus positions*, so moving nodes never re-runs it.
 */

/** True when two documents differ at most in node positions (same structure, params, settings). */
export function sameStructure(a: ResidualDocument, b: ResidualDocument): boolean {
  if (a === b) return true;
  if (a.edges !== b.edges || a.input !== b.input || a.nodes.length !== b.nodes.length) return false;
  if (a.projectionEverywhere !== b.projectionEverywhere || a.zeroInitResidual !== b.zeroInitResidual) return false;
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i]!;
    const y = b.nodes[i]!;
    if (x === y) continue;
    if (x.id !== y.id || x.op !== y.op || x.name !== y.name || x.params !== y.params || x.group !== y.group) return false;
  }
  return true;
}

let lastDoc: ResidualDocument | undefined;
let lastAnalysis: Analysis | undefined;
let runs = 0;

/** The analysis of a document, memoised on its structure (positions ignored). */
export function analysisOf(doc: ResidualDocument): Analysis {
  if (lastDoc && lastAnalysis && sameStructure(lastDoc, doc)) {
    lastDoc = doc;
    return lastAnalysis;
  }
  runs++;
  lastAnalysis = analyze(doc);
  lastDoc = doc;
  return lastAnalysis;
}

/** How many times analyze() actually ran (for tests: moving must not re-run it). */
export const analysisRuns = () => runs;

/** Diagnostics grouped by what they are pinned to. */
export interface PinnedDiagnostics {
  readonly byNode: ReadonlyMap<NodeId, readonly Diagnostic[]>;
  readonly byEdge: ReadonlyMap<EdgeId, readonly Diagnostic[]>;
  /** Diagnostics about the whole document (no node, no edge). */
  readonly global: readonly Diagnostic[];
}

const pinnedCache = new WeakMap<Analysis, PinnedDiagnostics>();

/** Diagnostics grouped by node and edge, memoised per analysis. */
export function pinnedDiagnostics(a: Analysis): PinnedDiagnostics {
  const hit = pinnedCache.get(a);
  if (hit) return hit;
  const byNode = new Map<NodeId, Diagnostic[]>();
  const byEdge = new Map<EdgeId, Diagnostic[]>();
  const global: Diagnostic[] = [];
  for (const d of a.diagnostics) {
    if (d.edgeId && !d.nodeId) byEdge.set(d.edgeId, [...(byEdge.get(d.edgeId) ?? []), d]);
    else if (d.nodeId) byNode.set(d.nodeId, [...(byNode.get(d.nodeId) ?? []), d]);
    else global.push(d);
  }
  const r = { byNode, byEdge, global };
  pinnedCache.set(a, r);
  return r;
}

/** Shortcut drawing info of document edges (hand-built or expanded residual connections). */
export interface EdgeArc {
  readonly shortcut: ShortcutInfo;
  /** The edge that enters the Add: the one labelled and counted as the arc. */
  readonly last: boolean;
  /** The skip is one edge straight from the fork to the Add: draw it as a bulging arc. */
  readonly direct: boolean;
}

const arcCache = new WeakMap<Analysis, ReadonlyMap<EdgeId, EdgeArc>>();

/** Which document edges are drawn as shortcut arcs. */
export function edgeArcs(a: Analysis): ReadonlyMap<EdgeId, EdgeArc> {
  const hit = arcCache.get(a);
  if (hit) return hit;
  const m = new Map<EdgeId, EdgeArc>();
  for (const s of a.shortcuts) {
    if (s.collapsed) continue;
    s.edges.forEach((e, i) => m.set(e, { shortcut: s, last: i === s.edges.length - 1, direct: s.edges.length === 1 }));
  }
  arcCache.set(a, m);
  return m;
}

/** Groups currently expanded in the document: id → members (for frames and collapse). */
export interface GroupFrame {
  readonly id: NodeId;
  readonly name: string;
  readonly kind: string;
  readonly depth: number;
  readonly members: readonly GraphNode[];
}

/** Every expanded group (and enclosing groups), with the nodes inside it. */
export function groupFrames(doc: ResidualDocument): GroupFrame[] {
  const m = new Map<NodeId, { name: string; kind: string; depth: number; members: GraphNode[] }>();
  for (const n of doc.nodes) {
    let depth = 0;
    for (let g = n.group; g; g = g.parent) depth++;
    let d = depth;
    for (let g = n.group; g; g = g.parent) {
      d--;
      const e = m.get(g.id) ?? { name: g.name, kind: g.kind, depth: d, members: [] };
      e.members.push(n);
      m.set(g.id, e);
    }
  }
  return [...m].map(([id, e]) => ({ id, ...e }));
}
