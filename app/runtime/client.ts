import type { ErrorKind, OutByType, Request, Response, WireError } from './protocol.ts';

/** The part of `Worker` the client uses, so tests can hand it a fake. */
export interface WorkerLike {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  terminate(): void;
  addEventListener(type: 'message', fn: (ev: MessageEvent<Response>) => void): void;
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
export type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

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
  readonly type: keyof OutByType;
  resolve(v: unknown): void;
  reject(e: RuntimeError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A request in flight: its id (to cancel it) and its answer. */
export interface Call<T> {
  readonly id: number;
  readonly promise: Promise<T>;
}

/**
 * The typed client of the runtime worker. It numbers requests, matches answers, cancels stale
 * ones, and replaces the worker when it crashes (an `error` event) or stops answering (a
 * request outlives its timeout): every request in flight then fails with `crash`/`timeout`,
 * `onEvent` is told, and the next request goes to a fresh worker. Nothing here touches the
 * document; a restart only costs the session cache.
 */
export class RuntimeClient {
  private worker: WorkerLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private gen = 0;
  private disposed = false;

  constructor(
    private readonly factory: () => WorkerLike,
    private readonly opts: { timeouts?: Partial<Record<keyof OutByType, number>>; onEvent?: (e: RuntimeEvent) => void } = {},
  ) {}

  /** Number of restarts so far. */
  get generation(): number {
    return this.gen;
  }

  private ensure(): WorkerLike {
    if (this.disposed) throw new RuntimeError({ kind: 'internal', message: 'the runtime was disposed' });
    if (this.worker) return this.worker;
    const w = this.factory();
    const gen = this.gen;
    w.addEventListener('message', (ev: MessageEvent<Response>) => {
      if (gen === this.gen) this.onMessage(ev.data);
    });
    w.addEventListener('error', (ev: ErrorEvent | Event) => {
      if (gen !== this.gen) return;
      ev.preventDefault?.();
      const msg = 'message' in ev && ev.message ? ev.message : 'the runtime worker failed';
      this.restart('crash', msg);
    });
    this.worker = w;
    return w;
  }

  private onMessage(msg: Response) {
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
  request<B extends RequestBody>(body: B, transfer: Transferable[] = [], timeoutMs?: number): Call<OutByType[B['type']]> {
    type T = B['type'];
    const id = this.nextId++;
    const type: T = body.type;
    const promise = new Promise<OutByType[T]>((resolve, reject) => {
      let w: WorkerLike;
      try {
        w = this.ensure();
      } catch (e) {
        reject(e as RuntimeError);
        return;
      }
      const ms = timeoutMs ?? this.opts.timeouts?.[type] ?? DEFAULT_TIMEOUTS[type];
      const timer = setTimeout(() => this.restart('timeout', `the runtime worker did not answer a ${type} request within ${Math.round(ms / 1000)} s`), ms);
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

/** The app's worker: a module worker built by Vite from `runtime.worker.ts`. */
export function createRuntimeWorker(): WorkerLike {
  return new Worker(new URL('./runtime.worker.ts', import.meta.url), { type: 'module', name: 'residual-runtime' });
}
