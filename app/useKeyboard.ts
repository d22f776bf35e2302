import { useEffect } from 'react';
import type { EditorActions } from './canvas/useRelayout.ts';
import type { EditorStore } from './store/editor-store.ts';

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

/**
 * What may stop the shortcuts that change the network: `editingLocked` (a classroom link locked
 * it) is asked at each key, and `onRefused` says so to the user.
 */
export interface KeyboardGuard {
  editingLocked(): boolean;
  onRefused(): void;
}

/**
 * Editor shortcuts: Delete, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y, Ctrl+C/V/D, Ctrl+S, F (fit), ? (help),
 * Escape. Under a `guard` that locks editing, Delete, paste, duplicate, undo and redo are refused
 * (copy, fit, help and save stay).
 */
export function useKeyboard(store: EditorStore, actions: EditorActions, h: { undo: () => void; redo: () => void }, guard?: KeyboardGuard) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === 's') {
        e.preventDefault();
        actions.saveFile();
        return;
      }
      if (typing(e.target)) return;
      const s = store.getState();
      if (e.key === 'Escape') return s.openDialog('none');
      const edits = (mod && (k === 'z' || k === 'y' || k === 'v' || k === 'd')) || (!mod && !e.altKey && (e.key === 'Delete' || e.key === 'Backspace'));
      if (edits && guard?.editingLocked()) {
        e.preventDefault();
        return guard.onRefused();
      }
      if (mod && k === 'z') {
        e.preventDefault();
        return e.shiftKey ? h.redo() : h.undo();
      }
      if (mod && k === 'y') {
        e.preventDefault();
        return h.redo();
      }
      if (mod && k === 'c') return s.copySelection();
      if (mod && k === 'v') return s.paste();
      if (mod && k === 'd') {
        e.preventDefault();
        return s.duplicateSelection();
      }
      if (mod || e.altKey) return;
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        return s.removeSelected();
      }
      if (k === 'f') return actions.fit();
      if (e.key === '?') return s.openDialog(s.dialog === 'help' ? 'none' : 'help');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, actions, h, guard]);
}
