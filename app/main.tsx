import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { buildTemplate, expandNode, isBlockKind, moveNodes, type ResidualDocument } from '../src/index.ts';
import { App } from './App.tsx';
import { layoutDocument } from './canvas/layout.ts';
import type { EditorActions } from './canvas/useRelayout.ts';
import { initI18n } from './i18n/index.ts';
import i18next from 'i18next';
import { decodeLink } from './links/classroom-link.ts';
import { refusalNotice } from './teaching/restrictions.ts';
import { createTeachingStore } from './teaching/teaching-store.ts';
import { analysisOf } from './store/derived.ts';
import { loadDefaultDocument } from './store/default-model.ts';
import { createEditorStore } from './store/editor-store.ts';
import { loadAutosave, startAutosave, type AutosaveHandle } from './store/persistence.ts';
import type { Notice, ToastValue } from './store/ui-slice.ts';
import type { ViewSlice } from './store/view-slice.ts';

/** Expands every block and stage until only layers remain (bench and teaching views). */
export function expandAll(doc: ResidualDocument): ResidualDocument {
  for (let guard = 0; guard < 8; guard++) {
    const blocks = doc.nodes.filter((n) => isBlockKind(n.op));
    if (blocks.length === 0) break;
    for (const b of blocks) {
      const shape = analysisOf(doc).nodes.get(b.id)?.inputShapes[0];
      if (shape) doc = expandNode(doc, b.id, shape);
    }
  }
  return doc;
}

declare global {
  interface Window {
    /** Timestamps for the UI benchmark (scripts/bench-ui.mjs). */
    __rsBench?: { ready?: number };
  }
}

async function boot() {
  const params = new URLSearchParams(location.search);
  const template = params.get('template');
  // A classroom link opens its own document and leaves the autosaved one alone.
  const link = decodeLink(location.hash);
  const fromLink = link?.ok === true;
  const persist = params.get('persist') !== '0' && !fromLink;
  let doc: ResidualDocument | undefined;
  let view: Partial<ViewSlice['view']> | undefined;
  let revision = 0;
  let restoreError: ToastValue | undefined;
  const model = params.get('model');
  // The shipped default model comes laid out (top-down); everything else opened fresh is laid out here.
  let laidOut = false;
  if (link?.ok) doc = link.link.doc;
  else if (template === 'fashion-resnet') ({ doc, laidOut } = await loadDefaultDocument());
  else if (template) doc = buildTemplate(template);
  else if (persist) {
    try {
      const r = await loadAutosave(undefined, { setAside: true });
      if (r.error) {
        restoreError = r.reason ?? r.error;
        if (r.language) view = { language: r.language };
        // Saving continues after the record that was set aside, so it is not taken for another tab's.
        revision = r.revision ?? 0;
      }
      if (r.doc && r.record) {
        doc = r.doc;
        view = r.record.view;
        revision = r.record.revision;
      }
    } catch (e) {
      restoreError = (e as Error).message;
    }
  }
  const fresh = !doc;
  if (!doc) ({ doc, laidOut } = await loadDefaultDocument());
  if (params.get('expand') === 'all') doc = expandAll(doc);
  initI18n(view?.language ?? 'en');
  const expanded = params.get('expand') === 'all';
  const opened = fresh || !!template || expanded || fromLink;
  const direction = view?.direction ?? 'TB';
  // Laid out before the store exists, so the document is shown, compiled and autosaved once, in place.
  let layoutError: string | undefined;
  if (opened && !(laidOut && !expanded && direction === 'TB')) {
    try {
      doc = moveNodes(doc, await layoutDocument(doc, direction));
    } catch (e) {
      layoutError = (e as Error).message;
    }
  }
  const store = createEditorStore({ doc, ...(view ? { view } : {}) });
  if (restoreError) store.getState().toast('toast.restoreFailed', 'error', { values: { message: restoreError } });
  if (layoutError) store.getState().toast('toast.layoutFailed', 'error', { values: { message: layoutError } });
  if (link && !link.ok) store.getState().setFileError({ file: i18next.t('teach.linkName'), messages: [refusalNotice(link.refusal)] });
  const teaching = createTeachingStore(link?.ok ? link.link : undefined);
  let autosave: AutosaveHandle | undefined;
  if (persist) autosave = startAutosave(store, { baseRevision: revision });
  window.__rsBench = {};
  let started = false;
  createRoot(document.getElementById('root')!).render(
    <App
      store={store}
      teaching={teaching}
      {...(autosave ? { autosave } : {})}
      onReady={(actions) => {
        if (started) return;
        started = true;
        if (opened) actions.fit();
        requestAnimationFrame(() => (window.__rsBench!.ready = performance.now()));
        if (model) void openModelUrl(model, actions, store);
      }}
    />,
  );
}

/** `?model=<url>`: opens a same-origin ONNX or project file as if it had been picked. */
async function openModelUrl(url: string, actions: EditorActions, store: ReturnType<typeof createEditorStore>) {
  const fail = (message: Notice) => store.getState().setFileError({ file: url, messages: [message] });
  let target: URL;
  try {
    target = new URL(url, location.href);
  } catch {
    return fail({ key: 'file.notUrl' });
  }
  if (target.origin !== location.origin) return fail({ key: 'file.otherOrigin', values: { origin: target.origin } });
  let file: File;
  try {
    const res = await fetch(target);
    if (!res.ok) return fail({ key: 'file.httpStatus', values: { status: res.status, statusText: res.statusText } });
    const name = decodeURIComponent(target.pathname.split('/').pop() || 'model.onnx');
    file = new File([await res.blob()], name);
  } catch (e) {
    // The browser's own words (e.g. "Failed to fetch") inside a translated sentence.
    return fail({ key: 'file.downloadFailed', values: { detail: (e as Error).message } });
  }
  await actions.openFile(file);
}

void boot();
