import { z } from 'zod';

/**
 * The lesson file format: a lesson is data (this schema), so a teacher can write one in JSON and
 * open it in the app; {@link checkLesson} in `check.ts` proves in Node that every step's network
 * analyses as the lesson says and that every task can be done.
 */

/** What a lesson file says it is. */
export const LESSON_FORMAT = 'residual-studio-lesson';
/** The newest lesson file version this build reads. */
export const LESSON_VERSION = 1 as const;

/** Text in both UI languages. */
const text = z.object({ en: z.string().min(1).max(4000), 'zh-CN': z.string().min(1).max(4000) }).strict();

/**
 * A name in the step's network: a layer's or a block's torchvision-style name (`conv1`,
 * `layer2.0`, `layer2.0.conv1`). A block that is expanded is still found by its name (its layers).
 */
const name = z.string().min(1).max(200);

/** A value a param may be set to. */
const paramValue = z.union([z.number(), z.boolean(), z.string()]);

/** One edit of a network, as data: a step's document is a template plus edits, or the previous step's plus edits. */
export const editSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('set-param'), node: name, param: z.string().min(1).max(100), value: paramValue }).strict(),
  z.object({ kind: z.literal('expand'), block: name }).strict(),
  z.object({ kind: z.literal('collapse'), block: name }).strict(),
  z.object({ kind: z.literal('zero-init-residual'), on: z.boolean() }).strict(),
  z.object({ kind: z.literal('to-plain') }).strict(),
  z.object({ kind: z.literal('to-residual') }).strict(),
]);

/** How a block's shortcut may be asked to be: a kind, or any that changes dimensions (projection or zero-pad). */
export const SHORTCUT_EXPECTATIONS = ['identity', 'projection', 'zero-pad', 'changes-dimensions'] as const;

/** What the learner must bring about, as data; the app notices when it holds and moves on. */
export const conditionSchema = z.discriminatedUnion('kind', [
  /** A node's (or a block's) param equals a value. */
  z.object({ kind: z.literal('param'), node: name, param: z.string().min(1).max(100), equals: paramValue }).strict(),
  /** A block's shortcut is of a kind. */
  z.object({ kind: z.literal('shortcut'), block: name, is: z.enum(SHORTCUT_EXPECTATIONS) }).strict(),
  /** A block is expanded into its layers. */
  z.object({ kind: z.literal('expanded'), block: name }).strict(),
  /** The document's zero-init residual setting. */
  z.object({ kind: z.literal('zero-init-residual'), on: z.boolean() }).strict(),
  /** The network has no shortcuts (a plain net) / has some (a residual net). */
  z.object({ kind: z.literal('plain') }).strict(),
  z.object({ kind: z.literal('residual') }).strict(),
]);

/** Where a step's document comes from. Without one, the step keeps the network as the learner left it. */
const docSource = z.union([
  /** A template from the gallery (fresh weights), then edits. */
  z.object({ template: z.string().min(1).max(100), edits: z.array(editSchema).max(50).optional() }).strict(),
  /** The previous step's network (after its task's solution), then edits: shown fresh on entering the step. */
  z.object({ edits: z.array(editSchema).min(1).max(50) }).strict(),
]);

/** What the step's network must analyse to: checked in Node, so a lesson's words cannot drift from the network. */
const expectSchema = z
  .object({
    /** Output shape (without the batch) of named layers or blocks. */
    shapes: z.record(name, z.array(z.number().int().min(0))).optional(),
    shortcuts: z.record(name, z.enum(SHORTCUT_EXPECTATIONS)).optional(),
    /** Total parameters. */
    params: z.number().int().min(0).optional(),
    /** Codes of the network's errors and warnings, exactly (none: []). */
    diagnostics: z.array(z.string().regex(/^RS\d{3}$/)).optional(),
  })
  .strict();

/** A view of the app a step opens beside its card (the degradation lab, the lesion study, the signals chart). */
const panelSchema = z.discriminatedUnion('kind', [
  /** Activation std and gradient norm at initialisation, this network against its plain (or residual) counterpart. */
  z.object({ kind: z.literal('signals') }).strict(),
  /** The degradation lab: a plain and a residual net of `depth` layers, trained side by side. */
  z.object({ kind: z.literal('degradation-lab'), depth: z.number().int().min(8).max(110), start: z.boolean().optional() }).strict(),
  /** The lesion study: deleting one block (residual) or one layer (plain) of trained nets at a time. */
  z.object({ kind: z.literal('lesion-study'), start: z.boolean().optional() }).strict(),
]);

/** One step: which network, what to highlight, the card's text, and what the learner must do (if anything). */
export const stepSchema = z
  .object({
    title: text,
    doc: docSource.optional(),
    highlight: z.object({ nodes: z.array(name).max(50).optional(), shortcuts: z.array(name).max(50).optional() }).strict().optional(),
    /** The block (or layer) selected on entering the step: the run panel shows its F(x), x and F(x) + x. */
    select: name.optional(),
    /**
     * The explanation. `{params}`, `{params:NAME}`, `{shape:NAME}`, `{shortcut:NAME}` and
     * `{shortcutParams:NAME}` are filled from the live analysis, so numbers are the network's own.
     */
    card: text,
    task: z
      .object({
        /** What to do, said to the learner. */
        text,
        done: conditionSchema,
        /** One way to do it (the checker applies it: the condition must then hold). */
        solution: z.array(editSchema).min(1).max(20),
      })
      .strict()
      .optional(),
    panel: panelSchema.optional(),
    expect: expectSchema.optional(),
  })
  .strict();

/** A whole lesson file. */
export const lessonSchema = z
  .object({
    format: z.literal(LESSON_FORMAT),
    version: z.literal(LESSON_VERSION),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'must be lower-case letters, digits and dashes'),
    title: text,
    summary: text,
    steps: z.array(stepSchema).min(1).max(100),
  })
  .strict();

/** Text in English and 简体中文. */
export type LessonText = z.infer<typeof text>;
/** One edit of a network, as data. */
export type LessonEdit = z.infer<typeof editSchema>;
/** A condition on the network that ends a waiting step. */
export type LessonCondition = z.infer<typeof conditionSchema>;
/** A view a step opens beside its card. */
export type LessonPanel = z.infer<typeof panelSchema>;
/** One step of a lesson. */
export type LessonStep = z.infer<typeof stepSchema>;
/** A lesson, as read from its file. */
export type Lesson = z.infer<typeof lessonSchema>;
/** The UI languages a lesson is written in. */
export type LessonLanguage = keyof LessonText;
