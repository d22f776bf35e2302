import type { WorkerSpan } from './protocol.ts';

/**
 * Where the time of one live run went, from the document change the live loop saw to the result
 * on screen. Times are on the page's clock (`performance.now()`); the worker's spans are in epoch
 * milliseconds and are moved onto it here. Each finished trace is written as User Timing
 * measures named `rs.live.*` (visible in DevTools' performance panel; `npm run bench:run` reads
 * them), replacing the previous run's.
 */
export interface LiveTrace {
  /** The live loop saw the change (a new document, input, exposed tensors or backend). */
  readonly changed: number;
  /** The wait was over and the compile request was sent. */
  started?: number;
  /** The compile answer arrived. */
  compiled?: number;
  compileSpan?: WorkerSpan;
  /** The run request was sent (right behind the compile request, or after its answer). */
  runSent?: number;
  /** The run answer arrived. */
  ran?: number;
  runSpan?: WorkerSpan;
  /** The result was handed to React. */
  handed?: number;
  /** React committed the result to the DOM (see {@link recordShown}). */
  readonly shown?: number;
}

/** The measures written for a trace, in order. */
export const TRACE_MEASURES = [
  'rs.live.total',
  'rs.live.wait',
  'rs.live.compile.post',
  'rs.live.compile.queue',
  'rs.live.compile.key',
  'rs.live.compile.lower',
  'rs.live.compile.serialize',
  'rs.live.compile.session',
  'rs.live.compile.other',
  'rs.live.compile.reply',
  'rs.live.run.start',
  'rs.live.run.infer',
  'rs.live.run.reply',
  'rs.live.handover',
  'rs.live.render',
] as const;

/** An epoch time from the worker on the page's clock. */
const local = (epoch: number) => epoch - performance.timeOrigin;

/**
 * The stages of a finished trace as `[name, start, duration]` (page clock, ms). Stages whose
 * ends are missing (a cached session has no compile stages) are left out.
 */
export function traceStages(t: LiveTrace): [name: (typeof TRACE_MEASURES)[number], start: number, ms: number][] {
  const out: [(typeof TRACE_MEASURES)[number], number, number][] = [];
  const add = (name: (typeof TRACE_MEASURES)[number], a: number | undefined, b: number | undefined) => {
    if (a !== undefined && b !== undefined) out.push([name, a, Math.max(0, b - a)]);
  };
  add('rs.live.total', t.changed, t.shown);
  add('rs.live.wait', t.changed, t.started);
  const c = t.compileSpan;
  if (c) {
    add('rs.live.compile.post', t.started, local(c.received));
    add('rs.live.compile.queue', local(c.received), local(c.started));
    let at = local(c.started);
    let named = 0;
    for (const s of ['key', 'lower', 'serialize', 'session'] as const) {
      const ms = c.stages[s];
      if (ms === undefined) continue;
      out.push([`rs.live.compile.${s}`, at, ms]);
      at += ms;
      named += ms;
    }
    out.push(['rs.live.compile.other', at, Math.max(0, c.finished - c.started - named)]);
    add('rs.live.compile.reply', local(c.finished), t.compiled);
  }
  const r = t.runSpan;
  if (r) {
    // From whichever came last, the compile's end in the worker or the run request, to the run's start.
    const from = Math.max(t.runSent ?? -Infinity, c ? local(c.finished) : -Infinity);
    if (Number.isFinite(from)) add('rs.live.run.start', from, local(r.started));
    add('rs.live.run.infer', local(r.started), local(r.finished));
    add('rs.live.run.reply', local(r.finished), t.ran);
  }
  add('rs.live.handover', t.ran, t.handed);
  add('rs.live.render', t.handed, t.shown);
  return out;
}

/** Writes a finished trace as User Timing measures, replacing the previous run's. */
export function recordTrace(t: LiveTrace): void {
  if (typeof performance.measure !== 'function') return;
  for (const name of TRACE_MEASURES) performance.clearMeasures(name);
  for (const [name, start, ms] of traceStages(t)) performance.measure(name, { start, duration: ms });
}

const recorded = new WeakSet<LiveTrace>();

/**
 * Completes a trace when its result has been committed to the DOM, and records it; later calls
 * for the same trace (a re-render, the steady rerun's timings) do nothing.
 */
export function recordShown(t: LiveTrace): void {
  if (recorded.has(t)) return;
  recorded.add(t);
  recordTrace({ ...t, shown: performance.now() });
}
