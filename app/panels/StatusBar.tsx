import { useTranslation } from 'react-i18next';
import { fmtCount } from '../format.ts';
import { useAnalysis, useEditor, useEditorStore } from '../store/context.tsx';

/** Totals of the analysis, the identity/projection block counts, problems, and autosave state. */
export function StatusBar() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const a = useAnalysis();
  const save = useEditor((s) => s.saveStatus);
  const nodes = useEditor((s) => s.doc.nodes.length);
  const opaque = useEditor((s) => s.doc.nodes.reduce((k, n) => k + (n.op === 'Opaque' ? 1 : 0), 0));
  const problems = a.diagnostics.filter((d) => d.severity !== 'info').length;
  const b = a.totals.blocks;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span>
        {t('status.params')} <b data-testid="status.params">{fmtCount(a.totals.params)}</b>
      </span>
      <span>
        {t('status.macs')} <b data-testid="status.macs">{fmtCount(a.totals.macs)}</b>
      </span>
      <span data-testid="status.blocks">
        {t('status.blocks')}: <b className="solid-key">━ {b.identity}</b> {t('status.identity')} · <b className="dashed-key">┅ {b.projection}</b> {t('status.projection')}
        {b.zeroPad > 0 && (
          <>
            {' '}
            · <b className="dashed-key">┅ {b.zeroPad}</b> {t('status.zeroPad')}
          </>
        )}
      </span>
      <span>{t('status.nodes', { count: nodes })}</span>
      {opaque > 0 && (
        <span data-testid="status.opaque" title={t('card.opaqueWhy')}>
          {t('status.opaque', { count: opaque })}
        </span>
      )}
      <button className={`status-diag${problems ? ' has' : ''}`} onClick={() => store.getState().openDialog('diagnostics')} data-testid="status.diagnostics">
        {problems ? t('status.diagnostics', { count: problems }) : t('status.ok')}
      </button>
      <span className="grow" />
      <span data-testid="status.save" className={`save-${save.state}`} role="status">
        {save.state === 'pending' ? t('status.pending') : save.state === 'saving' ? t('status.saving') : save.state === 'saved' ? t('status.saved') : save.state === 'error' ? t('status.saveError', { message: save.message }) : ''}
      </span>
    </footer>
  );
}
