import type { ErrorKind, OutByType, Request, Response, WireError } from './protocol.ts';
import { runtimeWorkerName } from './test-gpu.ts';

/**
 * A worker's protocol as the client sees it: its request union (each request has a `type` and
 * an `id`) and the result payload of each request type. Every worker answers a request with one
 * `{type:'result', id, out}` or `{type:'error', id, err}` (see `Response`).
 */
export interface WorkerProtocol {
  readonly request: { readonly type: string; readonly id: number };
  readonly out: object;
}

/** The result payload of request type `T` of protocol `P`. */
export type OutOf<P extends WorkerProtocol, T> = T extends keyof P['out'] ? P['out'][T] : never;

/** The runtime worker's protocol (`protocol.ts`). */
export interface RuntimeProtocol {
  readonly request: Request;
  readonly out: OutByType;
}

/** What a worker of protocol `P` posts: one answer per request, and `ready` once loaded. */
export type ResponseOf<P extends WorkerProtocol> =
  | { readonly type: 'result'; readonly id: number; readonly out: P['out'][keyof P['out']] }
  | { readonly type: 'error'; readonly id: number; readonly err: WireError }
  | { readonly type: 'ready' };

/** The part of `Worker` the client uses, so tests can hand it a fake. */
export interface WorkerLike<M = Response> {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  terminate(): void;
  addEventListener(type: 'message', fn: (ev: MessageEvent<M>) => void): void;
  addEventListener(type: 'error', fn: (ev: ErrorEvent | Event) => void): void;
}

/** A failed request. `kind` says what to do: `cancelled` is routine, `crash`/`timeout` mean the worker was replaced. */
export class RuntimeError extends Error {
  readonly kind: ErrorKind;
  readonly diagnostics: WireError['diagnostics'];
  constructor(err: WireError) {
    super(err.message);
    this.name = 'RuntimeError';
    this.kind = err.kind;
    this.diagnostics = err.diagnostics;
  }
}

/** Something the UI should tell the user about the worker itself. */
export interface RuntimeEvent {
  readonly type: 'restarted';
  readonly reason: 'crash' | 'timeout';
  readonly message: string;
  /** Incremented on every restart; sessions of earlier generations are gone. */
  readonly generation: number;
}

/** A request without its id (the client numbers requests). Distributes over the union. */
export type BodyOf<R> = R extends unknown ? Omit<R, 'id'> : never;
/** A runtime request without its id. */
export type RequestBody = BodyOf<Request>;

/** How long a request may go unanswered before the worker is considered hung, per type (ms). */
export const DEFAULT_TIMEOUTS: Readonly<Record<keyof OutByType, number>> = {
  probe: 15_000,
  compile: 180_000,
  load: 120_000,
  run: 120_000,
  cancel: 15_000,
  dispose: 15_000,
  debug: 15_000,
};

interface Pending {
  readonly type: string;
  resolve(v: unknown): void;
  reject(e: RuntimeError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A request in flight: its id (to cancel it) and its answer. */
export interface Call<T> {
  readonly id: number;
  readonly promise: Promise<T>;
}

/** Options of a {@link WorkerClient}. */
export interface WorkerClientOptions<P extends WorkerProtocol> {
  /** Hang timeouts by request type (ms), over the client's defaults. */
  readonly timeouts?: Partial<Record<keyof P['out'], number>>;
  readonly onEvent?: (e: RuntimeEvent) => void;
}

/**
 * The typed client of a worker speaking protocol `P`. It numbers requests, matches answers,
 * cancels stale ones, and replaces the worker when it crashes (an `error` event) or stops
 * answering (a request outlives its timeout): every request in flight then fails with
 * `crash`/`timeout`, `onEvent` is told, and the next request goes to a fresh worker.
 */
export class WorkerClient<P extends WorkerProtocol> {
  private worker: WorkerLike<ResponseOf<P>> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private gen = 0;
  private disposed = false;

  /**
   * @param what names the worker in timeout messages ("the runtime worker").
   * @param defaults the hang timeout of every request type (ms).
   */
  constructor(
    private readonly factory: () => WorkerLike<ResponseOf<P>>,
    private readonly defaults: Readonly<Record<keyof P['out'], number>>,
    private readonly opts: WorkerClientOptions<P> = {},
    private readonly what = 'the worker',
  ) {}

  /** Number of restarts so far. */
  get generation(): number {
    return this.gen;
  }

  private ensure(): WorkerLike<ResponseOf<P>> {
    if (this.disposed) throw new RuntimeError({ kind: 'internal', message: 'the runtime was disposed' });
    if (this.worker) return this.worker;
    const w = this.factory();
    const gen = this.gen;
    w.addEventListener('message', (ev: MessageEvent<ResponseOf<P>>) => {
      if (gen === this.gen) this.onMessage(ev.data);
    });
    w.addEventListener('error', (ev: ErrorEvent | Event) => {
      if (gen !== this.gen) return;
      ev.preventDefault?.();
      const msg = 'message' in ev && ev.message ? ev.message : `${this.what} failed`;
      this.restart('crash', msg);
    });
    this.worker = w;
    return w;
  }

  private onMessage(msg: ResponseOf<P>) {
    if (msg.type === 'ready') return;
    const p = this.pending.get(msg.id);
    if (!p) return; // cancelled locally, or an answer to a cancel
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.type === 'result') p.resolve(msg.out);
    else p.reject(new RuntimeError(msg.err));
  }

  /**
   * Sends a request. `transfer` lists buffers to move (not copy) to the worker. `timeoutMs`
   * overrides the type's hang timeout (e.g. for a run queued behind a long compile).
   *
   * @example
   * const { promise } = client.request({ type: 'run', key, input });
   */
  request<B extends BodyOf<P['request']>>(body: B, transfer: Transferable[] = [], timeoutMs?: number): Call<OutOf<P, B['type']>> {
    type T = B['type'];
    const id = this.nextId++;
    const type: T = body.type;
    const promise = new Promise<OutOf<P, T>>((resolve, reject) => {
      let w: WorkerLike<ResponseOf<P>>;
      try {
        w = this.ensure();
      } catch (e) {
        reject(e as RuntimeError);
        return;
      }
      const ms = timeoutMs ?? this.opts.timeouts?.[type as keyof P['out']] ?? this.defaults[type as keyof P['out']];
      const timer = setTimeout(() => this.restart('timeout', `${this.what} did not answer a ${type} request within ${Math.round(ms / 1000)} s`), ms);
      this.pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject, timer });
      w.postMessage({ ...body, id }, transfer);
    });
    return { id, promise };
  }

  /**
   * Cancels a request: its promise rejects now with `cancelled`; the worker drops it if it has
   * not started, or discards its result.
   */
  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.reject(new RuntimeError({ kind: 'cancelled', message: 'superseded by a newer request' }));
    this.worker?.postMessage({ type: 'cancel', id: this.nextId++, target: id });
  }

  /** Terminates the worker and fails what was in flight; the next request starts a new one. */
  restart(reason: 'crash' | 'timeout', message: string): void {
    const w = this.worker;
    this.worker = undefined;
    this.gen++;
    try {
      w?.terminate();
    } catch {
      /* already gone */
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new RuntimeError({ kind: reason, message }));
    }
    this.opts.onEvent?.({ type: 'restarted', reason, message, generation: this.gen });
  }

  /** Stops the worker for good. */
  dispose(): void {
    this.disposed = true;
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RuntimeError({ kind: 'cancelled', message: 'the runtime was disposed' }));
    }
    this.pending.clear();
  }
}

/**
 * The client of the runtime worker. Nothing here touches the document; a restart only costs the
 * session cache.
 */
export class RuntimeClient extends WorkerClient<RuntimeProtocol> {
  constructor(factory: () => WorkerLike, opts: WorkerClientOptions<RuntimeProtocol> = {}) {
    super(factory, DEFAULT_TIMEOUTS, opts, 'the runtime worker');
  }
}

/** The app's worker: a module worker built by Vite from `runtime.worker.ts`. */
export function createRuntimeWorker(): WorkerLike {
  // The name carries the page's test-only `?testGpu=` mode (test-gpu.ts); it is 'residual-runtime' otherwise.
  return new Worker(new URL('./runtime.worker.ts', import.meta.url), { type: 'module', name: runtimeWorkerName(globalThis.location?.search ?? '') });
}
