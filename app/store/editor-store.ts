import { temporal } from 'zundo';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { buildTemplate, type ResidualDocument } from '../../src/index.ts';
import { createDocumentSlice, type DocumentSlice } from './document-slice.ts';
import { createSelectionSlice, type SelectionSlice } from './selection-slice.ts';
import { createUiSlice, type UiSlice } from './ui-slice.ts';
import { createViewSlice, DEFAULT_VIEW, type ViewSlice } from './view-slice.ts';

/** The whole editor state: document (undone, saved), selection, view (saved), ui (transient). */
export type EditorState = DocumentSlice & SelectionSlice & ViewSlice & UiSlice;

/** A slice creator: gets the store's set/get, returns its part of the state. */
export type EditorSlice<T> = (set: (partial: Partial<EditorState>) => void, get: () => EditorState) => T;

/** The history zundo keeps: only the document. */
export interface DocHistory {
  doc: ResidualDocument;
}

export type EditorStore = ReturnType<typeof createEditorStore>;

/** The document a new editor opens with: the Fashion-MNIST ResNet. */
export const defaultDocument = (): ResidualDocument => buildTemplate('fashion-resnet')!;

/**
 * Creates one editor's store: a vanilla zustand store built from slices, with zundo keeping the
 * document's history only (selection, view and ui changes are never undone).
 */
export function createEditorStore(init: { doc?: ResidualDocument; view?: Partial<ViewSlice['view']> } = {}) {
  const store = createStore<EditorState>()(
    temporal(
      (set, get) => {
        const s = set as (p: Partial<EditorState>) => void;
        return {
          ...createDocumentSlice(s, get),
          ...createSelectionSlice(s, get),
          ...createViewSlice(s, get),
          ...createUiSlice(s, get),
          doc: init.doc ?? defaultDocument(),
          view: { ...DEFAULT_VIEW, ...init.view },
        };
      },
      {
        partialize: (s): DocHistory => ({ doc: s.doc }),
        equality: (a, b) => a.doc === b.doc,
        limit: 200,
      },
    ),
  );
  return store;
}

/** Undo one document edit. */
export const undo = (store: EditorStore) => store.temporal.getState().undo();
/** Redo one document edit. */
export const redo = (store: EditorStore) => store.temporal.getState().redo();

/**
 * Runs `f` without recording history: for follow-up edits that belong to the previous step
 * (e.g. the automatic layout after an expand), so one undo reverts both.
 */
export function withoutHistory(store: EditorStore, f: () => void) {
  const t = store.temporal.getState();
  t.pause();
  try {
    f();
  } finally {
    t.resume();
  }
}

/** Replaces the document and forgets its history (new template, opened file, restore). */
export function replaceDocument(store: EditorStore, doc: ResidualDocument) {
  withoutHistory(store, () => store.getState().loadDocument(doc));
  store.temporal.getState().clear();
}

export type { StoreApi };
