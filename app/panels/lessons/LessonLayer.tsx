import { useReactFlow, useStore as useFlowStore, useStoreApi, type ReactFlowInstance } from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import { diag, msg, type ResidualDocument } from '../../../src/index.ts';
import { fillCard, parseLesson, type Lesson, type LessonLanguage, type LessonPanel, type LessonStep } from '../../../src/lessons/index.ts';
import { useActions } from '../../canvas/useRelayout.ts';
import { shortcutText } from '../../i18n/shortcut.ts';
import { useAnalysis, useEditor, useEditorStore } from '../../store/context.tsx';
import type { EditorStore } from '../../store/editor-store.ts';
import { replaceDocument } from '../../store/editor-store.ts';
import { useTeaching, useTeachingStore } from '../../teaching/context.tsx';
import type { TeachingStore } from '../../teaching/teaching-store.ts';
import { createLessonRunner, highlightedNodes, highlightedShortcuts, type LessonHost, type LessonRunner } from './lesson-runner.ts';
import { labControllerOf } from '../lab/lab-controller.ts';
import { lesionControllerOf } from '../lesion/lesion-controller.ts';
import { lessonPanelViews } from './panels.tsx';
import './lessons.css';

/** One runner per editor, made on first use (the top bar's button and the layer share it). */
const runners = new WeakMap<EditorStore, { runner: LessonRunner; host: { current: LessonHost | undefined } }>();

/** The lesson runner of an editor (with its teaching store). */
export function lessonRunnerOf(editor: EditorStore, teaching: TeachingStore): LessonRunner {
  let r = runners.get(editor);
  if (!r) {
    const host: { current: LessonHost | undefined } = { current: undefined };
    const runner = createLessonRunner(editor, teaching, { show: (doc) => host.current?.show(doc) });
    runners.set(editor, (r = { runner, host }));
  }
  return r.runner;
}

function useRunner(): LessonRunner {
  return lessonRunnerOf(useEditorStore(), useTeachingStore());
}

const lang = (l: string): LessonLanguage => (l === 'zh-CN' ? 'zh-CN' : 'en');

/** The top bar's Lessons button: opens the lessons list. */
export function LessonsButton() {
  const { t } = useTranslation();
  const runner = useRunner();
  const open = useStore(runner.state, (s) => s.listOpen);
  return (
    <button aria-pressed={open} onClick={() => runner.setListOpen(!open)} data-testid="teach.lessons">
      {t('lesson.lessons')}
    </button>
  );
}

/** The lessons list: the shipped lessons and "open a lesson file". */
function LessonList({ runner }: { runner: LessonRunner }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const language = lang(useEditor((s) => s.view.language));
  const lessons = useStore(runner.state, (s) => s.lessons);
  const fileRef = useRef<HTMLInputElement>(null);
  const close = () => runner.setListOpen(false);
  const openFile = async (file: File) => {
    let text: string;
    try {
      text = await file.text();
    } catch (e) {
      store.getState().setFileError({ file: file.name, messages: [diag('RS505', msg('file-unreadable', { name: file.name, error: (e as Error).message }))] });
      return;
    }
    const r = parseLesson(text);
    if (!r.lesson) {
      // Refused whole: the open lesson and network stay as they were; the list gives way to the reasons.
      store.getState().setFileError({ file: file.name, messages: r.diagnostics });
      runner.setListOpen(false);
      return;
    }
    store.getState().setFileError(undefined);
    runner.add(r.lesson, r.resolved);
    store.getState().toast('lesson.fileOpened', 'info', { values: { title: r.lesson.title[language] } });
  };
  return (
    <div className="modal-backdrop" onClick={close}>
      <div className="modal lesson-list" role="dialog" aria-label={t('lesson.listTitle')} data-testid="lesson.list" onClick={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h2>{t('lesson.listTitle')}</h2>
          <button onClick={close} data-testid="lesson.list.close">
            {t('lesson.close')}
          </button>
        </div>
        <ol className="lesson-items">
          {lessons.map((l) => (
            <li key={l.id} data-testid={`lesson.item.${l.id}`}>
              <button className="lesson-item" onClick={() => runner.open(l.id)} data-testid={`lesson.open.${l.id}`}>
                <b>{l.title[language]}</b>
                <span>{l.summary[language]}</span>
                <small>{t('lesson.steps', { n: l.steps.length })}</small>
              </button>
            </li>
          ))}
        </ol>
        <div className="lesson-file">
          <button onClick={() => fileRef.current?.click()} data-testid="lesson.openFile">
            {t('lesson.openFile')}
          </button>
          <span className="muted">{t('lesson.openFileHint')}</span>
          <input
            ref={fileRef}
            type="file"
            accept=".json,application/json"
            hidden
            data-testid="lesson.fileInput"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void openFile(f);
            }}
          />
        </div>
      </div>
    </div>
  );
}

const cssString = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** Dims everything on the canvas but the step's highlighted cards and shortcuts, and outlines those. */
function Highlight({ doc, step }: { doc: ResidualDocument; step: LessonStep }) {
  const css = useMemo(() => {
    const nodes = highlightedNodes(doc, step);
    if (nodes.length === 0) return '';
    const { blocks, edges } = highlightedShortcuts(doc, step);
    const node = (id: string) => `[data-testid="canvas"] .react-flow__node[data-id=${cssString(id)}]`;
    const rules = [
      '[data-testid="canvas"] .react-flow__node, [data-testid="canvas"] .react-flow__edge { opacity: 0.28; transition: opacity 0.2s; }',
      `${nodes.map(node).join(', ')} { opacity: 1; }`,
      `${nodes.map((id) => `${node(id)} > *`).join(', ')} { outline: 3px solid var(--lesson-accent); outline-offset: 3px; border-radius: 8px; }`,
    ];
    if (blocks.length) rules.push(`${blocks.map((id) => `${node(id)} [data-testid^="canvas.arc."]`).join(', ')} { filter: drop-shadow(0 0 3px var(--lesson-accent)) drop-shadow(0 0 6px var(--lesson-accent)); }`);
    if (edges.length) {
      const edge = (id: string) => `[data-testid="canvas"] .react-flow__edge[data-id=${cssString(id)}]`;
      rules.push(`${edges.map(edge).join(', ')} { opacity: 1; }`);
      rules.push(`${edges.map((id) => `${edge(id)} path`).join(', ')} { stroke: var(--lesson-accent) !important; stroke-width: 3px !important; }`);
    }
    return rules.join('\n');
  }, [doc, step]);
  return css ? <style data-testid="lesson.highlight">{css}</style> : null;
}

/** Where the card goes: beside the highlighted cards (right, else left), inside the canvas. */
function useCardPlace(ids: readonly string[], edges: readonly string[], entered: number, card: React.RefObject<HTMLElement | null>, aside: boolean) {
  const transform = useFlowStore((s) => s.transform);
  const [place, setPlace] = useState<{ left: number; top: number } | undefined>();
  useLayoutEffect(() => {
    const id = requestAnimationFrame(() => {
      const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
      const el = card.current;
      if (!canvas || !el) return;
      const w = el.offsetWidth;
      const h = el.offsetHeight;
      // A card's shortcut arc is drawn beside it, outside its box: count it in.
      const rects = [
        ...ids.flatMap((i) => [...document.querySelectorAll(`.react-flow__node[data-id=${cssString(i)}], .react-flow__node[data-id=${cssString(i)}] *`)]),
        ...edges.flatMap((i) => [...document.querySelectorAll(`.react-flow__edge[data-id=${cssString(i)}] path`)]),
      ]
        .map((n) => n.getBoundingClientRect())
        .filter((r) => r.width > 0 || r.height > 0);
      const margin = 16;
      // A lab or the lesion study over the canvas: the card goes to the right column, clear of the lab's curves.
      if (aside) return setPlace({ left: window.innerWidth - w - 8, top: canvas.top + 8 });
      const dock = { left: canvas.right - w - margin, top: canvas.top + margin };
      if (rects.length === 0) return setPlace(dock);
      const box = { left: Math.min(...rects.map((r) => r.left)), right: Math.max(...rects.map((r) => r.right)), top: Math.min(...rects.map((r) => r.top)) };
      const top = Math.max(canvas.top + margin, Math.min(box.top, canvas.bottom - h - margin));
      if (box.right + margin + w <= canvas.right - margin) return setPlace({ left: box.right + margin, top });
      if (box.left - margin - w >= canvas.left + margin) return setPlace({ left: box.left - margin - w, top });
      setPlace(dock);
    });
    return () => cancelAnimationFrame(id);
  }, [ids, edges, entered, transform, card, aside]);
  return place;
}

/** Width the card takes on screen, with its margins (px): kept free beside what a step is about. */
const CARD_ROOM = 380 + 2 * 16;

/**
 * Fits the view to the highlighted cards in the part of the canvas the lesson card leaves free
 * (the card goes to their right), never below the canvas's smallest zoom (presenter mode's floor
 * keeps text at 16 px or more); without highlights, fits the whole network there.
 */
function fitBeside(rf: ReactFlowInstance, ids: readonly string[], minZoom: number, maxZoom: number) {
  const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
  const nodes = (ids.length ? ids.map((id) => rf.getInternalNode(id)) : rf.getNodes().map((n) => rf.getInternalNode(n.id))).filter((n) => n !== undefined);
  if (!canvas || nodes.length === 0) return;
  const x0 = Math.min(...nodes.map((n) => n.internals.positionAbsolute.x));
  const y0 = Math.min(...nodes.map((n) => n.internals.positionAbsolute.y));
  // Shortcut arcs are drawn beside a card, outside its box: leave them room too.
  const x1 = Math.max(...nodes.map((n) => n.internals.positionAbsolute.x + (n.measured.width ?? 0))) + 60;
  const y1 = Math.max(...nodes.map((n) => n.internals.positionAbsolute.y + (n.measured.height ?? 0)));
  const freeW = canvas.width > CARD_ROOM * 2 ? canvas.width - CARD_ROOM : canvas.width;
  const pad = 48;
  const fit = Math.min(1.2, (freeW - 2 * pad) / Math.max(1, x1 - x0), (canvas.height - 2 * pad) / Math.max(1, y1 - y0));
  const z = Math.min(maxZoom, Math.max(fit, minZoom));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  void rf.setViewport({ x: freeW / 2 - cx * z, y: canvas.height / 2 - cy * z, zoom: z }, { duration: 0 });
}

/** The lesson's card: the step's title and text, what to do (and whether it is done), prev/next. */
function LessonCard({ runner, lesson, index, step }: { runner: LessonRunner; lesson: Lesson; index: number; step: LessonStep }) {
  const { t } = useTranslation();
  const teaching = useTeachingStore();
  const doc = useEditor((s) => s.doc);
  const analysis = useAnalysis();
  const language = lang(useEditor((s) => s.view.language));
  const done = useStore(runner.state, (s) => s.done);
  const entered = useStore(runner.state, (s) => s.entered);
  const ref = useRef<HTMLDivElement>(null);
  const ids = useMemo(() => highlightedNodes(doc, step), [doc, step]);
  const edges = useMemo(() => highlightedShortcuts(doc, step).edges, [doc, step]);
  const store = useEditorStore();
  const labOpen = useStore(labControllerOf(store).state, (s) => s.open);
  const lesionOpen = useStore(lesionControllerOf(store).state, (s) => s.open);
  const aside = labOpen || lesionOpen;
  const place = useCardPlace(ids, edges, entered, ref, aside);
  const fill = (text: string) => fillCard(text, doc, analysis, { number: (n) => n.toLocaleString(language), shortcut: (sc) => shortcutText(t, sc) }).text;
  const total = lesson.steps.length;
  const last = index === total - 1;
  const Panel = step.panel ? lessonPanelViews[step.panel.kind] : undefined;
  return (
    <section
      ref={ref}
      className={`lesson-card${aside ? ' lesson-card-aside' : ''}`}
      role="region"
      aria-label={lesson.title[language]}
      data-testid="lesson.card"
      data-lesson={lesson.id}
      data-step={index}
      data-waiting={step.task && !done ? 'true' : 'false'}
      style={place ? { left: place.left, top: place.top } : { visibility: 'hidden' }}
    >
      <header className="lesson-card-head">
        <span className="lesson-name">{lesson.title[language]}</span>
        <button className="lesson-x" onClick={() => runner.close()} aria-label={t('lesson.exit')} title={t('lesson.exit')} data-testid="lesson.exit">
          ×
        </button>
      </header>
      <h3 data-testid="lesson.stepTitle">{step.title[language]}</h3>
      <p className="lesson-text" data-testid="lesson.text">
        {fill(step.card[language])}
      </p>
      {step.task && (
        <div className={`lesson-task${done ? ' lesson-task-done' : ''}`} data-testid="lesson.task" data-done={done ? 'true' : 'false'}>
          <b>{done ? t('lesson.done') : t('lesson.todo')}</b> {fill(step.task.text[language])}
          {!done && <span className="lesson-waiting">{t('lesson.waiting')}</span>}
        </div>
      )}
      {Panel && step.panel && <PanelSlot panel={step.panel}>{<Panel panel={step.panel} doc={doc} />}</PanelSlot>}
      <footer className="lesson-nav">
        <button onClick={() => teaching.getState().stepLesson(-1)} disabled={index === 0} data-testid="lesson.prev">
          {t('lesson.prev')}
        </button>
        <span className="lesson-progress" data-testid="lesson.progress">
          {t('lesson.stepOf', { step: index + 1, total })}
        </span>
        {last ? (
          <button className="primary" onClick={() => runner.close()} data-testid="lesson.finish">
            {t('lesson.finish')}
          </button>
        ) : (
          <button className="primary" onClick={() => teaching.getState().stepLesson(1)} data-testid="lesson.next">
            {t('lesson.next')}
          </button>
        )}
      </footer>
    </section>
  );
}

function PanelSlot({ panel, children }: { panel: LessonPanel; children: ReactNode }) {
  return (
    <div className="lesson-panel" data-testid={`lesson.panel.${panel.kind}`}>
      {children}
    </div>
  );
}

/**
 * The lessons: the list, the card of the open step beside its highlighted cards (the rest of the
 * canvas dimmed), and the runner's way to show a step's network (replaced, laid out, fitted to
 * what the step is about).
 */
export function LessonLayer() {
  const runner = useRunner();
  const store = useEditorStore();
  const actions = useActions();
  const rf = useReactFlow();
  const flow = useStoreApi();
  const slot = useTeaching((s) => s.lesson);
  const listOpen = useStore(runner.state, (s) => s.listOpen);
  const entered = useStore(runner.state, (s) => s.entered);
  const doc = useEditor((s) => s.doc);
  const lessons = useStore(runner.state, (s) => s.lessons);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the slot and the lessons decide what current() returns
  const c = useMemo(() => runner.current(), [runner, slot?.id, slot?.step, lessons]);
  const step = c?.step;
  const focus = useCallback(() => {
    const s = runner.current();
    if (!s) return;
    const doc = store.getState().doc;
    // An expanded block's shortcut starts where x leaves the main path: in view too.
    const ids = [...highlightedNodes(doc, s.step), ...highlightedShortcuts(doc, s.step).from];
    requestAnimationFrame(() => {
      const { minZoom, maxZoom } = flow.getState();
      fitBeside(rf, ids, minZoom, maxZoom);
    });
  }, [runner, store, rf, flow]);
  useEffect(() => {
    const host = runners.get(store)!.host;
    host.current = {
      show(d) {
        replaceDocument(store, d);
        void actions.relayout({ history: false, fit: false }).then(focus);
      },
    };
    return () => {
      host.current = undefined;
    };
  }, [store, actions, focus]);
  // A step that selects a block is about its F(x), x and F(x) + x: bring the run panel's view of them into sight.
  useEffect(() => {
    if (entered === 0 || !step?.select) return;
    let frames = 0;
    let id = 0;
    const look = () => {
      const el = document.querySelector('[data-testid="run.activations"]');
      if (el) el.scrollIntoView({ block: 'nearest' });
      else if (frames++ < 240) id = requestAnimationFrame(look);
    };
    id = requestAnimationFrame(look);
    return () => cancelAnimationFrame(id);
  }, [entered, step]);
  // Entering a step that keeps the network (or that a link opened): fit to what it is about.
  useEffect(() => {
    if (entered > 0 && !step?.doc) focus();
  }, [entered, step, focus]);
  return (
    <>
      {listOpen && <LessonList runner={runner} />}
      {c && (
        <>
          <Highlight doc={doc} step={c.step} />
          <LessonCard runner={runner} lesson={c.lesson} index={c.index} step={c.step} />
        </>
      )}
    </>
  );
}
