/**
 * The training step file's contract: its options and the names of its inputs and outputs. Other
 * programs (the CLI's `train`, the browser's training worker, anyone's own loop) rely on these
 * names; the README documents them.
 */
import type { WeightStore } from '../weights/types.ts';

/** `torch.optim.SGD` (dampening 0). */
export interface SgdOptions {
  readonly kind: 'sgd';
  readonly lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/** `torch.optim.AdamW`. */
export interface AdamWOptions {
  readonly kind: 'adamw';
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

export type OptimizerOptions = SgdOptions | AdamWOptions;

/** Defaults of each optimiser: the usual CIFAR ResNet recipe for SGD, torch's own defaults for AdamW. */
export const DEFAULT_SGD: SgdOptions = { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4 };
export const DEFAULT_ADAMW: AdamWOptions = { kind: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2 };

/** Options of `compileTraining`. */
export interface TrainingOptions {
  /** Batch size N (fixed in the step file). Default 64. */
  readonly batch?: number;
  /** ONNX opset, 13–21; defaults to the document's. */
  readonly opset?: number;
  readonly optimizer?: OptimizerOptions;
  /** Cross-entropy label smoothing ε, as `torch.nn.functional.cross_entropy(label_smoothing=ε)`. */
  readonly labelSmoothing?: number;
  /** Seed of the Dropout masks. */
  readonly seed?: number;
  /** Real weights by state_dict name (imported or trained); fresh ones come from the document's seed. */
  readonly weights?: WeightStore;
  /**
   * Optimiser state to start from, by input name (`<name>.momentum_buffer`, `<name>.exp_avg`,
   * `<name>.exp_avg_sq`, `step`); zeros where absent, as torch starts.
   */
  readonly optimizerState?: ReadonlyMap<string, Float32Array>;
  /**
   * Give every state input an initializer holding its start value (default true: the file runs
   * given only `input`, `target` and `lr`). False leaves them required inputs without defaults,
   * for runtimes that cannot override an initializer: onnxruntime's JavaScript APIs only feed
   * inputs without one (onnxruntime-web refuses the others, onnxruntime-node ignores them). Feed
   * `TrainingResult.initialState()` on the first step then.
   */
  readonly stateInitializers?: boolean;
  /**
   * The runtimes the step file is for. `any` (default): every runtime, onnxruntime-web's WebGPU EP
   * included. `cpu`: onnxruntime's CPU EP only (onnxruntime-node, onnxruntime-web on WASM), with
   * convolution gradients in forms about twice as fast there that the WebGPU EP computes wrongly
   * (dW as window columns times dy, dx at stride 1 as a convolution with the flipped kernel).
   */
  readonly target?: import('../ops/types.ts').TrainingTarget;
}

/** Names of the step file's fixed inputs and outputs. */
export const STEP = {
  input: 'input',
  target: 'target',
  lr: 'lr',
  loss: 'loss',
  logits: 'logits',
  correct: 'correct',
  step: 'step',
} as const;

/** The output carrying a state tensor's value after the step. */
export const nextName = (name: string): string => `${name}.next`;
/** SGD's momentum buffer of a parameter. */
export const momentumName = (param: string): string => `${param}.momentum_buffer`;
/** AdamW's first and second moments of a parameter. */
export const expAvgName = (param: string): string => `${param}.exp_avg`;
export const expAvgSqName = (param: string): string => `${param}.exp_avg_sq`;

/** What one state tensor of the step is: a trainable parameter, a buffer, or optimiser state. */
export type StateRole = 'param' | 'frozen' | 'buffer' | 'optimizer';

/** One state tensor: an input of the step with an initializer, and an output `<name>.next`. */
export interface StateTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly role: StateRole;
}

/** One state tensor with what owns it (the layer's weight fingerprint), for writing trained weights back. */
export interface OwnedStateTensor extends StateTensor {
  /** Fingerprint of the owning layer (see `StoredTensor.owner`); absent for optimiser state. */
  readonly owner?: string;
}

/** What `compileTraining` returns: the step file when the document can train, diagnostics always. */
export interface TrainingResult {
  readonly bytes?: Uint8Array;
  /** Every state tensor, in the order of the step's inputs after `input`, `target`, `lr`. */
  readonly state: readonly OwnedStateTensor[];
  /** Number of classes of `logits`. */
  readonly classes?: number;
  readonly diagnostics: readonly import('../diagnostics/catalogue.ts').Diagnostic[];
  /** Each pass of the pipeline, in order, with its time. */
  readonly timings: readonly { readonly pass: string; readonly ms: number }[];
  /** The step graph itself (for tools and tests). */
  readonly model?: import('../onnx/ir.ts').IrModel;
  /** Every state tensor's start value by name (generated on first call). */
  readonly initialState: () => ReadonlyMap<string, Float32Array>;
}
