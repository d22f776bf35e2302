import {
  addNode,
  applyFix,
  collapseGroup,
  groupIsModified,
  connect,
  detachInstance,
  duplicateNodes,
  expandNode,
  instancesOf,
  layersInside,
  makeBlock,
  mergeBlockLibrary,
  moveNodes,
  redefineFromExpanded,
  removeEdges,
  removeNodes,
  renameNode,
  setInput,
  updateParams,
  userBlockDef,
  type Connection,
  type Diagnostic,
  type EdgeId,
  type Fix,
  type GraphEdge,
  type GraphNode,
  type InputSpec,
  type NodeId,
  type OpKind,
  type Params,
  type Position,
  type ResidualDocument,
  type UserBlockDef,
} from '../../src/index.ts';
import { analysisOf } from './derived.ts';
import type { EditorSlice } from './editor-store.ts';

/** Document-level settings the inspector edits. */
export type DocSettings = Partial<Pick<ResidualDocument, 'projectionEverywhere' | 'zeroInitResidual' | 'seed' | 'opset' | 'name'>>;

/** Nodes and edges copied to the in-editor clipboard. */
export interface Clipboard {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/**
 * The document slice: the only undoable, saved state. Every edit goes through a core function
 * from `src/`; the slice only decides which one and records the result.
 */
export interface DocumentSlice {
  doc: ResidualDocument;
  /** Replaces the document (open file, template, restore). Clears history when `fresh`. */
  loadDocument(doc: ResidualDocument): void;
  addNodeAt(op: OpKind, position: Position): NodeId;
  /** Connects two ports; returns the core's refusal (cycle, taken input, ...) or undefined. */
  connectPorts(c: Connection): Diagnostic | undefined;
  removeSelected(): void;
  removeEdge(id: EdgeId): void;
  setParams(id: NodeId, params: Params): void;
  rename(id: NodeId, name: string): void;
  setInputSpec(input: InputSpec): void;
  setDocSettings(s: DocSettings): void;
  /** Commits node positions (drag end, layout): one history entry. */
  commitPositions(positions: ReadonlyMap<NodeId, Position>): void;
  expand(id: NodeId): void;
  collapse(groupId: NodeId): void;
  fix(fix: Fix): void;
  copySelection(): void;
  paste(): void;
  duplicateSelection(): void;
  /** Makes a block type of the selected layers, named `name`; the refusal, or undefined. */
  makeBlockFromSelection(name: string): Diagnostic | undefined;
  /** Makes the expanded instance `groupId` (with layers wired in among its own) its block's definition: every instance changes, one undo step. */
  redefineBlock(groupId: NodeId): Diagnostic | undefined;
  /** Detaches a user block instance into plain layers. */
  detach(id: NodeId): void;
  /** Adds an instance of a library block, adding its definition to the document if it lacks it: one undo step. */
  addUserBlockAt(def: UserBlockDef, position: Position): NodeId;
  /** Adds a block library's blocks to the document; the names added. */
  addLibraryBlocks(blocks: readonly UserBlockDef[]): string[];
}

export const createDocumentSlice: EditorSlice<DocumentSlice> = (set, get) => ({
  doc: undefined as unknown as ResidualDocument,
  loadDocument(doc) {
    set({ doc, selection: { nodes: [], edge: undefined } });
  },
  addNodeAt(op, position) {
    const r = addNode(get().doc, op, { position });
    set({ doc: r.doc, selection: { nodes: [r.id], edge: undefined } });
    return r.id;
  },
  connectPorts(c) {
    const r = connect(get().doc, c);
    if (r.error) return r.error;
    set({ doc: r.doc });
    return undefined;
  },
  removeSelected() {
    const { doc, selection } = get();
    let d = removeNodes(doc, selection.nodes);
    if (selection.edge) d = removeEdges(d, [selection.edge]);
    if (d !== doc) set({ doc: d, selection: { nodes: [], edge: undefined } });
  },
  removeEdge(id) {
    set({ doc: removeEdges(get().doc, [id]) });
  },
  setParams(id, params) {
    set({ doc: updateParams(get().doc, id, params) });
  },
  rename(id, name) {
    set({ doc: renameNode(get().doc, id, name) });
  },
  setInputSpec(input) {
    set({ doc: setInput(get().doc, input) });
  },
  setDocSettings(s) {
    set({ doc: { ...get().doc, ...s } });
  },
  commitPositions(positions) {
    set({ doc: moveNodes(get().doc, positions) });
  },
  expand(id) {
    const doc = get().doc;
    const info = analysisOf(doc).nodes.get(id);
    const inputShape = info?.inputShapes[0];
    if (!inputShape) {
      get().toast('toast.cannotExpand', 'error');
      return;
    }
    const d = expandNode(doc, id, inputShape);
    if (d !== doc) set({ doc: d, selection: { nodes: [], edge: undefined } });
  },
  collapse(groupId) {
    const doc = get().doc;
    const modified = groupIsModified(doc, groupId);
    const d = collapseGroup(doc, groupId);
    if (d !== doc) set({ doc: d, selection: { nodes: [groupId], edge: undefined } });
    // The card keeps its own params; edits made inside are replaced (undo brings them back).
    if (d !== doc && modified) get().toast('toast.collapseReplaced', 'error');
  },
  fix(fix) {
    const doc = get().doc;
    set({ doc: applyFix(doc, fix, analysisOf(doc)) });
  },
  copySelection() {
    const { doc, selection } = get();
    const ids = new Set<NodeId>(selection.nodes);
    if (ids.size === 0) return;
    set({
      clipboard: {
        nodes: doc.nodes.filter((n) => ids.has(n.id)),
        edges: doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
      },
    });
  },
  paste() {
    const clip = get().clipboard;
    if (!clip) return;
    const r = duplicateNodes(get().doc, clip.nodes, clip.edges, { x: 60, y: 60 });
    set({ doc: r.doc, selection: { nodes: r.ids, edge: undefined } });
  },
  makeBlockFromSelection(name) {
    const { doc, selection } = get();
    const r = makeBlock(doc, selection.nodes, { name });
    if (!r.id) return r.diagnostics[0];
    set({ doc: r.doc, selection: { nodes: [r.id], edge: undefined } });
    return undefined;
  },
  redefineBlock(groupId) {
    const doc = get().doc;
    const r = redefineFromExpanded(doc, groupId, layersInside(doc, groupId));
    if (r.doc === doc) return r.diagnostics[0];
    set({ doc: r.doc, selection: { nodes: [groupId], edge: undefined } });
    const def = userBlockDef(r.doc.nodes.find((n) => n.id === groupId)?.op ?? 'Input', r.doc.blocks);
    if (def) get().toast('ublock.updated', 'info', { values: { name: def.name, n: instancesOf(r.doc, def.id).length } });
    return undefined;
  },
  detach(id) {
    const doc = get().doc;
    const inputShape = analysisOf(doc).nodes.get(id)?.inputShapes[0];
    if (!inputShape) {
      get().toast('toast.cannotExpand', 'error');
      return;
    }
    const d = detachInstance(doc, id, inputShape);
    if (d !== doc) set({ doc: d, selection: { nodes: [], edge: undefined } });
  },
  addUserBlockAt(def, position) {
    const doc = get().doc;
    const have = (doc.blocks ?? []).find((b) => b.name === def.name);
    const merged = have ? { doc, id: have.id } : (() => {
      const m = mergeBlockLibrary(doc, [def]);
      return { doc: m.doc, id: m.doc.blocks!.find((b) => b.name === (m.added[0] ?? def.name))!.id };
    })();
    const r = addNode(merged.doc, `user:${merged.id}`, { position });
    set({ doc: r.doc, selection: { nodes: [r.id], edge: undefined } });
    return r.id;
  },
  addLibraryBlocks(blocks) {
    const m = mergeBlockLibrary(get().doc, blocks);
    if (m.added.length) set({ doc: m.doc });
    return m.added;
  },
  duplicateSelection() {
    const { doc, selection } = get();
    const ids = new Set<NodeId>(selection.nodes);
    if (ids.size === 0) return;
    const r = duplicateNodes(
      doc,
      doc.nodes.filter((n) => ids.has(n.id)),
      doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
      { x: 60, y: 60 },
    );
    set({ doc: r.doc, selection: { nodes: r.ids, edge: undefined } });
  },
});
