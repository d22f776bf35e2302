import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { buildTemplate, diag, msg, parseDocument, serializeDocument, TEMPLATES, type ResidualDocument } from '../../../src/index.ts';
import { useEditor, useEditorStore } from '../../store/context.tsx';
import { loadAutosaveHistory, type AutosaveHistoryEntry } from '../../store/persistence.ts';
import { noticeText, type CompareTarget, type Notice } from '../../store/ui-slice.ts';
import { Modal } from '../Dialogs.tsx';
import { openOnnxFile } from '../ImportProgress.tsx';

/** Reads a project or ONNX file as a document to compare with; a bad file gives its reasons. */
async function readCompared(file: File): Promise<{ doc?: ResidualDocument; problems: readonly Notice[] }> {
  if (/\.onnx$/i.test(file.name)) {
    const r = await openOnnxFile(file);
    if (r.ok) return { doc: r.doc, problems: [] };
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    return { problems: errors.length ? errors : r.diagnostics };
  }
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    return { problems: [diag('RS501', msg('file-unreadable', { name: file.name, error: (e as Error).message }))] };
  }
  const { doc, diagnostics } = parseDocument(text);
  return doc ? { doc, problems: [] } : { problems: diagnostics };
}

/**
 * Chooses what the open network is compared with: a template, a project or ONNX file, or one of
 * the earlier autosaves. Choosing enters diff mode; a file that cannot be read says why here and
 * changes nothing.
 */
export function CompareDialog() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const open = useEditor((s) => s.dialog === 'compare');
  const language = useEditor((s) => s.view.language);
  const fileRef = useRef<HTMLInputElement>(null);
  const [template, setTemplate] = useState(TEMPLATES[0]!.id);
  const [history, setHistory] = useState<AutosaveHistoryEntry[]>([]);
  const [refused, setRefused] = useState<{ file: string; problems: readonly Notice[] }>();
  const [reading, setReading] = useState<string>();
  useEffect(() => {
    if (!open) return;
    setRefused(undefined);
    const current = serializeDocument(store.getState().doc);
    // An autosave equal to the open document has nothing to show.
    loadAutosaveHistory()
      .then((h) => setHistory(h.filter((e) => e.document !== current)))
      .catch(() => setHistory([]));
  }, [open, store]);
  if (!open) return null;
  const start = (c: CompareTarget) => {
    store.getState().setCompare(c);
    store.getState().openDialog('none');
  };
  const onFile = async (file: File) => {
    setReading(file.name);
    const r = await readCompared(file);
    setReading(undefined);
    if (r.doc) start({ doc: r.doc, source: 'file', label: file.name });
    else setRefused({ file: file.name, problems: r.problems });
  };
  const time = (ms: number) => new Date(ms).toLocaleString(language, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <Modal title={t('diff.dialog.title')} testId="compare">
        <section>
          <h3>{t('diff.dialog.template')}</h3>
          <select value={template} onChange={(e) => setTemplate(e.target.value)} data-testid="compare.template" aria-label={t('diff.dialog.template')}>
            {TEMPLATES.map((x) => (
              <option key={x.id} value={x.id}>
                {x.title}
              </option>
            ))}
          </select>{' '}
          <button
            data-testid="compare.template.go"
            onClick={() => {
              const doc = buildTemplate(template);
              if (doc) start({ doc, source: 'template', label: TEMPLATES.find((x) => x.id === template)!.title });
            }}
          >
            {t('diff.dialog.pick')}
          </button>
        </section>
        <section>
          <h3>{t('diff.dialog.file')}</h3>
          <button onClick={() => fileRef.current?.click()} data-testid="compare.file" disabled={reading !== undefined}>
            {reading ? t('diff.dialog.reading', { file: reading }) : t('diff.dialog.chooseFile')}
          </button>
          <input
            ref={fileRef}
            type="file"
            accept=".json,.onnx,application/json"
            hidden
            data-testid="compare.fileInput"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void onFile(f);
            }}
          />
          {refused && (
            <div className="compare-refused" role="alert" data-testid="compare.refused">
              <b>{t('diff.dialog.refused', { file: refused.file })}</b>
              <ul>
                {refused.problems.slice(0, 5).map((p, i) => (
                  <li key={i}>{noticeText(t, p)}</li>
                ))}
              </ul>
            </div>
          )}
        </section>
        <section>
          <h3>{t('diff.dialog.autosave')}</h3>
          {history.length === 0 ? (
            <p className="muted" data-testid="compare.noAutosave">
              {t('diff.dialog.noAutosave')}
            </p>
          ) : (
            <ul className="compare-history">
              {history.map((h, i) => (
                <li key={h.savedAt}>
                  <button
                    data-testid={`compare.autosave.${i}`}
                    onClick={() => {
                      const r = parseDocument(h.document);
                      if (r.doc) start({ doc: r.doc, source: 'autosave', label: t('diff.dialog.autosaveEntry', { time: time(h.savedAt), name: h.name }) });
                      else setRefused({ file: t('diff.dialog.autosaveEntry', { time: time(h.savedAt), name: h.name }), problems: r.diagnostics });
                    }}
                  >
                    {t('diff.dialog.autosaveEntry', { time: time(h.savedAt), name: h.name })}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
    </Modal>
  );
}
