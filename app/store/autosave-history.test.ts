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

  it('an unreadable history is empty, not an error', async () => {
    const kv = memory();
    await kv.set('residual-studio/autosave-history', 'garbage');
    expect(await loadAutosaveHistory(kv)).toEqual([]);
    await kv.set('residual-studio/autosave-history', [{ savedAt: 1 }, entry('x', 2)]);
    expect((await loadAutosaveHistory(kv)).map((e) => e.document)).toEqual(['x']);
  });
});
