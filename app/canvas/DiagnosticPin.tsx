import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Diagnostic } from '../../src/index.ts';
import { diagnosticText, fixText } from '../i18n/diagnostics.ts';
import { useEditorStore } from '../store/context.tsx';
import { useVertical } from './direction.ts';

/** A problem pinned to a node or an edge: badge, message, and the core's one-click fix. */
export const DiagnosticPin = memo(function DiagnosticPin({ diagnostics, testName, placement }: { diagnostics: readonly Diagnostic[]; testName: string; placement?: 'card' | 'edge' }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0]!;
  const withFix = diagnostics.find((d) => d.fix);
  // On a card, the pin goes beside it along the flow (right in top-down, below in left-right),
  // clear of the arc and its label, never over the card or frame header that follows.
  const side = useVertical() ? 'diag-right' : 'diag-below';
  return (
    <div className={`diag-pin nodrag nopan sev-${first.severity}${placement === 'edge' ? '' : ` ${side}`}`} data-testid={`canvas.diag.${testName}`} title={diagnostics.map((d) => `${d.code}: ${diagnosticText(t, d)}`).join('\n')}>
      <span className="diag-badge" aria-label={first.severity}>
        {first.severity === 'error' ? '!' : first.severity === 'info' ? 'i' : '⚠'}
        {diagnostics.length > 1 ? ` ${diagnostics.length}` : ''}
      </span>
      <span className="diag-msg">
        <b>{first.code}</b> {diagnosticText(t, first)}
      </span>
      {withFix?.fix && (
        <button className="diag-fix" data-testid={`canvas.fix.${testName}`} onClick={() => store.getState().fix(withFix.fix!)}>
          {t('card.fix', { label: fixText(t, withFix.fix) })}
        </button>
      )}
    </div>
  );
});
