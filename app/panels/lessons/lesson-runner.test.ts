import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTemplate } from '../../../src/index.ts';
import { createEditorStore, replaceDocument } from '../../store/editor-store.ts';
import { createTeachingStore, lessonKey } from '../../teaching/teaching-store.ts';
import { ADVANCE_AFTER_MS, createLessonRunner, highlightedNodes } from './lesson-runner.ts';

const setup = (init?: Parameters<typeof createTeachingStore>[0]) => {
  const editor = createEditorStore({ doc: buildTemplate('tiny-resnet')! });
  const teaching = createTeachingStore(init);
  const runner = createLessonRunner(editor, teaching, { show: (doc) => replaceDocument(editor, doc) });
  const nodeId = (name: string) => editor.getState().doc.nodes.find((n) => n.name === name)!.id;
  return { editor, teaching, runner, nodeId };
};

describe('the lesson runner', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens a lesson on its first step’s network, waits for the task, notices the edit and moves on by itself', async () => {
    const { editor, teaching, runner, nodeId } = setup();
    runner.open('identity-and-projection');
    expect(teaching.getState().lesson).toEqual({ id: 'identity-and-projection', step: 0, count: 8 });
    expect(editor.getState().doc.name).toBe('Fashion-MNIST ResNet');
    teaching.getState().stepLesson(1);
    // The step selects the block its task is about.
    expect(editor.getState().selection.nodes).toEqual([nodeId('layer1.1')]);
    expect(runner.state.getState().done).toBe(false);
    editor.getState().setParams(nodeId('layer1.1'), { stride: 3 });
    expect(runner.state.getState().done).toBe(false);
    editor.getState().setParams(nodeId('layer1.1'), { stride: 2 });
    expect(runner.state.getState().done).toBe(true);
    expect(teaching.getState().lesson?.step).toBe(1);
    vi.advanceTimersByTime(ADVANCE_AFTER_MS);
    expect(teaching.getState().lesson?.step).toBe(2);
    // The step after keeps the learner's network.
    expect(editor.getState().doc.nodes.find((n) => n.name === 'layer1.1')?.params['stride']).toBe(2);
    // Back onto the finished task: shown done, and it does not move on again by itself.
    teaching.getState().stepLesson(-1);
    expect(runner.state.getState().done).toBe(true);
    vi.advanceTimersByTime(ADVANCE_AFTER_MS * 3);
    expect(teaching.getState().lesson?.step).toBe(1);
    // A step with its own network shows it afresh (a later event than the edit: not a link's).
    await Promise.resolve();
    teaching.getState().setLesson({ id: 'identity-and-projection', step: 3, count: 8 });
    expect(editor.getState().doc.nodes.find((n) => n.name === 'layer1.1')?.params['stride']).toBe(1);
    runner.dispose();
  });

  it('moving on past a skipped task shows the network as the task’s solution leaves it', async () => {
    const { editor, teaching, runner } = setup();
    runner.open('identity-and-projection');
    await Promise.resolve();
    teaching.getState().stepLesson(1);
    await Promise.resolve();
    expect(runner.state.getState().done).toBe(false);
    // Next without doing the task (stride 2 on layer1.1): the next card describes the solved network.
    teaching.getState().stepLesson(1);
    expect(teaching.getState().lesson?.step).toBe(2);
    expect(editor.getState().doc.nodes.find((n) => n.name === 'layer1.1')?.params['stride']).toBe(2);
    runner.dispose();
  });

  it('steps with presenter mode’s arrow keys within the lesson’s bounds, and closes', () => {
    const { teaching, runner } = setup();
    runner.open('block-is-the-unit');
    for (let i = 0; i < 10; i++) lessonKey(teaching, 'ArrowRight');
    expect(teaching.getState().lesson?.step).toBe(6);
    lessonKey(teaching, 'ArrowLeft');
    expect(runner.current()?.step.title.en).toBe('ReLU(F(x) + x)');
    runner.close();
    expect(teaching.getState().lesson).toBeUndefined();
    expect(runner.current()).toBeUndefined();
  });

  it('a classroom link’s lesson step keeps the link’s network (the teacher’s edits), and gets its step count', () => {
    const doc = { ...buildTemplate('fashion-resnet')!, name: 'Edited by the teacher' };
    const { editor, teaching, runner } = setup();
    replaceDocument(editor, doc);
    teaching.getState().applyLink({ figure: 'none', presenter: true, lesson: { id: 'identity-and-projection', step: 5 }, hide: [], lock: [] });
    expect(editor.getState().doc.name).toBe('Edited by the teacher');
    expect(teaching.getState().lesson).toEqual({ id: 'identity-and-projection', step: 5, count: 8 });
    expect(runner.current()?.step.title.en).toBe('Option B: projection');
    runner.dispose();
    // Opened with the link already in the slot (a fresh page): the same.
    const fresh = setup({ figure: 'none', presenter: false, lesson: { id: 'block-is-the-unit', step: 1 }, hide: [], lock: [] });
    expect(fresh.editor.getState().doc.name).toBe('Tiny ResNet');
    expect(fresh.teaching.getState().lesson?.count).toBe(7);
  });

  it('highlights by name: a collapsed block’s card, an expanded block’s Add for its shortcut', () => {
    const { editor, runner } = setup();
    runner.open('block-is-the-unit');
    const step = runner.current()!.lesson.steps[4]!;
    const before = highlightedNodes(editor.getState().doc, step);
    expect(before).toEqual(['layer1/0']);
    editor.getState().expand(editor.getState().doc.nodes.find((n) => n.name === 'layer1.0')!.id);
    expect(highlightedNodes(editor.getState().doc, step).map((id) => editor.getState().doc.nodes.find((n) => n.id === id)!.name)).toEqual(['layer1.0.add']);
  });
});
