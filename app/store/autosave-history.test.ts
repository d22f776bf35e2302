import { describe, expect, it } from 'vitest';
import { buildTemplate, parseDocument, serializeDocument } from '../../src/index.ts';
import { createEditorStore, replaceDocument } from './editor-store.ts';
import { AUTOSAVE_HISTORY_SIZE, AUTOSAVE_HISTORY_SPACING_MS, loadAutosaveHistory, pushHistory, startAutosave, type AutosaveHistoryEntry, type KeyValue } from './persistence.ts';

const memory = (): KeyValue & { map: Map<string, unknown> } => {
  const map = new Map<string, unknown>();
  return { map, get: async (k) => structuredClone(map.get(k)), set: async (k, v) => void map.set(k, structuredClone(v)) };
};

const entry = (document: string, savedAt: number): AutosaveHistoryEntry => ({ document, savedAt, name: document });

describe('autosave history', () => {
  it('keeps earlier documents a spacing apart however often it saves, newest first, at most AUTOSAVE_HISTORY_SIZE', () => {
    let h: AutosaveHistoryEntry[] = [];
    // One save a second for ten minutes, each a different document.
    for (let s = 0; s <= 600; s++) h = pushHistory(h, entry(`doc ${s}`, s * 1000));
    expect(h).toHaveLength(AUTOSAVE_HISTORY_SIZE);
    expect(h[0]!.document).toBe('doc 600');
    for (let i = 1; i + 1 < h.length; i++) expect(h[i]!.savedAt - h[i + 1]!.savedAt).toBeGreaterThanOrEqual(AUTOSAVE_HISTORY_SPACING_MS - 1000);
    // Saving the same document again (a view change) adds nothing.
    expect(pushHistory(h, entry('doc 600', 700_000)).map((e) => e.document)).toEqual(h.map((e) => e.document));
  });

  it('autosave records the documents it saves, so the one before a template was loaded can be compared with', async () => {
    const kv = memory();
    const store = createEditorStore({ doc: buildTemplate('resnet34')! });
    const h = startAutosave(store, { baseRevision: 0, kv, channel: null, delayMs: 1 });
    store.getState().addNodeAt('ReLU', { x: 5, y: 5 });
    await h.flush();
    replaceDocument(store, buildTemplate('plain34')!);
    await h.flush();
    const history = await loadAutosaveHistory(kv);
    expect(history.map((e) => e.name)).toEqual(['Plain-34', 'ResNet-34']);
    const earlier = parseDocument(history[1]!.document).doc!;
    expect(earlier.nodes.filter((n) => n.op === 'ReLU').length).toBe(buildTemplate('resnet34')!.nodes.filter((n) => n.op === 'ReLU').length + 1);
    expect(history[0]!.document).toBe(serializeDocument(store.getState().doc));
    h.stop();
  });

  it('a save writes the history only when an entry is due: many saves within a minute write it once', async () => {
    const kv = memory();
    const writes: string[] = [];
    const counted: KeyValue = { get: kv.get, set: async (k, v) => { writes.push(k); await kv.set(k, v); } };
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    const h = startAutosave(store, { baseRevision: 0, kv: counted, channel: null, delayMs: 1 });
    await h.flush(); // the first save: nothing earlier to keep
    for (let i = 0; i < 12; i++) {
      store.getState().addNodeAt('ReLU', { x: 5 * i, y: 5 });
      await h.flush();
    }
    // 13 records; the history once (the template as loaded, kept when the first edit was saved).
    expect(writes.filter((k) => k === 'residual-studio/autosave').length).toBe(13);
    expect(writes.filter((k) => k === 'residual-studio/autosave-history').length).toBe(1);
    const history = await loadAutosaveHistory(kv);
    expect(history).toHaveLength(2);
    expect(history[0]!.document).toBe(serializeDocument(store.getState().doc));
    expect(parseDocument(history[1]!.document).doc!.nodes.length).toBe(buildTemplate('resnet18')!.nodes.length);
    // A view change saves the same document: no history write either.
    writes.length = 0;
    store.getState().setTheme('dark');
    await h.flush();
    expect(writes).not.toContain('residual-studio/autosave-history');
    h.stop();
  });

  it('a history written when it still repeated the newest document shows it once', async () => {
    const kv = memory();
    const doc = serializeDocument(buildTemplate('resnet18')!);
    await kv.set('residual-studio/autosave', { schemaVersion: 1, revision: 3, tabId: 't', savedAt: 5000, document: doc, view: {} });
    await kv.set('residual-studio/autosave-history', [entry(doc, 5000), entry('older', 1000)]);
    const history = await loadAutosaveHistory(kv);
    expect(history.map((e) => e.document)).toEqual([doc, 'older']);
    expect(history[0]!.name).toBe('ResNet-18');
  });

  it('an unreadable history is empty, not an error', async () => {
    const kv = memory();
    await kv.set('residual-studio/autosave-history', 'garbage');
    expect(await loadAutosaveHistory(kv)).toEqual([]);
    await kv.set('residual-studio/autosave-history', [{ savedAt: 1 }, entry('x', 2)]);
    expect((await loadAutosaveHistory(kv)).map((e) => e.document)).toEqual(['x']);
  });
});
