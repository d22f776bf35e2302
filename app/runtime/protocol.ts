import type { Diagnostic, ResidualDocument } from '../../src/index.ts';

/**
 * The typed message protocol between the page and `runtime.worker.ts`, the only place that
 * imports onnxruntime-web. Every request carries an `id`; the worker answers each with exactly
 * one `result` or `error` of the same id. Large buffers travel as transferables, never copies.
 */

/** Which execution backend a user asks for. `auto` = WebGPU on a real adapter, else WASM. */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
/** The backend that actually ran a session. */
export type Backend = 'webgpu' | 'wasm';

/** A float32 tensor crossing the worker boundary (its buffer is transferred). */
export interface WireTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** What the worker knows about the machine it runs on. */
export interface EnvInfo {
  readonly crossOriginIsolated: boolean;
  /** Threads the WASM backend uses (1 when SharedArrayBuffer is unavailable). */
  readonly wasmThreads: number;
  readonly hardwareConcurrency: number;
  readonly webgpu: {
    readonly available: boolean;
    /** True for a software adapter (e.g. SwiftShader): slower than WASM, so `auto` skips it. */
    readonly fallback?: boolean;
    readonly description?: string;
    readonly reason?: GpuReason;
  };
  readonly ortVersion: string;
}

/** Per-stage timings in milliseconds. */
export interface Timings {
  compileMs?: number;
  sessionMs?: number;
  firstRunMs?: number;
  runMs?: number;
  /** The session came from the cache (compile/session times are from when it was made). */
  cached?: boolean;
}

/**
 * When the worker received, started and finished a request, in epoch milliseconds
 * (`performance.timeOrigin + performance.now()`), so the page can place them on its own clock:
 * message latency and queueing are what lies between the page's and these times.
 */
export interface WorkerSpan {
  readonly received: number;
  readonly started: number;
  readonly finished: number;
  /** Named parts of the work, in ms (e.g. `key`, `lower`, `serialize`, `session`, `run`). */
  readonly stages: Readonly<Record<string, number>>;
}

/** Weights origin per document node, as compile reports it. */
export type WeightSourceMap = Readonly<Record<string, 'fresh' | 'imported' | 'trained' | 'mixed'>>;

/** Requests from the page. */
export type Request =
  | { readonly type: 'probe'; readonly id: number }
  | {
      /** Compile the document (in the worker) and create, or reuse, a session for it. */
      readonly type: 'compile';
      readonly id: number;
      readonly doc: ResidualDocument;
      readonly expose: readonly string[];
      readonly backend: BackendChoice;
      /** URL of real weights (safetensors) to load once and reuse; the document's own ref when absent. */
      readonly weightsUrl?: string;
      /**
       * Sent at the edit, ahead of the live loop's own compile of the same thing (see
       * `prefetch.ts`): that compile then gets this session, reported as made for it.
       */
      readonly prefetch?: boolean;
    }
  | {
      /** Create, or reuse, a session from ready ONNX bytes (fallback model files, benchmarks). */
      readonly type: 'load';
      readonly id: number;
      readonly key: string;
      readonly bytes: Uint8Array;
      readonly backend: BackendChoice;
    }
  | { readonly type: 'run'; readonly id: number; readonly key: string; readonly input: WireTensor; readonly fetch?: readonly string[] }
  | { readonly type: 'cancel'; readonly id: number; readonly target: number }
  | { readonly type: 'dispose'; readonly id: number; readonly key?: string }
  /** Test hooks: make the worker crash or stop answering (recovery is part of the contract). */
  | { readonly type: 'debug'; readonly id: number; readonly action: 'crash' | 'hang' };

/**
 * Why WebGPU was not used, as an id the page translates (`run.gpuReason.*`) and the English
 * sentence (for logs and tests). `detail` is the browser's or onnxruntime's own text, if any.
 */
export interface GpuReason {
  readonly id: 'no-webgpu' | 'no-adapter' | 'adapter-failed' | 'software-adapter' | 'session-failed' | 'no-device';
  readonly detail?: string;
  readonly message: string;
}

/** Result payloads, by request type. */
export interface CompileOut {
  /** Session key (document hash + exposed tensors + backend): pass it to `run`. */
  readonly key: string;
  readonly backend: Backend;
  /** Why the requested backend was not the one that ran, if so. */
  readonly fallbackReason?: GpuReason;
  readonly cached: boolean;
  readonly outputs: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
  readonly weightSources?: WeightSourceMap;
  readonly timings: Timings;
  readonly span?: WorkerSpan;
}
export interface RunOut {
  readonly outputs: readonly WireTensor[];
  readonly backend: Backend;
  readonly first: boolean;
  readonly timings: Timings;
  readonly span?: WorkerSpan;
}
export interface OutByType {
  probe: EnvInfo;
  compile: CompileOut;
  load: CompileOut;
  run: RunOut;
  cancel: { readonly cancelled: boolean };
  dispose: { readonly disposed: number };
  debug: Record<string, never>;
}

/** Error kinds the client can act on. `cancelled` is not a failure: a newer request won. */
export type ErrorKind = 'cancelled' | 'compile' | 'session' | 'run' | 'crash' | 'timeout' | 'internal';
export interface WireError {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly diagnostics?: readonly Diagnostic[];
}

/** Responses from the worker. */
export type Response =
  | { readonly type: 'result'; readonly id: number; readonly out: OutByType[keyof OutByType] }
  | { readonly type: 'error'; readonly id: number; readonly err: WireError }
  /** Sent once when the worker's script has loaded. */
  | { readonly type: 'ready' };

/** The buffers of the tensors, for `postMessage`'s transfer list. */
export function transferables(tensors: readonly WireTensor[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of tensors) if (t.data.buffer instanceof ArrayBuffer) seen.add(t.data.buffer);
  return [...seen];
}
