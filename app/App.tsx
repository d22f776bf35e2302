import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { memo, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { buildTemplate, diag, moveNodes, msg, parseDocument, serializeDocument, type ResidualDocument } from '../src/index.ts';
import { Canvas } from './canvas/Canvas.tsx';
import { layoutDocument } from './canvas/layout.ts';
import { ActionsContext, type EditorActions } from './canvas/useRelayout.ts';
import { Dialogs } from './panels/Dialogs.tsx';
import { CompareDialog } from './panels/diff/CompareDialog.tsx';
import { DiffPanel } from './panels/diff/DiffPanel.tsx';
import { ImportProgress, openOnnxFile, type ImportProgressState } from './panels/ImportProgress.tsx';
import { downloadBytes, exportOnnx } from './runtime/export-onnx.ts';
import { isWeightsFile, openWeightsFile } from './runtime/open-weights.ts';
import { loadDefaultDocument } from './store/default-model.ts';
import { Inspector } from './panels/Inspector.tsx';
import { Notices } from './panels/Notices.tsx';
import { Palette } from './panels/Palette.tsx';
import { RunPanel } from './panels/RunPanel.tsx';
import { SideTabs } from './panels/train/TrainPanel.tsx';
import { LabLayer } from './panels/lab/LabView.tsx';
import { LesionLayer } from './panels/lesion/LesionView.tsx';
import { StatusBar } from './panels/StatusBar.tsx';
import { TopBar } from './panels/TopBar.tsx';
import { EditorProvider, useAnalysis, useEditor, useEditorStore } from './store/context.tsx';
import { redo, replaceDocument, undo, withoutHistory, type EditorStore } from './store/editor-store.ts';
import type { AutosaveHandle } from './store/persistence.ts';
import { useKeyboard } from './useKeyboard.ts';
import { TeachingProvider, useTeachingStore } from './teaching/context.tsx';
import { locksEditing } from './teaching/restrictions.ts';
import { TeachingLayer, useTeachingRoot } from './teaching/TeachingLayer.tsx';
import { createTeachingStore, type TeachingStore } from './teaching/teaching-store.ts';

/** True when a file is an ONNX model rather than a project: by name, or by not starting like JSON. */
async function looksLikeOnnx(file: File): Promise<boolean> {
  if (/\.onnx$/i.test(file.name)) return true;
  if (/\.json$/i.test(file.name)) return false;
  const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
  const first = head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf);
  return first !== undefined && first !== 0x7b;
}

function useEditorActions(store: EditorStore, autosave: AutosaveHandle | undefined, onProgress: (p: ImportProgressState | undefined) => void = () => {}): EditorActions {
  const rf = useReactFlow();
  return useMemo(() => {
    const fit = () => requestAnimationFrame(() => void rf.fitView({ padding: 0.08, duration: 0, maxZoom: 1.1 }));
    const relayout: EditorActions['relayout'] = async (opts = {}) => {
      const s = store.getState();
      const doc = s.doc;
      try {
        const positions = await layoutDocument(doc, s.view.direction);
        if (opts.history) store.getState().commitPositions(positions);
        else withoutHistory(store, () => store.getState().commitPositions(positions));
        if (opts.fit !== false) fit();
      } catch (e) {
        store.getState().toast('toast.layoutFailed', 'error', { values: { message: (e as Error).message } });
      }
    };
    /** The document with the auto layout applied, so it is shown (and autosaved) once, already in place. */
    const laidOutDoc = async (doc: ResidualDocument): Promise<ResidualDocument> => {
      try {
        return moveNodes(doc, await layoutDocument(doc, store.getState().view.direction));
      } catch (e) {
        store.getState().toast('toast.layoutFailed', 'error', { values: { message: (e as Error).message } });
        return doc;
      }
    };
    return {
      fit,
      relayout,
      relayoutAfter(edit) {
        const before = store.getState().doc;
        edit();
        if (store.getState().doc !== before) void relayout({ history: false, fit: false });
      },
      saveFile() {
        const doc = store.getState().doc;
        const blob = new Blob([serializeDocument(doc)], { type: 'application/json' });
        const a = document.createElement('a');
        const file = `${doc.name.replace(/[^\w.-]+/g, '-') || 'network'}.json`;
        a.href = URL.createObjectURL(blob);
        a.download = file;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 1000);
        void autosave?.flush();
        store.getState().toast('toast.saved', 'info', { values: { file } });
      },
      async openFile(file) {
        // Weights for the open network (a state_dict saved from PyTorch), not a network of their own.
        if (isWeightsFile(file)) return openWeightsFile(store, file);
        if (await looksLikeOnnx(file)) {
          const r = await openOnnxFile(file, onProgress);
          onProgress(undefined);
          if (!r.ok) {
            const errors = r.diagnostics.filter((d) => d.severity === 'error');
            store.getState().setFileError({ file: file.name, messages: errors.length ? errors : r.diagnostics });
            return;
          }
          store.getState().setFileError(undefined);
          // Our own exports carry their layout; anything else is laid out before it is shown.
          replaceDocument(store, r.embedded ? r.doc : await laidOutDoc(r.doc));
          for (const d of r.diagnostics.filter((x) => x.code === 'RS504')) store.getState().toast('toast.weightsLocal', 'error', { values: { message: d } });
          // A symbolic input size was given a working size: say which, and that exports keep it symbolic.
          for (const d of r.diagnostics.filter((x) => x.code === 'RS606')) store.getState().toast('toast.importNote', 'info', { values: { code: d.code, message: d } });
          store.getState().toast('toast.opened', 'info', { values: { file: file.name } });
          fit();
          return;
        }
        let text: string;
        try {
          text = await file.text();
        } catch (e) {
          store.getState().setFileError({ file: file.name, messages: [diag('RS501', msg('file-unreadable', { name: file.name, error: (e as Error).message }))] });
          return;
        }
        const { doc, diagnostics } = parseDocument(text);
        if (!doc) {
          store.getState().setFileError({ file: file.name, messages: diagnostics });
          return;
        }
        store.getState().setFileError(undefined);
        replaceDocument(store, doc);
        store.getState().toast('toast.opened', 'info', { values: { file: file.name } });
        fit();
      },
      async exportOnnx() {
        const doc = store.getState().doc;
        const file = `${doc.name.replace(/[^\w.-]+/g, '-') || 'network'}.onnx`;
        const r = await exportOnnx(doc);
        if (!r.ok) {
          const first = r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0];
          if (first) store.getState().toast('toast.exportFailed', 'error', { values: { code: first.code, message: first } });
          else store.getState().toast('toast.exportCrashed', 'error', { values: { message: r.notes[0] ?? { key: 'export.unknown' } } });
          return;
        }
        downloadBytes(r.bytes, file);
        store.getState().toast('toast.exported', 'info', { values: { file } });
        // What the file does not say: an unused node left out (RS107), weights that did not fit.
        for (const w of r.diagnostics.filter((d) => d.severity === 'warning').slice(0, 3)) store.getState().toast('toast.exportWarning', 'error', { values: { code: w.code, message: w } });
        // Exported, but not as the user may think: the trained weights could not be loaded.
        for (const n of r.notes) store.getState().toast(n.key, 'error', { values: { ...n.values } });
      },
      async loadTemplate(id) {
        // The trained default opens with its weights; the other templates start fresh.
        // Laid out before it replaces the open document: one change, so one autosave and one compile.
        const loaded = id === 'fashion-resnet' ? await loadDefaultDocument() : { doc: buildTemplate(id), laidOut: false };
        if (!loaded.doc) return;
        const doc = loaded.laidOut && store.getState().view.direction === 'TB' ? loaded.doc : await laidOutDoc(loaded.doc);
        store.getState().openDialog('none');
        replaceDocument(store, doc);
        fit();
      },
    };
  }, [rf, store, autosave, onProgress]);
}

function Shell({ autosave, onReady }: { autosave: AutosaveHandle | undefined; onReady?: ((a: EditorActions) => void) | undefined }) {
  const store = useEditorStore();
  const [progress, setProgress] = useState<ImportProgressState | undefined>();
  const actions = useEditorActions(store, autosave, setProgress);
  const { i18n, t } = useTranslation();
  const { theme, language } = useEditor(useShallow((s) => ({ theme: s.view.theme, language: s.view.language })));
  useEffect(() => {
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
    document.title = t('app.title');
  }, [language, i18n, t]);
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  const teaching = useTeachingStore();
  useKeyboard(store, actions, { undo: () => undo(store), redo: () => redo(store) }, { editingLocked: () => locksEditing(teaching.getState().lock), onRefused: () => store.getState().toast('teach.editLocked', 'info') });
  useEffect(() => onReady?.(actions), [actions, onReady]);
  const teachingRoot = useTeachingRoot();
  return (
    <ActionsContext.Provider value={actions}>
      <div className={`app theme-${theme}${teachingRoot.className}`} data-testid="app" data-hide={teachingRoot['data-hide']} data-presenter={teachingRoot['data-presenter']}>
        <TopBar />
        <Palette />
        <main className="center">
          <Canvas />
          <DiffPanel />
        </main>
        <aside className="right">
          <Inspector />
          <SideTabs run={<RunPanelMount />} />
        </aside>
        <StatusBar />
        <Dialogs />
        <CompareDialog />
        <ImportProgress progress={progress} />
        <Notices onKeepMine={() => void autosave?.keepMine()} onReloadTheirs={() => void autosave?.reloadTheirs()} />
        <LabLayer />
        <LesionLayer />
        <TeachingLayer />
      </div>
    </ActionsContext.Provider>
  );
}

/** Re-renders only when its (deferred) props change. */
const RunPanelMemo = memo(RunPanel);

/**
 * The run panel follows the document one step behind: its inputs are deferred values, so an
 * edit first updates the canvas, the inspector and the status bar (the urgent render) and the run
 * panel re-renders right after, in an interruptible background render.
 */
function RunPanelMount() {
  const doc = useEditor((s) => s.doc);
  const selection = useEditor(useShallow((s) => ({ nodeId: s.selection.nodes[0], edgeId: s.selection.edge })));
  const analysis = useAnalysis();
  const sel = useMemo(() => ({ ...(selection.nodeId ? { nodeId: selection.nodeId } : {}), ...(selection.edgeId ? { edgeId: selection.edgeId } : {}) }), [selection.nodeId, selection.edgeId]);
  const later = useDeferredValue(useMemo(() => ({ doc, analysis, sel }), [doc, analysis, sel]));
  return <RunPanelMemo doc={later.doc} analysis={later.analysis} selection={later.sel} />;
}

/** The editor: one store, provided to everything below. */
export function App({ store, autosave, onReady, teaching }: { store: EditorStore; autosave?: AutosaveHandle; onReady?: (a: EditorActions) => void; teaching?: TeachingStore }) {
  const [teach] = useState(() => teaching ?? createTeachingStore());
  return (
    <EditorProvider store={store}>
      <TeachingProvider store={teach}>
        <ReactFlowProvider>
          <Shell autosave={autosave} onReady={onReady} />
        </ReactFlowProvider>
      </TeachingProvider>
    </EditorProvider>
  );
}
