import { useReactFlow, useStoreApi } from '@xyflow/react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { isResidualBlockKind } from '../../src/index.ts';
import { useActions } from '../canvas/useRelayout.ts';
import { decodeLink } from '../links/classroom-link.ts';
import { useEditorStore } from '../store/context.tsx';
import { replaceDocument } from '../store/editor-store.ts';
import { useTeaching, useTeachingStore } from './context.tsx';
import { LessonLayer } from '../panels/lessons/LessonLayer.tsx';
import { FigureView } from './FigureView.tsx';
import { lockControls, refusalNotice, restrictionCss } from './restrictions.ts';
import { ShareDialog } from './ShareDialog.tsx';
import { lessonKey } from './teaching-store.ts';
import './teaching.css';

/** Smallest text, on screen, that presenter mode allows on the canvas (px). */
export const PRESENTER_MIN_TEXT_PX = 16;

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

/** The smallest CSS font size of the visible text on the canvas (cards, arcs, edge labels). */
function smallestCanvasFont(root: ParentNode): number {
  let min = Number.POSITIVE_INFINITY;
  const walker = document.createTreeWalker(root.querySelector('.react-flow__viewport') ?? document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent?.trim()) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || el.offsetParent === null && !(el instanceof SVGElement)) continue;
    min = Math.min(min, parseFloat(cs.fontSize));
  }
  return Number.isFinite(min) ? min : 12;
}

/**
 * Presenter mode's canvas: zoomed so that no text is smaller than {@link PRESENTER_MIN_TEXT_PX}
 * on screen (and kept there: zooming out stops at that zoom), centred on the selected block (the
 * first block, selected, when none is, so F(x), x and F(x) + x show); arrow keys step the lesson.
 */
function PresenterCanvas() {
  const rf = useReactFlow();
  const store = useEditorStore();
  const teaching = useTeachingStore();
  const flow = useStoreApi();
  useEffect(() => {
    const before = flow.getState().minZoom;
    const id = requestAnimationFrame(() => {
      const s = store.getState();
      let sel = s.selection.nodes[0];
      if (!sel) {
        const block = s.doc.nodes.find((n) => isResidualBlockKind(n.op)) ?? s.doc.nodes.find((n) => n.op === 'Add');
        if (block) s.select([block.id]);
        sel = block?.id;
      }
      const floor = Math.min(2.5, (PRESENTER_MIN_TEXT_PX / smallestCanvasFont(document)) * 1.02);
      // Zooming out stops where the text would get smaller than that.
      flow.getState().setMinZoom(floor);
      const node = sel ? rf.getInternalNode(sel) : undefined;
      const zoom = Math.max(floor, rf.getZoom());
      if (node) void rf.setCenter(node.internals.positionAbsolute.x + (node.measured.width ?? 0) / 2, node.internals.positionAbsolute.y + (node.measured.height ?? 0) / 2, { zoom, duration: 0 });
      else void rf.zoomTo(zoom, { duration: 0 });
    });
    return () => {
      cancelAnimationFrame(id);
      flow.getState().setMinZoom(before);
    };
  }, [rf, store, flow]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') return teaching.getState().setPresenter(false);
      if (lessonKey(teaching, e.key)) {
        // Not to the canvas, which would move the selected card.
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [teaching]);
  return null;
}

/** Presenter mode's bar: the lesson step, a hint, and the way out. */
function PresenterBar() {
  const { t } = useTranslation();
  const teaching = useTeachingStore();
  const lesson = useTeaching((s) => s.lesson);
  return (
    <div className="presenter-bar" data-testid="presenter.bar">
      {lesson && (
        <b data-testid="presenter.step" data-step={lesson.step}>
          {t('teach.lessonStep', { step: lesson.step + 1 })}
        </b>
      )}
      <span className="muted">{t('teach.presenterHint')}</span>
      <button onClick={() => teaching.getState().setPresenter(false)} data-testid="presenter.exit">
        {t('teach.presenterExit')}
      </button>
    </div>
  );
}

/** Applies a classroom link's hidden and locked controls to the page, and keeps them applied. */
function Restrictions() {
  const hide = useTeaching((s) => s.hide);
  const lock = useTeaching((s) => s.lock);
  useEffect(() => {
    if (lock.length === 0) return;
    const root = document.querySelector('[data-testid="app"]') ?? document.body;
    lockControls(root, lock);
    const mo = new MutationObserver(() => lockControls(root, lock));
    mo.observe(root, { childList: true, subtree: true });
    // The keyboard's way to a hidden or locked Save.
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's' && (lock.includes('save') || hide.includes('save'))) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      mo.disconnect();
      window.removeEventListener('keydown', onKey, true);
      // A later link may lock less: nothing stays inert from this one.
      for (const el of root.querySelectorAll<HTMLElement>('[data-locked="true"]')) {
        el.inert = false;
        delete el.dataset['locked'];
      }
    };
  }, [lock, hide]);
  const css = restrictionCss(hide, lock);
  return css ? <style data-testid="teach.restrictions">{css}</style> : null;
}

/** A classroom link pasted into the address bar of an open editor: applied whole, or refused. */
function LinkListener() {
  const store = useEditorStore();
  const teaching = useTeachingStore();
  const actions = useActions();
  const { t } = useTranslation();
  useEffect(() => {
    const onHash = () => {
      const r = decodeLink(location.hash);
      if (!r) return;
      if (!r.ok) return store.getState().setFileError({ file: t('teach.linkName'), messages: [refusalNotice(r.refusal)] });
      store.getState().setFileError(undefined);
      replaceDocument(store, r.link.doc);
      teaching.getState().applyLink(r.link);
      void actions.relayout({ history: false, fit: true });
      store.getState().toast('teach.opened', 'info');
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [store, teaching, actions, t]);
  return null;
}

/** Everything of the teaching tools that is not in the top bar: figure view, share dialog, presenter mode, lessons, link restrictions. */
export function TeachingLayer() {
  const presenter = useTeaching((s) => s.presenter);
  return (
    <>
      <FigureView />
      <ShareDialog />
      {presenter && <PresenterCanvas />}
      {presenter && <PresenterBar />}
      <LessonLayer />
      <Restrictions />
      <LinkListener />
    </>
  );
}

/** The app root's class and attributes for the teaching state (presenter layout, hidden panels). */
export function useTeachingRoot(): { className: string; 'data-hide': string; 'data-presenter': string } {
  const presenter = useTeaching((s) => s.presenter);
  const hide = useTeaching((s) => s.hide);
  return { className: presenter ? ' presenter' : '', 'data-hide': hide.join(' '), 'data-presenter': String(presenter) };
}
