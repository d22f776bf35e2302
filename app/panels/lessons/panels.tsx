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

/** The degradation lab's way in: open it at the step's depth, or open it and train both nets at once. */
function LabPanel({ panel }: LessonPanelProps) {
  const { t } = useTranslation();
  const store = useEditorStore();
  if (panel.kind !== 'degradation-lab') return null;
  const open = (start: boolean) => labControllerOf(store).open({ depth: panel.depth, start });
  return (
    <div className="lesson-panel-buttons">
      <button onClick={() => open(false)} data-testid="lesson.lab.open">
        {t('lesson.openLab')}
      </button>
      <button onClick={() => open(true)} data-testid="lesson.lab.start">
        {t('lesson.startLab')}
      </button>
    </div>
  );
}

/** The lesion study's way in: open it over the canvas, or open it and run it at once. */
function LesionPanel({ panel }: LessonPanelProps) {
  const { t } = useTranslation();
  const store = useEditorStore();
  if (panel.kind !== 'lesion-study') return null;
  const open = (start: boolean) => lesionControllerOf(store).open({ start });
  return (
    <div className="lesson-panel-buttons">
      <button onClick={() => open(false)} data-testid="lesson.lesion.open">
        {t('lesson.openLesion')}
      </button>
      <button onClick={() => open(true)} data-testid="lesson.lesion.start">
        {t('lesson.startLesion')}
      </button>
    </div>
  );
}

/** The views a lesson step can open beside its card, by the panel's kind. */
export const lessonPanelViews: Partial<Record<LessonPanel['kind'], ComponentType<LessonPanelProps>>> = {
  signals: SignalsPanel,
  'degradation-lab': LabPanel,
  'lesion-study': LesionPanel,
};
