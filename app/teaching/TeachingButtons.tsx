import { useTranslation } from 'react-i18next';
import { hasShortcuts, toPlain, toResidual } from '../../src/index.ts';
import { useActions } from '../canvas/useRelayout.ts';
import { LesionEntry } from '../panels/lesion/LesionView.tsx';
import { LessonsButton } from '../panels/lessons/LessonLayer.tsx';
import { useAnalysis, useEditorStore } from '../store/context.tsx';
import { useTeaching, useTeachingStore } from './context.tsx';

/**
 * The top bar's teaching controls: the lessons, the paper's figure, presenter mode, plain <-> residual and the
 * classroom link. Plain <-> residual is one document edit (one undo step), laid out as part of it.
 */
export function TeachingButtons() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const teaching = useTeachingStore();
  const actions = useActions();
  const presenter = useTeaching((s) => s.presenter);
  const residual = useAnalysis().shortcuts.length > 0;
  const toggle = () => {
    const doc = store.getState().doc;
    const plain = hasShortcuts(doc);
    const r = plain ? toPlain(doc) : toResidual(doc);
    if (r.changed === 0) return store.getState().toast('teach.nothingToToggle', 'info');
    actions.relayoutAfter(() => store.setState({ doc: r.doc, selection: { nodes: [], edge: undefined } }));
    store.getState().toast(plain ? 'teach.madePlain' : 'teach.madeResidual', 'info', { values: { n: r.changed } });
  };
  return (
    <span className="teach-bar" data-testid="teach.bar">
      <LessonsButton />
      <button onClick={toggle} data-testid="teach.plainToggle" data-to={residual ? 'plain' : 'residual'} title={t(residual ? 'teach.toPlainTitle' : 'teach.toResidualTitle')}>
        {t(residual ? 'teach.toPlain' : 'teach.toResidual')}
      </button>
      <button onClick={() => teaching.getState().setFigure('network')} data-testid="teach.figure">
        {t('teach.figure')}
      </button>
      <button aria-pressed={presenter} onClick={() => teaching.getState().setPresenter(!presenter)} data-testid="teach.presenter">
        {t(presenter ? 'teach.presenterExit' : 'teach.presenter')}
      </button>
      <LesionEntry />
      <button onClick={() => teaching.getState().setShareOpen(true)} data-testid="teach.share">
        {t('teach.share')}
      </button>
    </span>
  );
}
