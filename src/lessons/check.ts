import { diag, msg, type Diagnostic, type MessageRef } from '../diagnostics/catalogue.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { analyze, type Analysis } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import { applyEdits, conditionHolds, conditionNames, fillCard, hasName, shapeOf, shortcutIs, shortcutOf } from './lesson.ts';
import { LESSON_FORMAT, LESSON_VERSION, lessonSchema, type Lesson, type LessonEdit } from './schema.ts';

/** Where in a lesson file a problem is: "step 3, task.solution[0]" (1-based step, the file's field path). */
const at = (step: number, field: string): MessageRef => msg('lesson-at', { step: step + 1, field });
const problem = (where: MessageRef, m: MessageRef): Diagnostic => diag('RS505', msg('doc-invalid-field', { where, problem: m }));

/** Every step's network as the learner first sees it, worked out from the lesson's data. */
export interface ResolvedLesson {
  readonly lesson: Lesson;
  /** The network on entering each step (a step without `doc` continues from the previous one, after its task's solution). */
  readonly docs: readonly ResidualDocument[];
  readonly problems: readonly Diagnostic[];
}

const sameShape = (a: readonly number[] | undefined, b: readonly number[]) => !!a && a.length === b.length && a.every((v, i) => v === b[i]);

function edited(doc: ResidualDocument, edits: readonly LessonEdit[], step: number, field: string, problems: Diagnostic[]): ResidualDocument {
  const r = applyEdits(doc, edits);
  if (r.error) problems.push(problem(at(step, `${field}[${r.error.index}]`), r.error.message));
  return r.doc;
}

/**
 * Works out each step's network and checks the lesson against them: the first step opens a
 * template; every edit can be made; every highlighted, selected or placeholder name exists in its
 * step's network; the network analyses to the step's expected shapes, shortcuts, parameters and
 * diagnostics; and every task is not yet done when the step opens and is done after its solution
 * (so a waiting step can always be finished, and never finishes by itself).
 *
 * @example
 * const r = resolveLesson(LESSONS[0]);
 * r.problems; // []
 */
export function resolveLesson(lesson: Lesson): ResolvedLesson {
  const problems: Diagnostic[] = [];
  const docs: ResidualDocument[] = [];
  let carried: ResidualDocument | undefined;
  for (const [i, step] of lesson.steps.entries()) {
    let doc: ResidualDocument | undefined;
    if (step.doc && 'template' in step.doc) {
      doc = buildTemplate(step.doc.template);
      if (!doc) {
        problems.push(problem(at(i, 'doc.template'), msg('lesson-no-template', { template: step.doc.template })));
        return { lesson, docs, problems };
      }
      if (step.doc.edits) doc = edited(doc, step.doc.edits, i, 'doc.edits', problems);
    } else if (!carried) {
      problems.push(problem(at(i, 'doc'), msg('lesson-first-doc')));
      return { lesson, docs, problems };
    } else doc = step.doc ? edited(carried, step.doc.edits, i, 'doc.edits', problems) : carried;
    docs.push(doc);
    const a = analyze(doc);
    checkStep(lesson, i, doc, a, problems);
    carried = doc;
    if (step.task) {
      const after = edited(doc, step.task.solution, i, 'task.solution', problems);
      if (conditionHolds(doc, a, step.task.done)) problems.push(problem(at(i, 'task.done'), msg('lesson-task-done-already')));
      else if (!conditionHolds(after, analyze(after), step.task.done)) problems.push(problem(at(i, 'task.solution'), msg('lesson-task-unreachable')));
      carried = after;
    }
  }
  return { lesson, docs, problems };
}

function checkStep(lesson: Lesson, i: number, doc: ResidualDocument, a: Analysis, problems: Diagnostic[]) {
  const step = lesson.steps[i]!;
  const need = (name: string, field: string) => {
    if (!hasName(doc, name)) problems.push(problem(at(i, field), msg('lesson-unknown-name', { name })));
  };
  step.highlight?.nodes?.forEach((n, k) => need(n, `highlight.nodes[${k}]`));
  step.highlight?.shortcuts?.forEach((n, k) => {
    need(n, `highlight.shortcuts[${k}]`);
    if (hasName(doc, n) && !shortcutOf(doc, a, n)) problems.push(problem(at(i, `highlight.shortcuts[${k}]`), msg('lesson-no-shortcut', { name: n })));
  });
  if (step.select) need(step.select, 'select');
  if (step.task) for (const n of conditionNames(step.task.done)) need(n, 'task.done');
  // Placeholders are filled from the network the card is shown over; a task's text from the one it starts from.
  for (const lang of ['en', 'zh-CN'] as const) {
    for (const [field, template] of [[`card.${lang}`, step.card[lang]], ...(step.task ? [[`task.text.${lang}`, step.task.text[lang]]] : [])] as const) {
      for (const m of fillCard(template, doc, a).missing) problems.push(problem(at(i, field), msg('lesson-placeholder', { placeholder: m })));
    }
  }
  const e = step.expect;
  if (!e) return;
  for (const [name, expected] of Object.entries(e.shapes ?? {})) {
    const s = shapeOf(doc, a, name);
    if (!hasName(doc, name)) need(name, `expect.shapes.${name}`);
    else if (!sameShape(s, expected)) problems.push(problem(at(i, `expect.shapes.${name}`), msg('lesson-shape-mismatch', { name, actual: s ? s.join('×') : '?', expected: expected.join('×') })));
  }
  for (const [name, expected] of Object.entries(e.shortcuts ?? {})) {
    const sc = shortcutOf(doc, a, name);
    if (!shortcutIs(sc, expected)) problems.push(problem(at(i, `expect.shortcuts.${name}`), msg('lesson-shortcut-mismatch', { name, actual: sc?.kind ?? 'none', expected })));
  }
  if (e.params !== undefined && a.totals.params !== e.params) problems.push(problem(at(i, 'expect.params'), msg('lesson-params-mismatch', { actual: a.totals.params, expected: e.params })));
  if (e.diagnostics) {
    const actual = [...new Set(a.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code))].sort();
    const expected = [...new Set(e.diagnostics)].sort();
    if (actual.join(',') !== expected.join(',')) problems.push(problem(at(i, 'expect.diagnostics'), msg('lesson-diagnostics-mismatch', { actual: actual.join(', ') || '—', expected: expected.join(', ') || '—' })));
  }
}

/** A lesson file read: the lesson and its steps' networks, or what is wrong with it and where (and no lesson). */
export type ParsedLesson = { readonly lesson: Lesson; readonly resolved: ResolvedLesson; readonly diagnostics: readonly Diagnostic[] } | { readonly lesson?: undefined; readonly resolved?: undefined; readonly diagnostics: readonly Diagnostic[] };

/**
 * Reads a lesson file (JSON text): its format and version, the schema, then {@link resolveLesson}'s
 * checks. Any problem refuses the whole file, each saying what is wrong and where.
 *
 * @example
 * const r = parseLesson(await file.text());
 * if (!r.lesson) show(r.diagnostics);
 */
export function parseLesson(text: string): ParsedLesson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { diagnostics: [diag('RS505', msg('lesson-not-json', { error: (e as Error).message }))] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { diagnostics: [diag('RS505', msg('lesson-wrong-format', { format: JSON.stringify(raw)?.slice(0, 40) ?? '?' }))] };
  const obj = raw as Record<string, unknown>;
  if (obj['format'] !== LESSON_FORMAT) return { diagnostics: [diag('RS505', msg('lesson-wrong-format', { format: JSON.stringify(obj['format'] ?? null) }))] };
  if (typeof obj['version'] === 'number' && obj['version'] > LESSON_VERSION) return { diagnostics: [diag('RS505', msg('lesson-newer', { version: obj['version'], max: LESSON_VERSION }))] };
  const r = lessonSchema.safeParse(raw);
  if (!r.success) {
    return {
      diagnostics: r.error.issues.slice(0, 20).map((issue) => {
        const path = issue.path.map(String);
        const where = path[0] === 'steps' && path[1] !== undefined ? at(Number(path[1]), path.slice(2).join('.') || 'step') : msg('doc-path-field', { field: path.join('.') || 'lesson' });
        return diag('RS505', msg('doc-invalid-field', { where, problem: issue.message }));
      }),
    };
  }
  const resolved = resolveLesson(r.data);
  if (resolved.problems.length) return { diagnostics: resolved.problems.slice(0, 20) };
  return { lesson: r.data, resolved, diagnostics: [] };
}
