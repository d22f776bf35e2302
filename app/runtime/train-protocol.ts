import type { LoggedNode } from './ort-log.ts';
import type { WireError, WireTensor } from './protocol.ts';

/**
 * The typed message protocol between the page and `train.worker.ts`, which runs a training step
 * file (`src/train/compile-training.ts`, contract in `src/train/options.ts`) in onnxruntime-web.
 * The step file must be compiled with `stateInitializers: false`: onnxruntime-web cannot feed an
 * input that has an initializer, so the start value of every state tensor comes with `open`.
 *
 * `open` creates the session and takes the start state; each `steps` runs K steps over the
 * batches it carries, feeding every `<name>.next` back as `<name>` (on WebGPU the state stays
 * in GPU buffers between steps and requests); `state` downloads the current state; `close`
 * frees it all. Every request is answered with one `{type:'result', id, out}` or
 * `{type:'error', id, err}`; buffers are transferred, not copied.
 */

/** Where the step runs. There is no `auto`: a training run says which backend it measures. */
export type TrainBackend = 'wasm' | 'webgpu';

/** One batch: `input` [N,C,H,W] float32 and `target` [N] int64 class indices. */
export interface WireBatch {
  readonly input: Float32Array;
  readonly inputDims: readonly number[];
  readonly target: BigInt64Array;
}

/** Requests from the page. */
export type TrainRequest =
  | {
      /** Create a session for the step file and take the start value of every state tensor. */
      readonly type: 'open';
      readonly id: number;
      readonly bytes: Uint8Array;
      readonly backend: TrainBackend;
      /** Every state tensor of the step (`TrainingResult.state` with `initialState()`'s values). */
      readonly state: readonly WireTensor[];
      /**
       * Record where onnxruntime placed each node (its verbose log while the session is made):
       * on WebGPU, the nodes it runs on the CPU instead. Costs time; for tests and benchmarks.
       */
      readonly placement?: boolean;
    }
  | {
      /** Run `steps` training steps, cycling through `batches`; `lr` per step (or one for all). */
      readonly type: 'steps';
      readonly id: number;
      readonly batches: readonly WireBatch[];
      readonly steps: number;
      readonly lr: number | readonly number[];
      /** Also return the state after the last step (downloaded from the GPU on WebGPU). */
      readonly returnState?: boolean;
    }
  | { readonly type: 'state'; readonly id: number }
  | { readonly type: 'close'; readonly id: number }
  /** Drops a queued request, or stops a running `steps` within 50 ms, after the step in flight (it then fails with `cancelled`). */
  | { readonly type: 'cancel'; readonly id: number; readonly target: number };

/** The WebGPU adapter the session's device came from. */
export interface AdapterInfo {
  readonly description: string;
  /** A software adapter (SwiftShader): correct, but far slower than WASM. */
  readonly fallback: boolean;
}

/** A node of the step graph, as onnxruntime's log names it. */
export type PlacedNode = LoggedNode;

export interface TrainOpenOut {
  /** The backend that really runs the session (never a silent fallback: WebGPU fails instead). */
  readonly backend: TrainBackend;
  readonly adapter?: AdapterInfo;
  /** WASM threads (1 unless the page is cross-origin isolated). */
  readonly threads: number;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly sessionMs: number;
  /**
   * With `placement`: nodes placed on each execution provider, by provider name as onnxruntime
   * logs it (`WebGpuExecutionProvider`/`JsExecutionProvider`, `CPUExecutionProvider`). Absent
   * if the log said nothing about placement.
   */
  readonly placement?: Readonly<Record<string, readonly PlacedNode[]>>;
  /** With `placement`: nodes the requested provider has no kernel for (so they run on the CPU provider). */
  readonly missingKernels?: readonly PlacedNode[];
  /** With `placement`: onnxruntime's warnings while making the session (e.g. nodes not on the preferred provider). */
  readonly warnings?: readonly string[];
}

export interface TrainStepsOut {
  /** Per step: the batch's mean cross-entropy, its count of correct top-1 predictions, and the step's time (ms, in the worker). */
  readonly losses: readonly number[];
  readonly correct: readonly number[];
  readonly stepMs: readonly number[];
  /** Steps run in this session so far. */
  readonly totalSteps: number;
  /**
   * Where the state tensors are after the last step, as onnxruntime says: `gpu-buffer` on WebGPU
   * (they never left the device), `cpu` on WASM.
   */
  readonly stateLocation: 'gpu-buffer' | 'cpu' | 'mixed';
  readonly state?: readonly WireTensor[];
}

/** Result payloads, by request type. */
export interface TrainOutByType {
  open: TrainOpenOut;
  steps: TrainStepsOut;
  state: { readonly state: readonly WireTensor[] };
  close: { readonly closed: boolean };
  cancel: { readonly cancelled: boolean };
}

/** Responses from the worker. */
export type TrainResponse =
  | { readonly type: 'result'; readonly id: number; readonly out: TrainOutByType[keyof TrainOutByType] }
  | { readonly type: 'error'; readonly id: number; readonly err: WireError }
  /** Sent once when the worker's script has loaded. */
  | { readonly type: 'ready' };

/** The buffers of the batches, for `postMessage`'s transfer list. */
export function batchTransferables(batches: readonly WireBatch[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const b of batches) for (const d of [b.input, b.target]) if (d.buffer instanceof ArrayBuffer) seen.add(d.buffer);
  return [...seen];
}
