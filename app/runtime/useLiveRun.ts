import { useEffect, useRef, useState } from 'react';
import type { Analysis, Diagnostic, ResidualDocument } from '../../src/index.ts';
import type { InputTensor } from '../../src/input/index.ts';
import { DEFAULT_TIMEOUTS, RuntimeError } from './client.ts';
import { modelKey, sessionKey } from './doc-key.ts';
import type { LiveTrace } from './live-trace.ts';
import { startDelay } from './start-delay.ts';
import type { Backend, BackendChoice, EnvInfo, GpuReason, Timings, WeightSourceMap, WireTensor } from './protocol.ts';
import { compilePrefetch, getRuntime, onRuntimeEvent } from './runtime.ts';
import { useModelDoc } from './settle.ts';

/** A finished run: what the panel shows. */
export interface LiveResult {
  /** Model key of the document that produced it (layout excluded). */
  readonly model: string;
  readonly logits: Float32Array;
  /** Exposed activations by ONNX tensor name. */
  readonly tensors: ReadonlyMap<string, WireTensor>;
  readonly backend: Backend;
  readonly fallbackReason?: GpuReason;
  readonly timings: Timings;
  readonly weightSources?: WeightSourceMap;
  readonly warnings: readonly Diagnostic[];
  /** The input that produced this result, so a stale result can say so. */
  readonly input: InputTensor;
  /** Where the time went, from the change to this result; the panel completes it once shown. */
  readonly trace?: LiveTrace;
}

/** The live loop's state. */
export interface LiveRunState {
  readonly env?: EnvInfo;
  readonly phase: 'idle' | 'waiting' | 'compiling' | 'running' | 'done' | 'error';
  /** The worker still has work for this document (e.g. the steady-state rerun after a first run). */
  readonly busy?: boolean;
  /** The last good result; kept while the graph is invalid or a newer run is under way. */
  readonly result?: LiveResult;
  /**
   * Why `result` does not reflect the current document (invalid graph, failed compile): the
   * first error, whose `messageRef` the panel translates, or a plain reason.
   */
  readonly stale?: { readonly reason: string; readonly code?: string; readonly diagnostic?: Diagnostic };
  /**
   * A failure of the runtime itself: the run's worker was restarted (crash or hang), or a session
   * or inference failed. `message` is the runtime's own text.
   */
  readonly error?: { readonly kind: 'restarted' | 'failed'; readonly message: string };
  /** Worker restarts so far, with the latest reason. */
  readonly restarts: { readonly count: number; readonly last?: { readonly reason: 'crash' | 'timeout'; readonly message: string } };
}

/** Options of {@link useLiveRun}. */
export interface LiveRunOptions {
  readonly doc: ResidualDocument;
  readonly analysis: Analysis;
  /** Intermediate tensors to fetch (the selected node's), by ONNX name. */
  readonly expose: readonly string[];
  readonly input: InputTensor | undefined;
  readonly backend: BackendChoice;
  /** Real weights to use where they still fit (the document's own `weights` ref otherwise). */
  readonly weightsUrl?: string;
  /**
   * Debounce (ms): a change that follows another within this time waits this long for the burst
   * to end; a change after a quiet period starts at once (see `start-delay.ts`).
   */
  readonly debounceMs?: number;
  /** How long after a first result the steady-state rerun waits, so it never delays that result's frame (ms). */
  readonly steadyDelayMs?: number;
}

const firstError = (a: Analysis): Diagnostic | undefined => a.diagnostics.find((d) => d.severity === 'error');

/**
 * The live loop: every valid document change (debounced) recompiles in the worker and reruns on
 * the current input; a newer change cancels the older run. While the document is invalid, the
 * last good result stays, marked stale with the first error. A crashed or hung worker is
 * restarted by the client; the loop reports it and runs again on the fresh worker.
 */
export function useLiveRun(o: LiveRunOptions): LiveRunState {
  const [state, setState] = useState<LiveRunState>({ phase: 'idle', restarts: { count: 0 } });
  const [generation, setGeneration] = useState(0);
  const inflight = useRef<number[]>([]);
  const cached = useRef<{ key?: string; timings: Timings }>({ timings: {} });
  const lastChange = useRef<number | undefined>(undefined);

  useEffect(() => {
    const rt = getRuntime();
    let alive = true;
    rt.request({ type: 'probe' })
      .promise.then((env) => alive && setState((s) => ({ ...s, env })))
      .catch(() => undefined);
    const off = onRuntimeEvent((e) => {
      setState((s) => ({ ...s, restarts: { count: s.restarts.count + 1, last: { reason: e.reason, message: e.message } } }));
      setGeneration(e.generation);
    });
    return () => {
      alive = false;
      off();
    };
  }, []);

  const { analysis, expose, input, backend, weightsUrl, debounceMs = 50, steadyDelayMs = 150 } = o;
  // Layout-only changes (a drag, an auto layout) keep this the same object: nothing reruns.
  const doc = useModelDoc(o.doc);
  const err = firstError(analysis);
  const exposeKey = expose.join('\n');

  useEffect(() => {
    const rt = getRuntime();
    for (const id of inflight.current) rt.cancel(id);
    inflight.current = [];
    if (err) {
      setState((s) => ({ ...s, phase: s.result ? 'done' : 'idle', busy: false, stale: { reason: err.message, code: err.code, diagnostic: err } }));
      return;
    }
    if (!input) return;
    let live = true;
    const trace: LiveTrace = { changed: performance.now() };
    const delay = startDelay(trace.changed, lastChange.current, debounceMs);
    lastChange.current = trace.changed;
    setState((s) => ({ ...s, phase: 'waiting', busy: true }));
    let steadyTimer: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(async () => {
      trace.started = performance.now();
      const track = <T,>(c: { id: number; promise: Promise<T> }) => {
        inflight.current.push(c.id);
        return c.promise.finally(() => (inflight.current = inflight.current.filter((x) => x !== c.id)));
      };
      try {
        setState((s) => ({ ...s, phase: 'compiling' }));
        const exposed = exposeKey ? exposeKey.split('\n') : [];
        const model = modelKey(doc);
        const target = { expose: exposed, backend, ...(weightsUrl ? { weightsUrl } : {}) };
        compilePrefetch.compiled(doc, target);
        const compiling = track(rt.request({ type: 'compile', doc, ...target }));
        // The run goes right behind the compile (the worker serves requests in order, and the
        // key is known here), so the worker starts it without a round trip through this thread.
        // If the compile fails, the run fails too; its error is not the one to report.
        // The input buffer is copied for the worker: the panel keeps its own for reruns.
        const data = input.data.slice();
        trace.runSent = performance.now();
        const running = track(
          rt.request({ type: 'run', key: sessionKey(model, exposed, backend), input: { name: 'input', dims: input.dims, data } }, [data.buffer], DEFAULT_TIMEOUTS.compile + DEFAULT_TIMEOUTS.run),
        );
        running.catch(() => undefined);
        const c = await compiling;
        if (!live) return;
        trace.compiled = performance.now();
        if (c.span) trace.compileSpan = c.span;
        let timings: Timings = c.cached && cached.current.key === c.key ? { ...cached.current.timings } : { ...c.timings, cached: c.cached };
        setState((s) => ({ ...s, phase: 'running' }));
        const r = await running;
        if (!live) return;
        trace.ran = performance.now();
        if (r.span) trace.runSpan = r.span;
        timings = r.first ? { ...timings, firstRunMs: r.timings.firstRunMs } : { ...timings, runMs: r.timings.runMs };
        const tensors = new Map(r.outputs.map((t) => [t.name, t]));
        const logits = tensors.get('logits')?.data ?? r.outputs[0]?.data ?? new Float32Array();
        const result: LiveResult = {
          model,
          logits,
          tensors,
          backend: r.backend,
          ...(c.fallbackReason ? { fallbackReason: c.fallbackReason } : {}),
          timings,
          ...(c.weightSources ? { weightSources: c.weightSources } : {}),
          warnings: c.diagnostics.filter((d) => d.severity !== 'error'),
          input,
          trace,
        };
        cached.current = { key: c.key, timings };
        trace.handed = performance.now();
        setState((s) => ({ ...s, phase: 'done', busy: r.first, result, stale: undefined, error: undefined }));
        if (r.first) {
          // One more run on a warm session gives the steady-state time. It waits a little, so
          // that neither the worker nor React's render of its timings competes with painting
          // the first result, or with an edit that follows at once.
          await new Promise<void>((res) => (steadyTimer = setTimeout(res, steadyDelayMs)));
          if (!live) return;
          const again = input.data.slice();
          const r2 = await track(rt.request({ type: 'run', key: c.key, input: { name: 'input', dims: input.dims, data: again } }, [again.buffer]));
          if (!live) return;
          timings = { ...timings, runMs: r2.timings.runMs };
          cached.current = { key: c.key, timings };
          setState((s) => (s.result === result ? { ...s, busy: false, result: { ...result, timings } } : s));
        }
      } catch (e) {
        if (!live) return;
        const re = e instanceof RuntimeError ? e : undefined;
        if (re?.kind === 'cancelled') return;
        if (re?.kind === 'compile') {
          const d = re.diagnostics?.find((x) => x.severity === 'error');
          setState((s) => ({ ...s, phase: 'error', busy: false, stale: { reason: d?.message ?? re.message, ...(d ? { code: d.code, diagnostic: d } : {}) } }));
        } else if (re?.kind === 'crash' || re?.kind === 'timeout') {
          setState((s) => ({ ...s, phase: 'error', busy: false, error: { kind: 'restarted', message: re.message } }));
        } else {
          setState((s) => ({ ...s, phase: 'error', busy: false, error: { kind: 'failed', message: (e as Error).message } }));
        }
      }
    }, delay);
    return () => {
      live = false;
      clearTimeout(timer);
      clearTimeout(steadyTimer);
    };
  }, [doc, err, input, backend, exposeKey, weightsUrl, debounceMs, steadyDelayMs, generation]);

  return state;
}
