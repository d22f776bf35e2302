import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useActions } from '../canvas/useRelayout.ts';
import { CONTROLS, encodeLink, type ControlId, type FigureView } from '../links/classroom-link.ts';
import { useEditor, useEditorStore } from '../store/context.tsx';
import { useTeaching, useTeachingStore } from './context.tsx';

type Access = 'shown' | 'hidden' | 'locked';

/**
 * The classroom link dialog: what the link opens (editor or figure, presenter mode), which
 * controls the class gets (shown, hidden or locked), and the link itself — or, for a network too
 * large for a link, the offer to save the file instead.
 */
export function ShareDialog() {
  const open = useTeaching((s) => s.shareOpen);
  return open ? <ShareDialogBody /> : null;
}

function ShareDialogBody() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const teaching = useTeachingStore();
  const actions = useActions();
  const lesson = useTeaching((s) => s.lesson);
  const doc = useEditor((s) => s.doc);
  // Starts from what is on screen now; the dialog is mounted afresh each time it opens.
  const [figure, setFigure] = useState<FigureView>(() => teaching.getState().figure);
  const [presenter, setPresenter] = useState(() => teaching.getState().presenter);
  const [access, setAccess] = useState<Partial<Record<ControlId, Access>>>({});
  const encoded = useMemo(() => {
    const pick = (a: Access) => CONTROLS.filter((c) => access[c] === a);
    return encodeLink(doc, { figure, presenter, ...(lesson ? { lesson: { id: lesson.id, step: lesson.step } } : {}), hide: pick('hidden'), lock: pick('locked') });
  }, [doc, figure, presenter, lesson, access]);
  const url = encoded.ok ? `${location.origin}${location.pathname}${encoded.fragment}` : '';
  const close = () => teaching.getState().setShareOpen(false);
  return (
    <div className="modal-backdrop" onClick={close}>
      <div className="modal share-modal" role="dialog" aria-label={t('teach.shareTitle')} data-testid="share.dialog" onClick={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h2>{t('teach.shareTitle')}</h2>
          <button onClick={close} data-testid="share.close">
            {t('teach.close')}
          </button>
        </div>
        <p>{t('teach.shareIntro')}</p>
        <div className="share-row">
          <label>
            {t('teach.shareView')}{' '}
            <select value={figure} onChange={(e) => setFigure(e.target.value as FigureView)} data-testid="share.view">
              <option value="none">{t('teach.shareViewEditor')}</option>
              <option value="network">{t('teach.shareViewFigure')}</option>
              <option value="paper">{t('teach.shareViewPaper')}</option>
            </select>
          </label>
          <label>
            <input type="checkbox" checked={presenter} onChange={(e) => setPresenter(e.target.checked)} data-testid="share.presenter" /> {t('teach.sharePresenter')}
          </label>
        </div>
        <h3>{t('teach.shareControls')}</h3>
        <table className="share-controls">
          <tbody>
            {CONTROLS.map((c) => (
              <tr key={c}>
                <th scope="row">{t(`teach.control.${c}`)}</th>
                {(['shown', 'hidden', 'locked'] as const).map((a) => (
                  <td key={a}>
                    <label>
                      <input type="radio" name={`share-${c}`} checked={(access[c] ?? 'shown') === a} onChange={() => setAccess({ ...access, [c]: a })} data-testid={`share.control.${c}.${a}`} />{' '}
                      {t(`teach.share${a[0]!.toUpperCase()}${a.slice(1)}` as 'teach.shareShown')}
                    </label>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {encoded.ok ? (
          <div className="share-link">
            <input readOnly value={url} data-testid="share.url" aria-label={t('teach.shareTitle')} onFocus={(e) => e.target.select()} />
            <button
              onClick={() => {
                void navigator.clipboard?.writeText(url).then(() => store.getState().toast('teach.shareCopied', 'info'));
              }}
              data-testid="share.copy"
            >
              {t('teach.shareCopy')}
            </button>
            {doc.weights && <p className="muted" data-testid="share.weights">{t('teach.shareWeights')}</p>}
          </div>
        ) : (
          <div className="banner" role="alert" data-testid="share.tooLarge">
            <span>{t('teach.shareTooLarge', { length: encoded.length, limit: encoded.limit })}</span>
            <button onClick={() => actions.saveFile()} data-testid="share.saveFile">
              {t('teach.shareSaveFile')}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
