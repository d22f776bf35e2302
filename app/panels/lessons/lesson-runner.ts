import { createStore, type StoreApi } from 'zustand/vanilla';
import type { NodeId, ResidualDocument } from '../../../src/index.ts';
import { conditionHolds, LESSONS, namedNodes, resolveLesson, shortcutOf, type Lesson, type LessonStep, type ResolvedLesson } from '../../../src/lessons/index.ts';
import { analysisOf } from '../../store/derived.ts';
import type { EditorStore } from '../../store/editor-store.ts';
import type { TeachingStore } from '../../teaching/teaching-store.ts';

/** How long a finished task's "done" shows before the lesson moves on by itself (ms). */
export const ADVANCE_AFTER_MS = 900;

/** The open lesson's state, beside the teaching store's lesson slot (which lesson, which step). */
export interface LessonRunnerState {
  /** The shipped lessons, then those a teacher opened from files (this session only). */
  readonly lessons: readonly Lesson[];
  /** The lessons list is shown. */
  readonly listOpen: boolean;
  /** The open step's task is done (by the learner, or already when the step was entered again). */
  readonly done: boolean;
  /** Bumped each time a step is entered (the card re-places itself and the canvas re-fits). */
  readonly entered: number;
}

/** What the runner needs from the editor's UI: show a network (laid out, then fitted to the step). */
export interface LessonHost {
  show(doc: ResidualDocument): void;
}

/** The runner of one editor: enters steps as the lesson slot moves, notices finished tasks, moves on. */
export interface LessonRunner {
  readonly state: StoreApi<LessonRunnerState>;
  /** The open lesson, its step index and that step, if the lesson slot names a known lesson. */
  current(): { lesson: Lesson; index: number; step: LessonStep; resolved: ResolvedLesson } | undefined;
  open(id: string): void;
  close(): void;
  /** Adds (or replaces, by id) a lesson read from a file, and opens it. */
  add(lesson: Lesson, resolved: ResolvedLesson): void;
  setListOpen(open: boolean): void;
  dispose(): void;
}

/**
 * The document nodes a step highlights: its named layers and blocks, and for each highlighted
 * shortcut its block's card (collapsed) or, expanded, the Add it ends at and the layers on it.
 */
export function highlightedNodes(doc: ResidualDocument, step: LessonStep): NodeId[] {
  const a = analysisOf(doc);
  const ids = (step.highlight?.nodes ?? []).flatMap((n) => namedNodes(doc, n).map((x) => x.id));
  for (const name of step.highlight?.shortcuts ?? []) {
    const sc = shortcutOf(doc, a, name);
    if (sc) ids.push(sc.at, ...sc.path);
  }
  return [...new Set(ids)];
}

/** The shortcuts a step highlights: collapsed cards (they draw their arc), an expanded block's shortcut edges and where its x comes from. */
export function highlightedShortcuts(doc: ResidualDocument, step: LessonStep): { blocks: NodeId[]; edges: string[]; from: NodeId[] } {
  const a = analysisOf(doc);
  const blocks: NodeId[] = [];
  const edges: string[] = [];
  const from: NodeId[] = [];
  for (const name of step.highlight?.shortcuts ?? []) {
    const sc = shortcutOf(doc, a, name);
    if (!sc) continue;
    if (sc.collapsed) blocks.push(sc.at);
    else {
      edges.push(...sc.edges);
      if (sc.from) from.push(sc.from);
    }
  }
  return { blocks, edges, from };
}

/**
 * Creates the lesson runner of one editor. It follows the teaching store's lesson slot (so the
 * lessons list, the card's buttons, presenter mode's arrow keys and classroom links all move the
 * same lesson): entering a step shows the step's network when the step names one, selects the
 * step's block, and checks the task; an edit that finishes the task marks it done and, a moment
 * later, moves to the next step.
 */
export function createLessonRunner(editor: EditorStore, teaching: TeachingStore, host: LessonHost, extra: readonly Lesson[] = []): LessonRunner {
  const state = createStore<LessonRunnerState>()(() => ({ lessons: [...LESSONS, ...extra], listOpen: false, done: false, entered: 0 }));
  const resolved = new Map<string, ResolvedLesson>();
  const resolvedOf = (l: Lesson) => {
    let r = resolved.get(l.id);
    if (!r) resolved.set(l.id, (r = resolveLesson(l)));
    return r;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const current: LessonRunner['current'] = () => {
    const slot = teaching.getState().lesson;
    if (!slot) return undefined;
    const lesson = state.getState().lessons.find((l) => l.id === slot.id);
    if (!lesson) return undefined;
    const index = Math.min(slot.step, lesson.steps.length - 1);
    return { lesson, index, step: lesson.steps[index]!, resolved: resolvedOf(lesson) };
  };

  const taskDone = (step: LessonStep, doc: ResidualDocument) => !!step.task && conditionHolds(doc, analysisOf(doc), step.task.done);

  let lastEntered = -1;
  const enter = (fromLink: boolean) => {
    cancel();
    const c = current();
    if (!c) return;
    const slot = teaching.getState().lesson!;
    if (slot.count !== c.lesson.steps.length || slot.step !== c.index) teaching.getState().setLesson({ id: c.lesson.id, step: c.index, count: c.lesson.steps.length });
    // A link brings its own network (the teacher's, perhaps edited): it is not replaced. Moving on
    // past a task the learner skipped shows the network as its solution leaves it, so the next
    // card's words and numbers describe what is on the canvas.
    const prev = c.index > 0 ? c.lesson.steps[c.index - 1] : undefined;
    const skipped = !c.step.doc && c.index === lastEntered + 1 && !!prev?.task && !taskDone(prev, editor.getState().doc);
    if ((c.step.doc || skipped) && !fromLink) {
      const doc = c.resolved.docs[c.index];
      if (doc) host.show(doc);
    }
    lastEntered = c.index;
    const doc = editor.getState().doc;
    if (c.step.select) {
      const target = namedNodes(doc, c.step.select)[0];
      if (target) editor.getState().select([target.id]);
    }
    state.setState({ done: taskDone(c.step, doc), entered: state.getState().entered + 1 });
  };

  let lastSlot = teaching.getState().lesson;
  let lastDoc = editor.getState().doc;
  // True from a document replacement to the end of that task: a classroom link replaces the
  // document in the same moment it sets the lesson step.
  let docJustChanged = false;
  const offTeaching = teaching.subscribe((s) => {
    const slot = s.lesson;
    if (slot?.id === lastSlot?.id && slot?.step === lastSlot?.step) {
      lastSlot = slot;
      return;
    }
    lastSlot = slot;
    enter(docJustChanged);
  });
  const offEditor = editor.subscribe((s) => {
    const doc = s.doc;
    if (doc === lastDoc) return;
    lastDoc = doc;
    if (!docJustChanged) {
      docJustChanged = true;
      queueMicrotask(() => (docJustChanged = false));
    }
    const c = current();
    if (!c?.step.task || state.getState().done) return;
    if (!taskDone(c.step, doc)) return;
    state.setState({ done: true });
    const at = { id: c.lesson.id, step: c.index };
    timer = setTimeout(() => {
      timer = undefined;
      const now = teaching.getState().lesson;
      if (now?.id === at.id && now.step === at.step) teaching.getState().stepLesson(1);
    }, ADVANCE_AFTER_MS);
  });
  // Opened with a lesson already in the slot (a classroom link): its network is the link's.
  if (current()) enter(true);

  return {
    state,
    current,
    open(id) {
      const lesson = state.getState().lessons.find((l) => l.id === id);
      if (!lesson) return;
      state.setState({ listOpen: false });
      const slot = teaching.getState().lesson;
      // Opening the lesson that is open starts it again from its first step.
      if (slot?.id === id && slot.step === 0) enter(false);
      else teaching.getState().setLesson({ id, step: 0, count: lesson.steps.length });
    },
    close() {
      cancel();
      teaching.getState().setLesson(undefined);
      state.setState({ done: false });
    },
    add(lesson, r) {
      resolved.set(lesson.id, r);
      state.setState({ lessons: [...state.getState().lessons.filter((l) => l.id !== lesson.id), lesson] });
      const slot = teaching.getState().lesson;
      if (slot?.id === lesson.id) teaching.getState().setLesson(undefined);
      this.open(lesson.id);
    },
    setListOpen: (listOpen) => state.setState({ listOpen }),
    dispose() {
      cancel();
      offTeaching();
      offEditor();
    },
  };
}
