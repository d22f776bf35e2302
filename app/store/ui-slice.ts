import type { Diagnostic } from '../../src/index.ts';
import type { Clipboard } from './document-slice.ts';
import type { EditorSlice } from './editor-store.ts';

export type ToastKind = 'info' | 'error';
/** A value of a toast's i18n text: a diagnostic is shown by its message in the UI language. */
export type ToastValue = string | number | Diagnostic;
/** A transient message. `key` is an i18n key; `text` is shown verbatim. */
export interface Toast {
  readonly id: number;
  readonly kind: ToastKind;
  readonly key: string;
  readonly text?: string;
  readonly values?: Readonly<Record<string, ToastValue>>;
}

export type SaveStatus = { readonly state: 'idle' | 'pending' | 'saving' | 'saved' } | { readonly state: 'error'; readonly message: string };

/** Transient UI state: toasts, dialogs, the clipboard, persistence status. */
export interface UiSlice {
  toasts: readonly Toast[];
  clipboard: Clipboard | undefined;
  dialog: 'none' | 'gallery' | 'help' | 'diagnostics';
  saveStatus: SaveStatus;
  /** Another tab saved a newer revision over the one this tab started from. */
  conflict: boolean;
  /** Why a file was refused (its diagnostics, shown in the UI language, or plain text), until dismissed. */
  fileError: { readonly file: string; readonly messages: readonly (string | Diagnostic)[] } | undefined;
  toast(key: string, kind?: ToastKind, extra?: { text?: string; values?: Record<string, ToastValue> }): void;
  dismissToast(id: number): void;
  openDialog(d: UiSlice['dialog']): void;
  setSaveStatus(s: SaveStatus): void;
  setConflict(c: boolean): void;
  setFileError(e: UiSlice['fileError']): void;
}

let nextToast = 1;

export const createUiSlice: EditorSlice<UiSlice> = (set, get) => ({
  toasts: [],
  clipboard: undefined,
  dialog: 'none',
  saveStatus: { state: 'idle' },
  conflict: false,
  fileError: undefined,
  toast(key, kind = 'info', extra = {}) {
    const t: Toast = { id: nextToast++, kind, key, ...extra };
    set({ toasts: [...get().toasts.slice(-3), t] });
  },
  dismissToast(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
  openDialog(dialog) {
    set({ dialog });
  },
  setSaveStatus(saveStatus) {
    set({ saveStatus });
  },
  setConflict(conflict) {
    set({ conflict });
  },
  setFileError(fileError) {
    set({ fileError });
  },
});
