import { createStore } from 'zustand/vanilla';
import type { ControlId, FigureView, LinkState } from '../links/classroom-link.ts';

/** The lesson slot: which lesson is open, at which step, of how many (set by the lesson that plugs in). */
export interface LessonSlot {
  readonly id: string;
  readonly step: number;
  /** Number of steps, when a lesson has said; without it stepping only stops at 0. */
  readonly count?: number;
}

/**
 * Teaching state of one editor: not the document (never undone, not autosaved). The figure view,
 * presenter mode, the lesson step that arrow keys move, and what a classroom link hid or locked.
 */
export interface TeachingState {
  readonly figure: FigureView;
  readonly presenter: boolean;
  readonly lesson: LessonSlot | undefined;
  readonly hide: readonly ControlId[];
  readonly lock: readonly ControlId[];
  readonly shareOpen: boolean;
  setFigure(f: FigureView): void;
  setPresenter(on: boolean): void;
  setLesson(l: LessonSlot | undefined): void;
  /** Moves the lesson by `delta` steps within its bounds; false when there is no lesson or it is at the end. */
  stepLesson(delta: number): boolean;
  setShareOpen(open: boolean): void;
  /** Applies a classroom link's view, lesson step and restrictions. */
  applyLink(s: LinkState): void;
}

export type TeachingStore = ReturnType<typeof createTeachingStore>;

/** Creates the teaching store, optionally from a classroom link's state. */
export function createTeachingStore(init?: LinkState) {
  return createStore<TeachingState>()((set, get) => ({
    figure: 'none',
    presenter: false,
    lesson: undefined,
    hide: [],
    lock: [],
    shareOpen: false,
    setFigure: (figure) => set({ figure }),
    setPresenter: (presenter) => set({ presenter }),
    setLesson: (lesson) => set({ lesson }),
    stepLesson(delta) {
      const l = get().lesson;
      if (!l) return false;
      const max = l.count !== undefined ? l.count - 1 : Number.POSITIVE_INFINITY;
      const step = Math.min(max, Math.max(0, l.step + delta));
      if (step === l.step) return false;
      set({ lesson: { ...l, step } });
      return true;
    },
    setShareOpen: (shareOpen) => set({ shareOpen }),
    applyLink(s) {
      set({ figure: s.figure, presenter: s.presenter, lesson: s.lesson ? { ...s.lesson } : undefined, hide: [...s.hide], lock: [...s.lock] });
    },
    ...(init ? { figure: init.figure, presenter: init.presenter, lesson: init.lesson ? { ...init.lesson } : undefined, hide: [...init.hide], lock: [...init.lock] } : {}),
  }));
}

/**
 * What the arrow keys do in presenter mode: step the lesson. Returns true when the key was one of
 * the stepping keys (so the caller keeps it from the canvas, which would move the selected node).
 */
export function lessonKey(store: TeachingStore, key: string): boolean {
  if (key === 'ArrowRight' || key === 'ArrowDown' || key === 'PageDown' || key === ' ') {
    store.getState().stepLesson(1);
    return true;
  }
  if (key === 'ArrowLeft' || key === 'ArrowUp' || key === 'PageUp') {
    store.getState().stepLesson(-1);
    return true;
  }
  return false;
}
