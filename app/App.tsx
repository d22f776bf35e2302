import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { buildTemplate, parseDocument, serializeDocument } from '../src/index.ts';
import { Canvas } from './canvas/Canvas.tsx';
import { layoutDocument } from './canvas/layout.ts';
import { ActionsContext, type EditorActions } from './canvas/useRelayout.ts';
import { Dialogs } from './panels/Dialogs.tsx';
import { Inspector } from './panels/Inspector.tsx';
import { Notices } from './panels/Notices.tsx';
import { Palette } from './panels/Palette.tsx';
import { RunPanel } from './panels/RunPanel.tsx';
import { StatusBar } from './panels/StatusBar.tsx';
import { TopBar } from './panels/TopBar.tsx';
import { EditorProvider, useAnalysis, useEditor, useEditorStore } from './store/context.tsx';
import { redo, replaceDocument, undo, withoutHistory, type EditorStore } from './store/editor-store.ts';
import type { AutosaveHandle } from './store/persistence.ts';
import { useKeyboard } from './useKeyboard.ts';

function useEditorActions(store: EditorStore, autosave: AutosaveHandle | undefined): EditorActions {
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
        let text: string;
        try {
          text = await file.text();
        } catch (e) {
          store.getState().setFileError({ file: file.name, messages: [(e as Error).message] });
          return;
        }
        const { doc, diagnostics } = parseDocument(text);
        if (!doc) {
          store.getState().setFileError({ file: file.name, messages: diagnostics.map((d) => `${d.code}: ${d.message}`) });
          return;
        }
        store.getState().setFileError(undefined);
        replaceDocument(store, doc);
        store.getState().toast('toast.opened', 'info', { values: { file: file.name } });
        fit();
      },
      loadTemplate(id) {
        const doc = buildTemplate(id);
        if (!doc) return;
        store.getState().openDialog('none');
        replaceDocument(store, doc);
        void relayout({ history: false, fit: true });
      },
    };
  }, [rf, store, autosave]);
}

function Shell({ autosave }: { autosave: AutosaveHandle | undefined }) {
  const store = useEditorStore();
  const actions = useEditorActions(store, autosave);
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
  useKeyboard(store, actions, { undo: () => undo(store), redo: () => redo(store) });
  return (
    <ActionsContext.Provider value={actions}>
      <div className={`app theme-${theme}`} data-testid="app">
        <TopBar />
        <Palette />
        <main className="center">
          <Canvas />
        </main>
        <aside className="right">
          <Inspector />
          <RunPanelMount />
        </aside>
        <StatusBar />
        <Dialogs />
        <Notices onKeepMine={() => void autosave?.keepMine()} onReloadTheirs={() => void autosave?.reloadTheirs()} />
      </div>
    </ActionsContext.Provider>
  );
}

function RunPanelMount() {
  const doc = useEditor((s) => s.doc);
  const selection = useEditor(useShallow((s) => ({ nodeId: s.selection.nodes[0], edgeId: s.selection.edge })));
  const analysis = useAnalysis();
  const sel = useMemo(() => ({ ...(selection.nodeId ? { nodeId: selection.nodeId } : {}), ...(selection.edgeId ? { edgeId: selection.edgeId } : {}) }), [selection.nodeId, selection.edgeId]);
  return <RunPanel doc={doc} analysis={analysis} selection={sel} />;
}

/** The editor: one store, provided to everything below. */
export function App({ store, autosave, onReady }: { store: EditorStore; autosave?: AutosaveHandle; onReady?: (a: EditorActions) => void }) {
  return (
    <EditorProvider store={store}>
      <ReactFlowProvider>
        <Shell autosave={autosave} />
        {onReady && <ReadySignal onReady={onReady} />}
      </ReactFlowProvider>
    </EditorProvider>
  );
}

function ReadySignal({ onReady }: { onReady: (a: EditorActions) => void }) {
  const store = useEditorStore();
  const actions = useEditorActions(store, undefined);
  useEffect(() => onReady(actions), [actions, onReady]);
  return null;
}
