import { get as idbGet, set as idbSet } from 'idb-keyval';
import { parseDocument, serializeDocument, type ResidualDocument } from '../../src/index.ts';
import { replaceDocument, type EditorStore } from './editor-store.ts';
import type { Notice } from './ui-slice.ts';
import { DEFAULT_VIEW, type Language, type ViewSlice } from './view-slice.ts';

/** Version of the autosave record (the document inside carries its own schemaVersion). */
export const AUTOSAVE_SCHEMA = 1;
export const AUTOSAVE_KEY = 'residual-studio/autosave';
/** Where a record that could not be restored is kept, so autosaving afresh destroys nothing. */
export const UNRESTORED_KEY = 'residual-studio/autosave-unrestored';
/** Autosave waits this long after the last change (the issue asks for ≤ 350 ms). */
export const AUTOSAVE_DELAY_MS = 300;

/**
 * Where the earlier saved documents are kept, newest first. The newest saved document is the
 * autosave record itself and is not repeated here: a save writes this list only when an entry
 * is due (about once a {@link AUTOSAVE_HISTORY_SPACING_MS}), not on every save.
 */
export const AUTOSAVE_HISTORY_KEY = 'residual-studio/autosave-history';
/** How many saved documents the history shows (the open one's autosave and the earlier ones). */
export const AUTOSAVE_HISTORY_SIZE = 6;
/**
 * Saves closer together than this replace the newest history entry instead of adding one, so
 * the history reaches back minutes, not the last few keystrokes.
 */
export const AUTOSAVE_HISTORY_SPACING_MS = 60_000;

/** One earlier saved document: its file text, when it was saved and its name (for the list). */
export interface AutosaveHistoryEntry {
  readonly savedAt: number;
  readonly name: string;
  readonly document: string;
}

/**
 * The earlier documents after a save that replaces the autosave record `replaced` with
 * `saving`: the replaced document joins them when it differs from the one saved and the newest
 * earlier entry is a spacing old (or there is none); `undefined` when nothing changes — the
 * usual case, in which the history is not written at all.
 */
export function earlierAfterSave(earlier: readonly AutosaveHistoryEntry[], replaced: AutosaveHistoryEntry | undefined, saving: Pick<AutosaveHistoryEntry, 'savedAt' | 'document'>): AutosaveHistoryEntry[] | undefined {
  if (!replaced || replaced.document === saving.document) return undefined;
  if (earlier[0] && saving.savedAt - earlier[0].savedAt < AUTOSAVE_HISTORY_SPACING_MS) return undefined;
  return [replaced, ...earlier].slice(0, AUTOSAVE_HISTORY_SIZE - 1);
}

/**
 * The whole history (the newest first) after saving `entry`: a document like the newest entry's
 * only refreshes its time; one saved within {@link AUTOSAVE_HISTORY_SPACING_MS} of the entry
 * under the newest replaces the newest; otherwise it is added and the oldest beyond
 * {@link AUTOSAVE_HISTORY_SIZE} dropped. So the entries below the newest are about a spacing
 * apart however often it saves. (What autosave does, as one list: see {@link earlierAfterSave}.)
 */
export function pushHistory(history: readonly AutosaveHistoryEntry[], entry: AutosaveHistoryEntry): AutosaveHistoryEntry[] {
  const [newest, ...rest] = history;
  if (newest && newest.document === entry.document) return [{ ...newest, savedAt: entry.savedAt }, ...rest];
  return [entry, ...(earlierAfterSave(rest, newest, entry) ?? rest)];
}

const isEntry = (e: unknown): e is AutosaveHistoryEntry => {
  const x = e as Partial<AutosaveHistoryEntry> | null;
  return typeof x === 'object' && x !== null && typeof x.document === 'string' && typeof x.savedAt === 'number' && typeof x.name === 'string';
};

/** The earlier documents as stored (an unreadable list is an empty one). */
async function loadEarlier(kv: KeyValue): Promise<AutosaveHistoryEntry[]> {
  const raw = await kv.get(AUTOSAVE_HISTORY_KEY);
  return Array.isArray(raw) ? raw.filter(isEntry) : [];
}

/** A record's document name: saved with it, or read from the file text of a record saved before it was. */
function recordName(r: Partial<AutosaveRecord>): string {
  if (typeof r.name === 'string') return r.name;
  try {
    const name = (JSON.parse(r.document ?? '') as { name?: unknown }).name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

/** The saved document of an autosave record, as a history entry. */
const entryOf = (r: Partial<AutosaveRecord> | undefined): AutosaveHistoryEntry | undefined =>
  r && typeof r.document === 'string' && typeof r.savedAt === 'number' ? { savedAt: r.savedAt, name: recordName(r), document: r.document } : undefined;

/**
 * The saved documents, newest first: the autosave record's, then the earlier ones. An
 * unreadable history is an empty one. (A history written before the record stopped being
 * repeated in it starts with the record's document: shown once.)
 */
export async function loadAutosaveHistory(kv: KeyValue = idbStorage): Promise<AutosaveHistoryEntry[]> {
  const [record, earlier] = await Promise.all([kv.get(AUTOSAVE_KEY) as Promise<Partial<AutosaveRecord> | undefined>, loadEarlier(kv)]);
  const newest = entryOf(typeof record === 'object' && record !== null ? record : undefined);
  if (!newest) return earlier;
  return [newest, ...(earlier[0]?.document === newest.document ? earlier.slice(1) : earlier)].slice(0, AUTOSAVE_HISTORY_SIZE);
}

/** What is kept in IndexedDB: the document as its file text, the view, and a revision counter. */
export interface AutosaveRecord {
  readonly schemaVersion: typeof AUTOSAVE_SCHEMA;
  readonly revision: number;
  readonly tabId: string;
  readonly savedAt: number;
  readonly document: string;
  /** The document's name, for the history list without parsing the document (absent in records saved before it was kept). */
  readonly name?: string;
  readonly view: ViewSlice['view'];
}

/** Where records live; IndexedDB in the app, a Map in tests. */
export interface KeyValue {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}
export const idbStorage: KeyValue = { get: (k) => idbGet(k), set: (k, v) => idbSet(k, v) };

/** What {@link loadAutosave} found. */
export interface AutosaveLoad {
  readonly record?: AutosaveRecord;
  readonly doc?: ResidualDocument;
  /** Why a stored record was not restored, in English (logs, tests). */
  readonly error?: string;
  /** The same, for the UI to say in its language: the core's diagnostic or an app message. */
  readonly reason?: Notice;
  /** The language the unrestorable record was saved in, so the app still comes up in it. */
  readonly language?: Language;
  /**
   * The unrestorable record's revision: autosave continues after it, so this tab's first save is
   * not mistaken for a conflict with another tab. The record itself is kept under UNRESTORED_KEY.
   */
  readonly revision?: number;
}

const isLanguage = (s: unknown): s is Language => s === 'en' || s === 'zh-CN';

/**
 * Reads and validates the autosave: a broken record is reported, never silently dropped. With
 * `setAside`, a record that cannot be restored is copied to UNRESTORED_KEY before anything can
 * overwrite it (a record from a newer version of the app, say, stays there for that version).
 */
export async function loadAutosave(kv: KeyValue = idbStorage, opts: { setAside?: boolean } = {}): Promise<AutosaveLoad> {
  const raw = (await kv.get(AUTOSAVE_KEY)) as Partial<AutosaveRecord> | undefined;
  if (raw === undefined) return {};
  const record = typeof raw === 'object' && raw !== null ? raw : undefined;
  const saved = record?.view?.language;
  const failed = async (error: string, reason: Notice | undefined): Promise<AutosaveLoad> => {
    if (opts.setAside) await kv.set(UNRESTORED_KEY, raw);
    const revision = typeof record?.revision === 'number' && Number.isFinite(record.revision) ? { revision: record.revision } : {};
    return { error, ...(reason ? { reason } : {}), ...(isLanguage(saved) ? { language: saved } : {}), ...revision };
  };
  if (!record || record.schemaVersion !== AUTOSAVE_SCHEMA || typeof record.document !== 'string') {
    const version = JSON.stringify(record?.schemaVersion) ?? 'undefined';
    return failed(`autosave has an unknown format (schemaVersion ${version})`, { key: 'boot.autosaveFormat', values: { version } });
  }
  const { doc, diagnostics } = parseDocument(record.document);
  if (!doc) {
    const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
    return failed(diagnostics.map((d) => d.message).join('; '), first);
  }
  return { record: { ...(raw as AutosaveRecord), view: { ...DEFAULT_VIEW, ...raw.view } }, doc };
}

/** Messages tabs send each other on their BroadcastChannel. */
type TabMessage = { readonly type: 'saved'; readonly revision: number; readonly tabId: string };

export interface AutosaveHandle {
  /** Saves now (Ctrl+S also writes the file; this is the IndexedDB part). */
  flush(): Promise<void>;
  /** Conflict resolution: overwrite the other tab's revision with this tab's work. */
  keepMine(): Promise<void>;
  /** Conflict resolution: take the other tab's saved document and view. */
  reloadTheirs(): Promise<void>;
  stop(): void;
}

/**
 * Saves the document and view to IndexedDB, debounced, whenever either changes. Each save bumps
 * a revision counter; a tab whose stored revision moved on under it (another tab saved) does not
 * overwrite it but raises a conflict the user resolves. Failures go to the status bar.
 */
export function startAutosave(store: EditorStore, opts: { baseRevision: number; kv?: KeyValue; tabId?: string; channel?: BroadcastChannel | null; delayMs?: number }): AutosaveHandle {
  const kv = opts.kv ?? idbStorage;
  const tabId = opts.tabId ?? Math.random().toString(36).slice(2);
  const delay = opts.delayMs ?? AUTOSAVE_DELAY_MS;
  let base = opts.baseRevision;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** The earlier documents as this tab last read or wrote them (read once, then on each due entry). */
  let earlier: AutosaveHistoryEntry[] | undefined;
  const channel = opts.channel === undefined ? (typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('residual-studio') : null) : opts.channel;

  const write = async (force: boolean) => {
    const s = store.getState();
    if (s.conflict && !force) return;
    s.setSaveStatus({ state: 'saving' });
    try {
      const stored = (await kv.get(AUTOSAVE_KEY)) as AutosaveRecord | undefined;
      const storedRev = typeof stored?.revision === 'number' ? stored.revision : 0;
      if (!force && storedRev !== base && stored?.tabId !== tabId) {
        store.getState().setConflict(true);
        store.getState().setSaveStatus({ state: 'idle' });
        return;
      }
      const revision = Math.max(storedRev, base) + 1;
      const st = store.getState();
      const record: AutosaveRecord = { schemaVersion: AUTOSAVE_SCHEMA, revision, tabId, savedAt: Date.now(), document: serializeDocument(st.doc), name: st.doc.name, view: st.view };
      // The record it replaces joins the earlier documents when an entry is due; most saves
      // write the record only (the history is up to five documents: writing it every time,
      // on every keystroke's save and on every trained run, was measured as main-thread work).
      const replaced = entryOf(stored);
      // A history written before the record stopped being repeated in it starts with the record's document.
      const readEarlier = async () => {
        const e = await loadEarlier(kv);
        return e[0] && e[0].document === replaced?.document ? e.slice(1) : e;
      };
      earlier ??= await readEarlier();
      if (earlierAfterSave(earlier, replaced, record)) {
        // Due: another tab may have added to it since this one read it.
        earlier = await readEarlier();
        const next = earlierAfterSave(earlier, replaced, record);
        if (next) {
          await kv.set(AUTOSAVE_HISTORY_KEY, next);
          earlier = next;
        }
      }
      await kv.set(AUTOSAVE_KEY, record);
      base = revision;
      st.setConflict(false);
      // "Saved" only if what was written is still what is open: a change made while this write
      // was in flight is pending (its own write follows), so a reload now would lose it.
      const now = store.getState();
      now.setSaveStatus(now.doc === st.doc && now.view === st.view ? { state: 'saved' } : { state: 'pending' });
      channel?.postMessage({ type: 'saved', revision, tabId } satisfies TabMessage);
    } catch (e) {
      store.getState().setSaveStatus({ state: 'error', message: (e as Error).message || String(e) });
    }
  };
  const enqueue = (force: boolean) => (chain = chain.then(() => write(force)));
  const schedule = () => {
    if (timer) clearTimeout(timer);
    // Say at once that there is something to save, so "Saved" never describes an older state.
    if (!store.getState().conflict) store.getState().setSaveStatus({ state: 'pending' });
    timer = setTimeout(() => {
      timer = undefined;
      void enqueue(false);
    }, delay);
  };
  const unsub = store.subscribe((s, prev) => {
    if (s.doc !== prev.doc || s.view !== prev.view) schedule();
  });
  // Leaving or hiding the page writes what is pending now rather than after the debounce, so a
  // reload right after an edit loses nothing.
  const flushNow = () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = undefined;
    void enqueue(false);
  };
  const onHide = () => {
    if (typeof document === 'undefined' || document.visibilityState === 'hidden') flushNow();
  };
  if (typeof window !== 'undefined') {
    window.addEventListener('pagehide', flushNow);
    window.addEventListener('visibilitychange', onHide);
  }
  if (channel) {
    channel.onmessage = (ev: MessageEvent<TabMessage>) => {
      if (ev.data?.type === 'saved' && ev.data.tabId !== tabId && ev.data.revision !== base) store.getState().setConflict(true);
    };
  }
  return {
    flush: async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await enqueue(false);
    },
    keepMine: async () => {
      await enqueue(true);
    },
    reloadTheirs: async () => {
      const r = await loadAutosave(kv);
      if (r.doc && r.record) {
        replaceDocument(store, r.doc);
        store.setState({ view: r.record.view });
        base = r.record.revision;
        if (timer) clearTimeout(timer);
        timer = undefined;
      }
      store.getState().setConflict(false);
    },
    stop: () => {
      if (timer) clearTimeout(timer);
      if (typeof window !== 'undefined') {
        window.removeEventListener('pagehide', flushNow);
        window.removeEventListener('visibilitychange', onHide);
      }
      unsub();
      channel?.close();
    },
  };
}
