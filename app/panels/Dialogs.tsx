import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TEMPLATES } from '../../src/index.ts';
import { useActions } from '../canvas/useRelayout.ts';
import { diagnosticText, fixText } from '../i18n/diagnostics.ts';
import { useAnalysis, useEditor, useEditorStore } from '../store/context.tsx';

/** A dialog over the app: a title, a Close button (`<testId>.close`); a click outside closes it too. */
export function Modal({ title, testId, children }: { title: string; testId: string; children: React.ReactNode }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  return (
    <div className="modal-backdrop" onClick={() => store.getState().openDialog('none')}>
      <div className="modal" role="dialog" aria-label={title} data-testid={testId} onClick={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h2>{title}</h2>
          <button onClick={() => store.getState().openDialog('none')} data-testid={`${testId}.close`}>
            {t('gallery.close')}
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** The template gallery: every template of the core, and blank. */
function Gallery() {
  const { t } = useTranslation();
  const actions = useActions();
  const families = [...new Set(TEMPLATES.map((x) => x.family))];
  // A template is laid out before it opens (ELK's first layout can take a second or two): say so.
  const [opening, setOpening] = useState<string>();
  const open = (id: string) => {
    setOpening(id);
    void Promise.resolve(actions.loadTemplate(id)).finally(() => setOpening(undefined));
  };
  return (
    <Modal title={t('gallery.title')} testId="gallery">
      {families.map((f) => (
        <section key={f} className="gallery-family">
          <h3>{t(`gallery.family.${f}`)}</h3>
          <div className="gallery-grid">
            {TEMPLATES.filter((x) => x.family === f).map((x) => (
              <button key={x.id} className="gallery-card" data-testid={`gallery.template.${x.id}`} disabled={opening !== undefined} aria-busy={opening === x.id} onClick={() => open(x.id)}>
                <b>{x.title}</b>
                <span>{opening === x.id ? t('gallery.opening') : x.description}</span>
              </button>
            ))}
          </div>
        </section>
      ))}
    </Modal>
  );
}

function Help() {
  const { t } = useTranslation();
  const rows: [string, string][] = [
    ['Delete / Backspace', 'help.delete'],
    ['Ctrl+Z', 'help.undo'],
    ['Ctrl+Shift+Z / Ctrl+Y', 'help.redo'],
    ['Ctrl+C', 'help.copy'],
    ['Ctrl+V', 'help.paste'],
    ['Ctrl+D', 'help.duplicate'],
    ['Ctrl+S', 'help.save'],
    ['F', 'help.fit'],
    ['?', 'help.help'],
    [t('help.doubleClick'), 'help.expand'],
  ];
  return (
    <Modal title={t('help.title')} testId="help">
      <table className="help-table">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{t(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

function DiagnosticsList() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const a = useAnalysis();
  const names = useEditor((s) => s.doc.nodes);
  const nameOf = (id?: string) => names.find((n) => n.id === id)?.name;
  return (
    <Modal title={t('diag.title')} testId="diagnostics">
      {a.diagnostics.length === 0 ? (
        <p>{t('diag.none')}</p>
      ) : (
        <ul className="diag-list">
          {a.diagnostics.map((d, i) => (
            <li key={i} className={`sev-${d.severity}`}>
              <b>{d.code}</b> {nameOf(d.nodeId) ? <i>{nameOf(d.nodeId)}: </i> : null}
              {diagnosticText(t, d)}
              {d.fix && <button onClick={() => store.getState().fix(d.fix!)}>{t('card.fix', { label: fixText(t, d.fix) })}</button>}
              {d.nodeId && <button onClick={() => store.getState().select([d.nodeId!])}>→</button>}
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

/** Whichever dialog is open. */
export function Dialogs() {
  const dialog = useEditor((s) => s.dialog);
  if (dialog === 'gallery') return <Gallery />;
  if (dialog === 'help') return <Help />;
  if (dialog === 'diagnostics') return <DiagnosticsList />;
  return null;
}
