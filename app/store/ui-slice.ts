import type { TFunction } from 'i18next';
import type { Diagnostic, ResidualDocument } from '../../src/index.ts';
import { diagnosticText } from '../i18n/diagnostics.ts';
import type { Resources } from '../i18n/en.ts';
import type { Clipboard } from './document-slice.ts';
import type { EditorSlice } from './editor-store.ts';

export type ToastKind = 'info' | 'error';

type Leaves<T, P extends string = ''> = { [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`> }[keyof T & string];
/** An i18n key of the app's own text (the core's messages are reached through diagnostics). */
export type UiKey = Exclude<Leaves<Resources>, `diagnostics.${string}`>;

/**
 * A sentence of the app's own — not a diagnostic of the core — by i18n key and values, so it is
 * shown in the UI language (a refusal of `?model=`, an export worker that crashed).
 */
export interface UiMessage {
  readonly key: UiKey;
  readonly values?: Readonly<Record<string, ToastValue>>;
}
/**
 * A value of a toast's or message's i18n text: a diagnostic or an app message is shown in the UI
 * language; a string or number as it is (a file name, a shape, the browser's own error text).
 */
export type ToastValue = string | number | Diagnostic | UiMessage;
/** Something the app tells the user: the core's diagnostic or its own message, both translatable. */
export type Notice = Diagnostic | UiMessage;

/** A value in the UI language: diagnostics by their message, app messages by their key. */
export function noticeText(t: TFunction, v: ToastValue): string {
  if (typeof v !== 'object') return String(v);
  if ('key' in v) return t(v.key, noticeValues(t, v.values));
  return diagnosticText(t, v);
}

/** i18n values with each diagnostic and app message put in the UI language. */
export const noticeValues = (t: TFunction, values: Readonly<Record<string, ToastValue>> = {}): Record<string, string | number> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'number' ? v : noticeText(t, v)]));

/** A transient message: an i18n key and its values, shown in the UI language. */
export interface Toast {
  readonly id: number;
  readonly kind: ToastKind;
  readonly key: string;
  readonly values?: Readonly<Record<string, ToastValue>>;
}

/** The document the open one is compared with (diff mode), and what it is, for the panel's title. */
export interface CompareTarget {
  readonly doc: ResidualDocument;
  readonly source: 'template' | 'file' | 'autosave';
  /** The template's title, the file's name, or the autosave's time. */
  readonly label: string;
}

export type SaveStatus = { readonly state: 'idle' | 'pending' | 'saving' | 'saved' } | { readonly state: 'error'; readonly message: string };

/** Transient UI state: toasts, dialogs, the clipboard, persistence status. */
export interface UiSlice {
  toasts: readonly Toast[];
  clipboard: Clipboard | undefined;
  dialog: 'none' | 'gallery' | 'help' | 'diagnostics' | 'compare';
  saveStatus: SaveStatus;
  /** Another tab saved a newer revision over the one this tab started from. */
  conflict: boolean;
  /** Why a file was refused, shown in the UI language (a browser's error text only inside a message), until dismissed. */
  fileError: { readonly file: string; readonly messages: readonly Notice[] } | undefined;
  /** Diff mode: the canvas marks what differs from this document; undefined is the normal view. */
  compare: CompareTarget | undefined;
  setCompare(c: CompareTarget | undefined): void;
  toast(key: string, kind?: ToastKind, extra?: { values?: Record<string, ToastValue> }): void;
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
  compare: undefined,
  setCompare(compare) {
    set({ compare });
  },
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
