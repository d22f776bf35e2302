import { describe, expect, it, vi } from 'vitest';
import { buildTemplate } from '../../src/index.ts';
import { analysisOf, analysisRuns } from './derived.ts';
import { createEdgeSelector, createNodeSelector } from '../canvas/flow-adapter.ts';
import { createEditorStore, redo, replaceDocument, undo, withoutHistory } from './editor-store.ts';
import { AUTOSAVE_KEY, AUTOSAVE_SCHEMA, loadAutosave, startAutosave, UNRESTORED_KEY, type KeyValue } from './persistence.ts';

const blockOf = (name: string, store: ReturnType<typeof createEditorStore>) => store.getState().doc.nodes.find((n) => n.name === name)!;

describe('editor store', () => {
  it('opens the Fashion-MNIST ResNet by default', () => {
    const store = createEditorStore();
    expect(store.getState().doc.name).toBe(buildTemplate('fashion-resnet')!.name);
  });

  it('undoes and redoes document edits only, not selection or view', () => {
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    const b = blockOf('layer1.0', store);
    store.getState().select([b.id]);
    store.getState().setTheme('dark');
    store.getState().setParams(b.id, { stride: 2 });
    expect(blockOf('layer1.0', store).params['stride']).toBe(2);
    undo(store);
    expect(blockOf('layer1.0', store).params['stride']).toBe(1);
    expect(store.getState().view.theme).toBe('dark');
    redo(store);
    expect(blockOf('layer1.0', store).params['stride']).toBe(2);
  });

  it('a drag is one history entry, committed at its end, and never re-runs the analysis', () => {
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    analysisOf(store.getState().doc);
    const runs = analysisRuns();
    const b = blockOf('layer2.0', store);
    // The live drag stays in the canvas; the document gets the end position once.
    store.getState().commitPositions(new Map([[b.id, { x: 20, y: 20 }]]));
    analysisOf(store.getState().doc);
    expect(analysisRuns()).toBe(runs);
    expect(store.temporal.getState().pastStates).toHaveLength(1);
    undo(store);
    expect(blockOf('layer2.0', store).position).toEqual(b.position);
  });

  it('moving one node gives React Flow a new object for it and its frame only; the others and the edges keep their identity', () => {
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    const selectNodes = createNodeSelector();
    const selectEdges = createEdgeSelector();
    const before = selectNodes(store.getState());
    const edgesBefore = selectEdges(store.getState());
    const b = blockOf('layer2.0', store);
    store.getState().commitPositions(new Map([[b.id, { x: b.position.x + 40, y: b.position.y }]]));
    const after = selectNodes(store.getState());
    expect(after).toHaveLength(before.length);
    const changed = after.filter((n, i) => n !== before[i]).map((n) => n.id);
    // The node and the frame of the stage it sits in (which grows to hold it).
    expect(changed).toEqual(['frame:layer2', b.id]);
    expect(selectEdges(store.getState())).toBe(edgesBefore);
    store.getState().select([b.id]);
    const selected = selectNodes(store.getState());
    expect(selected.filter((n, i) => n !== after[i]).map((n) => n.id)).toEqual([b.id]);
    expect(selected.find((n) => n.id === b.id)!.data).toBe(after.find((n) => n.id === b.id)!.data);
  });

  it('a new seed redraws no card and no edge; a width edit redraws that block and what its shapes reach', () => {
    const store = createEditorStore({ doc: buildTemplate('cifar-resnet20')! });
    const selectNodes = createNodeSelector();
    const selectEdges = createEdgeSelector();
    const nodes = selectNodes(store.getState());
    const edges = selectEdges(store.getState());
    store.getState().setDocSettings({ seed: 1234 });
    expect(selectNodes(store.getState()).filter((n, i) => n !== nodes[i])).toEqual([]);
    expect(selectEdges(store.getState()).filter((e, i) => e !== edges[i])).toEqual([]);
    // Widening the last block changes its own card and the shapes after it, nothing before it.
    const b = blockOf('layer3.2', store);
    store.getState().setParams(b.id, { width: 80 });
    const redrawn = selectNodes(store.getState()).filter((n, i) => n !== nodes[i]).map((n) => (n.type === 'frame' ? n.id : (n.data as { node: { name: string } }).node.name));
    expect(redrawn).toContain('layer3.2');
    expect(redrawn).not.toContain('layer1.0');
    expect(redrawn).not.toContain('conv1');
    const shapes = selectEdges(store.getState()).filter((e, i) => e !== edges[i]).map((e) => e.data!.shape);
    expect(shapes.length).toBeGreaterThan(0);
    expect(shapes.every((x) => x.includes('80'))).toBe(true);
  });

  it('changing stride flips an auto shortcut from identity to projection', () => {
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    const b = blockOf('layer1.1', store);
    expect(analysisOf(store.getState().doc).nodes.get(b.id)!.shortcut!.kind).toBe('identity');
    store.getState().setParams(b.id, { stride: 2 });
    const sc = analysisOf(store.getState().doc).nodes.get(b.id)!.shortcut!;
    expect(sc.kind).toBe('projection');
    expect(sc.label).toBe('1x1 conv, /2');
  });

  it('refuses a cycle with the core diagnostic and leaves the document unchanged', () => {
    const store = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const doc = store.getState().doc;
    const last = doc.edges[doc.edges.length - 2]!;
    const err = store.getState().connectPorts({ source: last.target, sourcePort: 0, target: doc.edges[1]!.source, targetPort: 0 });
    expect(err?.code).toMatch(/RS10[16]/);
    expect(store.getState().doc).toBe(doc);
  });

  it('applies a one-click fix for an identity shortcut that changes dimensions', () => {
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    const b = blockOf('layer2.0', store);
    store.getState().setParams(b.id, { shortcut: 'identity' });
    const d = analysisOf(store.getState().doc).diagnostics.find((x) => x.code === 'RS206');
    expect(d?.fix).toBeDefined();
    store.getState().fix(d!.fix!);
    expect(analysisOf(store.getState().doc).diagnostics.filter((x) => x.severity === 'error')).toHaveLength(0);
  });

  it('expands a block into layers and collapses it back', () => {
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    const b = blockOf('layer2.0', store);
    const before = store.getState().doc.nodes.length;
    store.getState().expand(b.id);
    const doc = store.getState().doc;
    expect(doc.nodes.length).toBeGreaterThan(before);
    const shortcuts = analysisOf(doc).shortcuts.filter((s) => !s.collapsed);
    expect(shortcuts.some((s) => s.kind === 'projection' && s.edges.length > 0)).toBe(true);
    store.getState().collapse(b.id);
    expect(store.getState().doc.nodes.length).toBe(before);
    expect(analysisOf(store.getState().doc).totals.params).toBe(analysisOf(buildTemplate('resnet18')!).totals.params);
  });

  it('copies, pastes and duplicates the selection; deletes it', () => {
    const store = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const n = store.getState().doc.nodes.length;
    const b = store.getState().doc.nodes.find((x) => x.op === 'BasicBlock')!;
    store.getState().select([b.id]);
    store.getState().copySelection();
    store.getState().paste();
    expect(store.getState().doc.nodes.length).toBe(n + 1);
    store.getState().duplicateSelection();
    expect(store.getState().doc.nodes.length).toBe(n + 2);
    store.getState().removeSelected();
    expect(store.getState().doc.nodes.length).toBe(n + 1);
  });

  it('layout after an expand is undone together with it', () => {
    const store = createEditorStore({ doc: buildTemplate('resnet18')! });
    const b = blockOf('layer1.0', store);
    const original = store.getState().doc;
    store.getState().expand(b.id);
    withoutHistory(store, () => store.getState().commitPositions(new Map(store.getState().doc.nodes.map((x) => [x.id, { x: 1, y: 2 }]))));
    undo(store);
    expect(store.getState().doc).toBe(original);
  });

  it('replacing the document clears the history', () => {
    const store = createEditorStore();
    store.getState().addNodeAt('ReLU', { x: 0, y: 0 });
    replaceDocument(store, buildTemplate('blank')!);
    expect(store.temporal.getState().pastStates).toHaveLength(0);
  });
});

describe('autosave', () => {
  const memory = (): KeyValue & { map: Map<string, unknown> } => {
    const map = new Map<string, unknown>();
    return { map, get: async (k) => structuredClone(map.get(k)), set: async (k, v) => void map.set(k, structuredClone(v)) };
  };

  it('saves document and view debounced, and restores them', async () => {
    vi.useFakeTimers();
    const kv = memory();
    const store = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const h = startAutosave(store, { baseRevision: 0, kv, channel: null, delayMs: 300 });
    store.getState().setLanguage('zh-CN');
    store.getState().addNodeAt('ReLU', { x: 5, y: 5 });
    expect(kv.map.size).toBe(0);
    await vi.advanceTimersByTimeAsync(310);
    vi.useRealTimers();
    await h.flush();
    const r = await loadAutosave(kv);
    expect(r.doc).toEqual(store.getState().doc);
    expect(r.record!.view.language).toBe('zh-CN');
    expect(store.getState().saveStatus.state).toBe('saved');
    h.stop();
  });

  it('says at once that a change is unsaved, and writes it when the page is hidden or left, before the debounce', async () => {
    const kv = memory();
    const store = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const g = globalThis as { window?: EventTarget };
    const hadWindow = 'window' in g;
    g.window ??= new EventTarget();
    try {
      const h = startAutosave(store, { baseRevision: 0, kv, channel: null, delayMs: 60_000 });
      store.getState().setTheme('dark');
      expect(store.getState().saveStatus.state).toBe('pending');
      g.window!.dispatchEvent(new Event('pagehide'));
      // Written by the pagehide handler alone: the 60 s debounce has not run and flush() is not called.
      await vi.waitFor(async () => expect((await loadAutosave(kv)).record?.view.theme).toBe('dark'));
      expect(store.getState().saveStatus.state).toBe('saved');
      h.stop();
    } finally {
      if (!hadWindow) delete g.window;
    }
  });

  it('does not overwrite a newer revision from another tab: raises a conflict', async () => {
    const kv = memory();
    const a = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const b = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const ha = startAutosave(a, { baseRevision: 0, kv, channel: null, tabId: 'a', delayMs: 1 });
    const hb = startAutosave(b, { baseRevision: 0, kv, channel: null, tabId: 'b', delayMs: 1 });
    a.getState().addNodeAt('ReLU', { x: 0, y: 0 });
    await ha.flush();
    b.getState().addNodeAt('Sigmoid', { x: 0, y: 0 });
    await hb.flush();
    expect(b.getState().conflict).toBe(true);
    // Tab A's record survived: it is A's document exactly (A's added ReLU, not B's Sigmoid).
    const kept = (await loadAutosave(kv)).doc!;
    expect(kept.nodes.map((n) => n.id)).toEqual(a.getState().doc.nodes.map((n) => n.id));
    expect(kept.nodes.some((n) => n.op === 'Sigmoid')).toBe(false);
    expect(kept.nodes.filter((n) => n.op === 'ReLU').length).toBe(buildTemplate('tiny-resnet')!.nodes.filter((n) => n.op === 'ReLU').length + 1);
    await hb.keepMine();
    expect((await loadAutosave(kv)).doc!.nodes.some((n) => n.op === 'Sigmoid')).toBe(true);
    expect(b.getState().conflict).toBe(false);
    ha.stop();
    hb.stop();
  });

  it('reports a failing storage instead of swallowing it', async () => {
    const store = createEditorStore();
    const kv: KeyValue = { get: async () => undefined, set: async () => Promise.reject(new Error('QuotaExceededError')) };
    const h = startAutosave(store, { baseRevision: 0, kv, channel: null });
    await h.flush();
    expect(store.getState().saveStatus).toEqual({ state: 'error', message: 'QuotaExceededError' });
    h.stop();
  });

  it('reports a foreign autosave record, as a message the UI translates, keeping its language', async () => {
    const kv = memory();
    kv.map.set(AUTOSAVE_KEY, { schemaVersion: 99, view: { language: 'zh-CN' } });
    const r = await loadAutosave(kv);
    expect(r.error).toMatch(/unknown format/);
    expect(r.reason).toEqual({ key: 'boot.autosaveFormat', values: { version: '99' } });
    expect(r.language).toBe('zh-CN');
    expect(r.doc).toBeUndefined();
  });

  it('reports a stored document the core refuses by the core\'s own diagnostic', async () => {
    const kv = memory();
    kv.map.set(AUTOSAVE_KEY, { schemaVersion: AUTOSAVE_SCHEMA, revision: 3, document: '{"not":"a document"}', view: { language: 'en' } });
    const r = await loadAutosave(kv);
    expect(r.doc).toBeUndefined();
    expect(r.reason && 'code' in r.reason ? r.reason.code : undefined).toMatch(/^RS\d{3}$/);
    expect(r.error).toBe((r.reason as { message: string }).message);
    expect(r.language).toBe('en');
  });

  it('sets an unrestorable record aside and saves after it, without a false conflict and without destroying it', async () => {
    const kv = memory();
    const broken = { schemaVersion: AUTOSAVE_SCHEMA + 1, revision: 7, tabId: 'newer-app', document: 'from a newer version', view: { language: 'en' } };
    kv.map.set(AUTOSAVE_KEY, broken);
    const r = await loadAutosave(kv, { setAside: true });
    expect(r.doc).toBeUndefined();
    expect(r.revision).toBe(7);
    expect(kv.map.get(UNRESTORED_KEY)).toEqual(broken);
    const store = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
    const h = startAutosave(store, { baseRevision: r.revision ?? 0, kv, channel: null, delayMs: 1 });
    store.getState().addNodeAt('ReLU', { x: 0, y: 0 });
    await h.flush();
    expect(store.getState().conflict).toBe(false);
    expect(store.getState().saveStatus.state).toBe('saved');
    expect((await loadAutosave(kv)).record?.revision).toBe(8);
    expect(kv.map.get(UNRESTORED_KEY)).toEqual(broken);
    h.stop();
  });
});
