import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Analysis } from '../../src/index.ts';
import { analysisOf } from './derived.ts';
import type { EditorState, EditorStore } from './editor-store.ts';

const EditorContext = createContext<EditorStore | null>(null);

/** Provides one editor's store to its components. */
export function EditorProvider({ store, children }: { store: EditorStore; children: ReactNode }) {
  return <EditorContext.Provider value={store}>{children}</EditorContext.Provider>;
}

/** The editor's store (for actions and getState; subscribe with {@link useEditor}). */
export function useEditorStore(): EditorStore {
  const s = useContext(EditorContext);
  if (!s) throw new Error('useEditorStore outside <EditorProvider>');
  return s;
}

/** Subscribes to a slice of the editor state. Pick narrowly; wrap multi-field picks in useShallow. */
export function useEditor<T>(selector: (s: EditorState) => T): T {
  return useStore(useEditorStore(), selector);
}

/** The analysis of the current document (re-computed only when its structure changes). */
export function useAnalysis(): Analysis {
  return useEditor((s) => analysisOf(s.doc));
}
