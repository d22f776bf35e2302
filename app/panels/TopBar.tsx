import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useActions } from '../canvas/useRelayout.ts';
import { useEditor, useEditorStore } from '../store/context.tsx';
import { redo, undo } from '../store/editor-store.ts';
import type { Language } from '../store/view-slice.ts';
import { ExportPyTorchButton } from './ExportPyTorchButton.tsx';
import { TeachingButtons } from '../teaching/TeachingButtons.tsx';

/** Top bar: templates, open/save, undo/redo, layout direction, language, theme, help. */
export function TopBar() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const actions = useActions();
  const fileRef = useRef<HTMLInputElement>(null);
  const view = useEditor(useShallow((s) => ({ direction: s.view.direction, theme: s.view.theme, language: s.view.language, name: s.doc.name })));
  const { canUndo, canRedo } = useStore(store.temporal, useShallow((s) => ({ canUndo: s.pastStates.length > 0, canRedo: s.futureStates.length > 0 })));
  return (
    <header className="topbar" data-testid="topbar">
      <span className="brand">{t('app.title')}</span>
      <span className="doc-name" data-testid="topbar.docName">
        {view.name}
      </span>
      <button onClick={() => store.getState().openDialog('gallery')} data-testid="topbar.templates">
        {t('top.templates')}
      </button>
      <button onClick={() => fileRef.current?.click()} data-testid="topbar.open">
        {t('top.open')}
      </button>
      <input
        ref={fileRef}
        type="file"
        accept=".json,.onnx,.safetensors,application/json"
        hidden
        data-testid="topbar.fileInput"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void actions.openFile(f);
        }}
      />
      <button onClick={() => actions.saveFile()} data-testid="topbar.save" title="Ctrl+S">
        {t('top.save')}
      </button>
      <button onClick={() => void actions.exportOnnx()} data-testid="topbar.export">
        {t('top.exportOnnx')}
      </button>
      <ExportPyTorchButton />
      <button onClick={() => store.getState().openDialog('compare')} data-testid="topbar.compare">
        {t('diff.compare')}
      </button>
      <span className="sep" />
      <button onClick={() => undo(store)} disabled={!canUndo} data-testid="topbar.undo" title={`${t('top.undo')} (Ctrl+Z)`} aria-label={t('top.undo')} className="icon">
        ↶
      </button>
      <button onClick={() => redo(store)} disabled={!canRedo} data-testid="topbar.redo" title={`${t('top.redo')} (Ctrl+Shift+Z)`} aria-label={t('top.redo')} className="icon">
        ↷
      </button>
      <span className="sep" />
      <TeachingButtons />
      <span className="sep" />
      <div className="seg" role="group" aria-label={t('top.layout')}>
        {(['TB', 'LR'] as const).map((d) => (
          <button
            key={d}
            aria-pressed={view.direction === d}
            data-testid={`topbar.layout.${d}`}
            className="icon"
            aria-label={t(d === 'TB' ? 'top.layoutTB' : 'top.layoutLR')}
            title={t(d === 'TB' ? 'top.layoutTB' : 'top.layoutLR')}
            onClick={() => {
              store.getState().setDirection(d);
              void actions.relayout({ history: true, fit: true });
            }}
          >
            {d === 'TB' ? '↓' : '→'}
          </button>
        ))}
      </div>
      <span className="grow" />
      <select aria-label={t('top.language')} value={view.language} onChange={(e) => store.getState().setLanguage(e.target.value as Language)} data-testid="topbar.language">
        <option value="en" title="English">EN</option>
        <option value="zh-CN" title="简体中文">中文</option>
      </select>
      <button onClick={() => store.getState().setTheme(view.theme === 'light' ? 'dark' : 'light')} data-testid="topbar.theme" aria-label={t('top.theme')} title={t(view.theme === 'light' ? 'top.dark' : 'top.light')} className="icon">
        {view.theme === 'light' ? '☾' : '☀'}
      </button>
      <button onClick={() => store.getState().openDialog('help')} data-testid="topbar.help" aria-label={t('top.help')} title={t('top.help')} className="icon">
        ?
      </button>
    </header>
  );
}
