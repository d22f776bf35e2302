import { describe, expect, it } from 'vitest';
import { analyze } from '../shape/analyze.ts';
import { LESSONS, applyEdits, conditionHolds, fillCard, parseLesson, resolveLesson, shortcutOf, type Lesson } from './index.ts';

const english = (l: Lesson) => resolveLesson(l).problems.map((p) => p.message);

describe('the shipped lessons', () => {
  it.each(LESSONS.map((l) => [l.id, l] as const))('%s: every step analyses as the lesson says, names exist, tasks can be done', (_id, lesson) => {
    expect(english(lesson)).toEqual([]);
    expect(lesson.steps.length).toBeGreaterThanOrEqual(3);
  });

  it('are the five lessons of the course, in order, each titled and written in English and 简体中文', () => {
    expect(LESSONS.map((l) => l.id)).toEqual(['block-is-the-unit', 'identity-and-projection', 'identity-is-easy', 'degradation', 'ensembles']);
    for (const l of LESSONS) for (const s of l.steps) expect(s.card['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
  });

  it('use the concept note’s Chinese terms', () => {
    const zh = (id: string) => JSON.stringify(LESSONS.find((l) => l.id === id)!.steps.map((s) => [s.card['zh-CN'], s.task?.text['zh-CN']]));
    expect(zh('block-is-the-unit')).toContain('乐高积木');
    expect(zh('block-is-the-unit')).toContain('主通路');
    expect(zh('identity-and-projection')).toContain('恒等块');
    expect(zh('identity-and-projection')).toContain('卷积块');
    expect(zh('identity-is-easy')).toContain('恒等映射');
    expect(zh('identity-is-easy')).toContain('全零映射');
  });

  it('lesson 2: option B’s projection costs real parameters, option A none (numbers from analyze)', () => {
    const l = LESSONS[1]!;
    const r = resolveLesson(l);
    const b = r.docs[5]!;
    const a = analyze(b);
    expect(fillCard('{shortcutParams:layer2.0} of {params:layer2.0}; {params}', b, a).text).toBe('576 of 14,528; 82,426');
    // The learner's edit (the step's solution) makes option A: the same block without those 576.
    const optionA = applyEdits(b, l.steps[6]!.task!.solution).doc;
    const aa = analyze(optionA);
    expect(shortcutOf(optionA, aa, 'layer2.0')?.kind).toBe('zero-pad');
    expect(fillCard('{shortcutParams:layer2.0} of {params:layer2.0}; {params}', optionA, aa).text).toBe('0 of 13,952; 81,850');
  });

  it('lesson 3: zero-init residual is the task, and the plain step really has no shortcut', () => {
    const l = LESSONS[2]!;
    const r = resolveLesson(l);
    expect(r.docs[1]!.zeroInitResidual).toBe(false);
    expect(r.docs[2]!.zeroInitResidual).toBe(true);
    expect(analyze(r.docs[3]!).shortcuts).toHaveLength(0);
    expect(r.docs[3]!.zeroInitResidual).toBe(true);
    expect(conditionHolds(r.docs[5]!, analyze(r.docs[5]!), { kind: 'residual' })).toBe(true);
  });
});

describe('a lesson file', () => {
  // A lesson file as a teacher's editor would hold it: untyped JSON, broken on purpose below.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const good = () => JSON.parse(JSON.stringify(LESSONS[1])) as Record<string, any>;
  const messages = (text: string) => parseLesson(text).diagnostics.map((d) => `${d.code} ${d.message}`);

  it('that is valid opens, with each step’s network', () => {
    const r = parseLesson(JSON.stringify(good()));
    expect(r.diagnostics).toEqual([]);
    expect(r.lesson?.id).toBe('identity-and-projection');
    expect(r.resolved?.docs).toHaveLength(8);
  });

  it('is refused, saying what and where, when it is not JSON, not a lesson, or newer', () => {
    expect(messages('{"format": ')[0]).toMatch(/^RS505 this lesson file is not JSON/);
    expect(messages('{"nodes": []}')).toEqual(['RS505 this is not a Residual Studio lesson (its format is null; a lesson file says "format": "residual-studio-lesson")']);
    expect(messages(JSON.stringify({ ...good(), version: 7 }))).toEqual(['RS505 this lesson was written for a newer Residual Studio (lesson version 7; this one reads version 1)']);
  });

  it('is refused at the field that breaks the schema', () => {
    const l = good();
    delete l['steps'][2]['card']['zh-CN'];
    l['steps'][4]['task'] = { text: { en: 'x', 'zh-CN': 'x' }, done: { kind: 'param', node: 'layer1.1' } };
    const m = messages(JSON.stringify(l));
    expect(m.some((x) => x.startsWith('RS505 step 3, card.zh-CN:'))).toBe(true);
    expect(m.some((x) => x.startsWith('RS505 step 5, task.'))).toBe(true);
  });

  it('is refused when a name, a template, an expected shape or a task does not hold in its network', () => {
    const l = good();
    l['steps'][0]['highlight']['nodes'][0] = 'layer9.9';
    l['steps'][1]['task']['solution'] = [{ kind: 'set-param', node: 'layer1.1', param: 'width', value: 16 }];
    l['steps'][3]['card']['en'] = 'costs {params:nowhere}';
    l['steps'][5]['expect']['params'] = 1;
    expect(messages(JSON.stringify(l))).toEqual([
      'RS505 step 1, highlight.nodes[0]: this step’s network has no layer or block named "layer9.9"',
      'RS505 step 2, task.solution: after the task’s solution the task is still not done',
      // The next step starts from the network after the solution, so its expectations fail too.
      'RS505 step 3, expect.shapes.layer1.1: layer1.1 is 16×28×28, the lesson expects 16×14×14',
      'RS505 step 3, expect.shapes.layer2.0: layer2.0 is 32×14×14, the lesson expects 32×7×7',
      'RS505 step 3, expect.shortcuts.layer1.1: the shortcut of layer1.1 is identity, the lesson expects projection',
      'RS505 step 4, card.en: {params:nowhere} cannot be filled from this step’s network',
      'RS505 step 6, expect.params: the network has 82426 parameters, the lesson expects 1',
    ]);
    const t = good();
    t['steps'][0]['doc'] = { template: 'resnet9000' };
    expect(messages(JSON.stringify(t))).toEqual(['RS505 step 1, doc.template: there is no template "resnet9000"']);
    const done = good();
    done['steps'][1]['task']['done'] = { kind: 'shortcut', block: 'layer2.0', is: 'projection' };
    expect(messages(JSON.stringify(done))).toEqual(['RS505 step 2, task.done: the task is already done when the step opens, so the step would not wait for the learner']);
    const edit = good();
    edit['steps'][3]['doc']['edits'] = [{ kind: 'set-param', node: 'layer1.1', param: 'kernel', value: 5 }];
    expect(messages(JSON.stringify(edit))).toEqual(['RS505 step 4, doc.edits[0]: layer1.1 (BasicBlock) has no param "kernel"']);
  });
});
