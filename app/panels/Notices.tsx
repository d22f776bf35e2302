import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useEditor, useEditorStore } from '../store/context.tsx';
import { noticeText, noticeValues } from '../store/ui-slice.ts';

/** Toasts (refused connections, saved files), the refused-file box and the two-tab conflict banner. */
export function Notices({ onKeepMine, onReloadTheirs }: { onKeepMine: () => void; onReloadTheirs: () => void }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const toasts = useEditor((s) => s.toasts);
  const fileError = useEditor((s) => s.fileError);
  const conflict = useEditor((s) => s.conflict);
  useEffect(() => {
    const last = toasts[toasts.length - 1];
    if (!last) return;
    const id = setTimeout(() => store.getState().dismissToast(last.id), last.kind === 'error' ? 8000 : 3500);
    return () => clearTimeout(id);
  }, [toasts, store]);
  return (
    <>
      {conflict && (
        <div className="banner conflict" role="alert" data-testid="conflict">
          <span>{t('conflict.message')}</span>
          <button onClick={onReloadTheirs} data-testid="conflict.reload">
            {t('conflict.reload')}
          </button>
          <button onClick={onKeepMine} data-testid="conflict.keep">
            {t('conflict.keep')}
          </button>
        </div>
      )}
      {fileError && (
        <div className="banner file-error" role="alert" data-testid="file.error">
          <div>
            <b>{t('file.refused', { file: fileError.file })}</b>
            <ul>
              {fileError.messages.map((m, i) => (
                <li key={i}>{'code' in m ? `${m.code}: ${noticeText(t, m)}` : noticeText(t, m)}</li>
              ))}
            </ul>
          </div>
          <button onClick={() => store.getState().setFileError(undefined)}>{t('file.dismiss')}</button>
        </div>
      )}
      <div className="toasts" aria-live="polite">
        {toasts.map((x) => (
          <div key={x.id} className={`toast toast-${x.kind}`} data-testid={`toast.${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'}>
            <span>{t(x.key, noticeValues(t, x.values))}</span>
            <button onClick={() => store.getState().dismissToast(x.id)} aria-label={t('toast.dismiss')}>
              ×
            </button>
          </div>
        ))}
      </div>
    </>
  );
}
