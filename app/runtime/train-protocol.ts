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
  | {
      /**
       * Load a data set into the worker (kept there; training reads batches from it). A file that
       * is wrong or damaged fails the request with a message naming it, and the data set loaded
       * before stays.
       */
      readonly type: 'data';
      readonly id: number;
      readonly source: DataSource;
    }
  | {
      /**
       * Train the document on the loaded data set with `src/train/loop.ts`'s loop, in this
       * worker: answered when the run ends (done, stopped, diverged); meanwhile progress,
       * epochs and checkpoints arrive on `port`. Pause, resume and stop with `control`.
       */
      readonly type: 'train';
      readonly id: number;
      readonly run: TrainRunSpec;
      readonly port: MessagePort;
    }
  /** Pauses, resumes or stops the run in flight, at once (not queued behind it). */
  | { readonly type: 'control'; readonly id: number; readonly action: 'pause' | 'resume' | 'stop' }
  /** Test hook: the worker throws outside any request, as a crash does (crash recovery is part of the contract). */
  | { readonly type: 'crash'; readonly id: number }
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

/** Where a data set comes from: a directory URL holding the MNIST-layout files, or files the user opened. */
export type DataSource =
  | { readonly kind: 'url'; readonly base: string; readonly name: string }
  | { readonly kind: 'files'; readonly files: readonly File[] };

/** A split's size. */
export interface SplitInfo {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly classes: number;
}

/** The loaded data set. */
export interface DataInfo {
  /** What it is, in words ("Fashion-MNIST subset", the files' names). */
  readonly name: string;
  readonly train: SplitInfo;
  readonly test?: SplitInfo;
  /** The files read. */
  readonly files: readonly string[];
}

/** The Train panel's settings. */
export interface TrainSettings {
  readonly optimizer: 'sgd' | 'adamw';
  readonly lr: number;
  readonly schedule: 'constant' | 'step' | 'cosine';
  /** Warm-up steps (0: none). */
  readonly warmupSteps: number;
  readonly batch: number;
  readonly epochs: number;
  readonly weightDecay: number;
  /** For fresh weights: each block's last BN starts at 0 (the block starts as the identity). */
  readonly zeroInitResidual: boolean;
  /** Seed of shuffling, augmentation, Dropout and fresh weights. */
  readonly seed: number;
  /** Random crop with 2 pixels of padding and horizontal flip. */
  readonly augment: boolean;
  /** Start from fresh weights (the seed's) instead of the document's. */
  readonly fresh: boolean;
  /** Train on the first this many images per epoch (0: all). */
  readonly trainLimit: number;
  /** 'auto': WebGPU on a real (not software) adapter, else WASM. */
  readonly backend: 'auto' | TrainBackend;
}

/** Where a run starts again: the state after `step`, saved every epoch and on pause. */
export interface Checkpoint {
  /** `trainingKey` of the document it trains (its model without weights and layout). */
  readonly docKey: string;
  readonly settings: TrainSettings;
  /** The data set's name and training count, so a resume uses the same data. */
  readonly data: { readonly name: string; readonly count: number };
  /** Steps done; the run resumes at this step. */
  readonly step: number;
  readonly epoch: number;
  readonly totalSteps: number;
  /** Parameters and buffers (safetensors, with owners), and optimiser state (safetensors). */
  readonly weights: Uint8Array;
  readonly optimizer: Uint8Array;
  /** The curves so far. */
  readonly history: TrainHistory;
  readonly savedAt: number;
}

/** Curves: loss per step (every reported step) and per-epoch accuracies. */
export interface TrainHistory {
  readonly steps: readonly number[];
  readonly losses: readonly number[];
  readonly epochs: readonly EpochPoint[];
}

export interface EpochPoint {
  readonly epoch: number;
  readonly trainAccuracy: number;
  readonly testAccuracy?: number;
  readonly trainLoss: number;
}

/** What `train` needs. */
export interface TrainRunSpec {
  readonly doc: import('../../src/index.ts').ResidualDocument;
  readonly settings: TrainSettings;
  /** Resume from this checkpoint (same document and settings). */
  readonly resume?: Checkpoint;
  /** `trainingKey(doc)`, written into checkpoints. */
  readonly docKey: string;
}

/** What the worker posts on a run's port. */
export type TrainEvent =
  | {
      readonly type: 'started';
      readonly backend: TrainBackend;
      readonly adapter?: AdapterInfo;
      /** Why 'auto' chose WASM, when it did. */
      readonly why?: string;
      readonly threads: number;
      /** How the pictures become the input (resize, channels, normalisation). */
      readonly note: string;
      readonly totalSteps: number;
      readonly stepsPerEpoch: number;
      readonly startStep: number;
    }
  /** The steps reported since the last event: their numbers, losses and training errors (1 − correct/batch, of that batch). */
  | { readonly type: 'progress'; readonly p: import('../../src/train/loop.ts').TrainProgress; readonly steps: readonly number[]; readonly losses: readonly number[]; readonly errors: readonly number[] }
  | { readonly type: 'epoch'; readonly m: import('../../src/train/loop.ts').EpochMetrics }
  | { readonly type: 'checkpoint'; readonly checkpoint: Checkpoint; readonly why: 'epoch' | 'pause' }
  | { readonly type: 'paused'; readonly step: number }
  | { readonly type: 'resumed' };

/** How a run ended. */
export interface TrainRunOut {
  readonly end: 'done' | 'stopped' | 'diverged';
  readonly steps: number;
  readonly epochs: readonly import('../../src/train/loop.ts').EpochMetrics[];
  /**
   * The trained parameters and buffers (safetensors with owners, origin trained), over the
   * weights training started from; on a divergence, those of the last complete epoch (absent
   * when none completed: the document keeps its weights).
   */
  readonly weights?: Uint8Array;
  /** On a divergence: the step whose loss was not finite, and that loss (NaN or ±Infinity). */
  readonly diverged?: { readonly step: number; readonly loss: number };
  readonly seconds: number;
}

/** Result payloads, by request type. */
export interface TrainOutByType {
  data: DataInfo;
  train: TrainRunOut;
  control: { readonly applied: boolean };
  crash: never;
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
