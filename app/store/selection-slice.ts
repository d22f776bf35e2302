import type { EdgeId, NodeId } from '../../src/index.ts';
import type { EditorSlice } from './editor-store.ts';

/** What is selected on the canvas. Not undone, not saved. */
export interface SelectionSlice {
  selection: { readonly nodes: readonly NodeId[]; readonly edge: EdgeId | undefined };
  select(nodes: readonly NodeId[], edge?: EdgeId): void;
  /** Adds or removes one node (shift-click). */
  toggleSelected(id: NodeId, on: boolean): void;
}

export const createSelectionSlice: EditorSlice<SelectionSlice> = (set, get) => ({
  selection: { nodes: [], edge: undefined },
  select(nodes, edge) {
    set({ selection: { nodes, edge } });
  },
  toggleSelected(id, on) {
    const cur = get().selection.nodes;
    const has = cur.includes(id);
    if (on === has) return;
    set({ selection: { nodes: on ? [...cur, id] : cur.filter((x) => x !== id), edge: undefined } });
  },
});
