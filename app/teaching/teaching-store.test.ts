import { describe, expect, it } from 'vitest';
import { createTeachingStore, lessonKey } from './teaching-store.ts';

describe('teaching store', () => {
  it('arrow keys step a lesson within its bounds', () => {
    const s = createTeachingStore();
    expect(lessonKey(s, 'ArrowRight')).toBe(true);
    expect(s.getState().lesson).toBe(undefined);
    s.getState().setLesson({ id: 'blocks', step: 0, count: 3 });
    lessonKey(s, 'ArrowRight');
    lessonKey(s, 'PageDown');
    lessonKey(s, 'ArrowRight');
    expect(s.getState().lesson?.step).toBe(2);
    lessonKey(s, 'ArrowLeft');
    lessonKey(s, 'ArrowUp');
    lessonKey(s, 'ArrowUp');
    expect(s.getState().lesson?.step).toBe(0);
    expect(lessonKey(s, 'a')).toBe(false);
  });

  it("starts from a classroom link's state", () => {
    const s = createTeachingStore({ figure: 'paper', presenter: true, lesson: { id: 'x', step: 4 }, hide: ['palette'], lock: ['inspector'] });
    expect(s.getState()).toMatchObject({ figure: 'paper', presenter: true, lesson: { id: 'x', step: 4 }, hide: ['palette'], lock: ['inspector'] });
  });
});
