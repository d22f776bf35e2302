import { useMemo, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { hasShortcuts, toPlain, toResidual, type ResidualDocument } from '../../../src/index.ts';
import type { LessonPanel } from '../../../src/lessons/index.ts';
import { labControllerOf } from '../lab/lab-controller.ts';
import { lesionControllerOf } from '../lesion/lesion-controller.ts';
import { SignalsChart } from '../signals/SignalsChart.tsx';
import { useEditor, useEditorStore } from '../../store/context.tsx';

/** What a step's panel gets: the panel's data and the network on the canvas. */
export interface LessonPanelProps {
  readonly panel: LessonPanel;
  readonly doc: ResidualDocument;
}

/** Activation std and gradient norm at initialisation: the open network against its counterpart (plain if it is residual, and back). */
function SignalsPanel({ doc }: LessonPanelProps) {
  const { t } = useTranslation();
  const theme = useEditor((s) => s.view.theme);
  const pair = useMemo(() => {
    if (hasShortcuts(doc)) return { plain: toPlain(doc).doc, residual: doc };
    return { plain: doc, residual: toResidual(doc).doc };
  }, [doc]);
  return (
    <>
      <span className="muted">{t('lesson.signalsCaption')}</span>
      <SignalsChart plain={pair.plain} residual={pair.residual} theme={theme} height={150} />
    </>
  );
}

/** Two ways into a view that opens over the canvas: open it, or open it and start it at once. */
function OpenButtons({ id, open, labels }: { id: string; open: (start: boolean) => void; labels: readonly [string, string] }) {
  return (
    <div className="lesson-panel-buttons">
      <button onClick={() => open(false)} data-testid={`lesson.${id}.open`}>
        {labels[0]}
      </button>
      <button onClick={() => open(true)} data-testid={`lesson.${id}.start`}>
        {labels[1]}
      </button>
    </div>
  );
}

/** The degradation lab at the step's depth. */
function LabPanel({ panel }: LessonPanelProps) {
  const { t } = useTranslation();
  const store = useEditorStore();
  if (panel.kind !== 'degradation-lab') return null;
  return <OpenButtons id="lab" open={(start) => labControllerOf(store).open({ depth: panel.depth, start })} labels={[t('lesson.openLab'), t('lesson.startLab')]} />;
}

/** The lesion study. */
function LesionPanel() {
  const { t } = useTranslation();
  const store = useEditorStore();
  return <OpenButtons id="lesion" open={(start) => lesionControllerOf(store).open({ start })} labels={[t('lesson.openLesion'), t('lesson.startLesion')]} />;
}

/** The views a lesson step can open beside its card, by the panel's kind. */
export const lessonPanelViews: Partial<Record<LessonPanel['kind'], ComponentType<LessonPanelProps>>> = {
  signals: SignalsPanel,
  'degradation-lab': LabPanel,
  'lesion-study': LesionPanel,
};
