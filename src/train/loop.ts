/**
 * The training loop: runs a step file (see `./options.ts`) over a data set for some epochs.
 * Runtime-agnostic — it never touches onnxruntime: the caller opens the step file in whatever
 * runtime it has (onnxruntime-web in the app's worker, onnxruntime-node in the CLI) and hands
 * over a {@link StepRunner}. The same code therefore trains in the browser and on the command
 * line, and its bookkeeping is tested with a fake runner.
 *
 * One epoch: a seeded shuffle of the training set (a permutation drawn from the run's seed and
 * the epoch number, so an epoch's order never depends on what ran before it); the last partial
 * batch dropped (the step file's batch is fixed, like `DataLoader(drop_last=True)`); per batch,
 * seeded augmentation, the schedule's rate fed as `lr`, and every state tensor's `<name>.next`
 * fed back as `<name>` from the second step on. The first step feeds `initialState` when
 * given, else nothing (the step file's initializers hold the start values). Callers on
 * onnxruntime's JavaScript APIs must take the first way: those APIs ignore (node) or refuse
 * (web) a fed input that has an initializer, so compile with `stateInitializers: false` and
 * pass `TrainingResult.initialState()`. After each epoch, the evaluator (if any) measures test
 * accuracy on the weights so far.
 */
import type { ResidualDocument } from '../graph/types.ts';
import { compile } from '../onnx/compile.ts';
import { inputAdapter, makeBatch, type Augmentation, type ImageDataset, type InputAdapter, type InputFit } from '../data/dataset.ts';
import type { StoredTensor, WeightStore } from '../weights/types.ts';
import { createRng } from '../weights/random.ts';
import { nextName, STEP, type OwnedStateTensor, type StateTensor } from './options.ts';
import { schedule as scheduleOf, type LrSchedule, type ScheduleSpec } from './schedule.ts';

/** A tensor as plain typed array and dims, the way every onnxruntime build hands them over. */
export interface HostTensor {
  readonly data: Float32Array | BigInt64Array | Int32Array | Float64Array | Uint8Array;
  readonly dims: readonly number[];
}

/** Named tensors: a run's feeds or its outputs. */
export type Tensors = Readonly<Record<string, HostTensor>>;

/**
 * One opened model. `run` takes feeds by input name and resolves to the outputs by name. The
 * caller creates it from the model's bytes in its runtime, e.g. with onnxruntime-node:
 *
 * ```ts
 * const session = await ort.InferenceSession.create(bytes);
 * const runner: StepRunner = {
 *   async run(feeds) {
 *     const t = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.data, v.dims)]));
 *     const out = await session.run(t);
 *     return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data, dims: v.dims }]));
 *   },
 *   release: () => session.release(),
 * };
 * ```
 */
export interface ModelRunner {
  /**
   * Runs once. The loop reuses the buffers of `input` and `target` for the next step, so a
   * runner that transfers buffers (to a worker) must copy those two first; outputs are kept
   * as they are (state is fed back as returned).
   */
  run(feeds: Tensors): Promise<Tensors> | Tensors;
  /** Frees the session; the loop calls it on the evaluator's runners, never on the step runner (the caller's). */
  release?(): Promise<void> | void;
  /**
   * For a runner whose outputs stay on a device (onnxruntime-web's WebGPU EP keeps the state in
   * GPU buffers between steps): copies tensors it returned into host memory. The loop calls it
   * only where it reads the state's numbers — before an evaluation, before `onEpoch`, and on the
   * state it returns — and keeps feeding the device's tensors to the next step.
   */
  toHost?(tensors: ReadonlyMap<string, HostTensor>): Promise<ReadonlyMap<string, HostTensor>>;
}

/** A runner of a training step file: feeds `input`, `target`, `lr` and state; outputs `loss`, `logits`, `correct`, `<name>.next`. */
export type StepRunner = ModelRunner;

/**
 * Stop and pause, checked between steps. An `AbortSignal` fits for stopping; {@link RunControl}
 * (a small controller) adds pause.
 */
export interface LoopControl {
  /** Once true, the loop finishes the step in flight and returns what it has. */
  readonly aborted: boolean;
  /** While true, the loop waits (calling `whenResumed`) before the next step. */
  readonly paused?: boolean;
  /** Resolves when the loop may go on: on resume, or on stop. */
  whenResumed?(): Promise<void>;
}

/** A stop/pause controller for {@link trainLoop}. */
export class RunControl implements LoopControl {
  #aborted = false;
  #paused = false;
  #wake: (() => void)[] = [];
  get aborted(): boolean {
    return this.#aborted;
  }
  get paused(): boolean {
    return this.#paused && !this.#aborted;
  }
  /** Stops the run after the step in flight (also ends a pause). */
  stop(): void {
    this.#aborted = true;
    this.#resumeAll();
  }
  pause(): void {
    this.#paused = true;
  }
  resume(): void {
    this.#paused = false;
    this.#resumeAll();
  }
  whenResumed(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((r) => this.#wake.push(r));
  }
  #resumeAll(): void {
    const w = this.#wake;
    this.#wake = [];
    for (const f of w) f();
  }
}

/** Progress of the run, reported after steps (see {@link TrainLoopOptions.progressEvery}). */
export interface TrainProgress {
  /** Steps done in the whole run, and of how many. */
  readonly step: number;
  readonly totalSteps: number;
  /** Epoch of the step just done, 1-based, and step within it (1-based). */
  readonly epoch: number;
  readonly epochs: number;
  readonly stepInEpoch: number;
  readonly stepsPerEpoch: number;
  /** That step's loss, and the mean loss of this epoch so far. */
  readonly loss: number;
  readonly epochLoss: number;
  /** That step's count of correct top-1 predictions, of its `batch` images (training mode). */
  readonly correct: number;
  /** The rate the step used. */
  readonly lr: number;
  /** Training throughput so far (time in steps only: no evaluation, no pause). */
  readonly imagesPerSecond: number;
  /** Time so far, pauses excluded, and the estimated time left (evaluations included at their measured cost). */
  readonly elapsedSeconds: number;
  readonly secondsLeft: number;
}

/** One epoch's numbers. */
export interface EpochMetrics {
  /** 1-based. */
  readonly epoch: number;
  /** False for an epoch cut short by a stop or a divergence. */
  readonly complete: boolean;
  readonly steps: number;
  readonly images: number;
  /** Mean of the steps' losses (each step is one full batch, so also the mean per image). */
  readonly trainLoss: number;
  /** Σ `correct` / images: top-1 accuracy on the (augmented) training batches, in training mode. */
  readonly trainAccuracy: number;
  /** From the evaluator, when there is one and the epoch was complete. */
  readonly testAccuracy?: number;
  readonly testLoss?: number;
  /** The rate of the epoch's last step. */
  readonly lr: number;
  /** Time of the epoch's steps, and of its evaluation. */
  readonly trainSeconds: number;
  readonly evalSeconds: number;
}

/** What the evaluator says about the weights after an epoch. */
export interface Evaluation {
  readonly accuracy: number;
  readonly loss?: number;
}

/** Measures the network with the given weights (e.g. {@link modelEvaluator}'s test accuracy). */
export type Evaluator = (weights: WeightStore, ctx: { readonly epoch: number; readonly control?: LoopControl }) => Promise<Evaluation> | Evaluation;

/** Options of {@link trainLoop}. */
export interface TrainLoopOptions {
  /** The opened step file. */
  readonly runner: StepRunner;
  /** The step file's state tensors (`TrainingResult.state`). */
  readonly state: readonly OwnedStateTensor[];
  readonly train: ImageDataset;
  /** How pictures become the step's input (see `inputAdapter`); its size must be the step file's. */
  readonly input: InputAdapter;
  /** The step file's batch size (`TrainingOptions.batch`). */
  readonly batch: number;
  readonly epochs: number;
  /** Seed of shuffling and augmentation. */
  readonly seed: number;
  readonly augment?: Augmentation;
  /** A schedule spec, or any function of (step, totalSteps, stepsPerEpoch). */
  readonly schedule: ScheduleSpec | LrSchedule;
  readonly evaluate?: Evaluator;
  /** The weights training started from (the evaluator sees the trained state layered over them). */
  readonly weights?: WeightStore;
  /** Values to feed as the state on the first step (`TrainingResult.initialState()`), for a step file compiled with `stateInitializers: false`. */
  readonly initialState?: ReadonlyMap<string, HostTensor>;
  readonly onProgress?: (p: TrainProgress) => void;
  /** Report progress every this many steps (default 1), and always at an epoch's last step. */
  readonly progressEvery?: number;
  /**
   * After each epoch (its evaluation done), with the state after it in host memory (a
   * checkpoint's contents). Awaited: the next step starts once it resolves.
   */
  readonly onEpoch?: (m: EpochMetrics, state: ReadonlyMap<string, HostTensor>) => void | Promise<void>;
  /**
   * Resume a run at this step (0-based, counted over the whole run): the epochs before it are
   * skipped, and so are the steps of its epoch before it, keeping that epoch's order, its
   * augmentation draws and the schedule as an uninterrupted run has them. Feed the state saved
   * after step `startStep` as `initialState`. Default 0.
   */
  readonly startStep?: number;
  readonly control?: LoopControl;
  /** Clock in milliseconds (default `performance.now`), for tests. */
  readonly now?: () => number;
}

/** What {@link trainLoop} returns. */
export interface TrainLoopResult {
  /** The final value of every state tensor, by name (the last step's `<name>.next`); empty if no step ran. */
  readonly state: ReadonlyMap<string, HostTensor>;
  readonly epochs: readonly EpochMetrics[];
  readonly steps: number;
  /** `done`: every epoch ran; `stopped`: the control stopped it; `diverged`: a loss was not finite (the state is that of the step before). */
  readonly end: 'done' | 'stopped' | 'diverged';
  readonly seconds: number;
}

/** Steps per epoch: full batches only. */
export const stepsPerEpoch = (count: number, batch: number): number => Math.floor(count / batch);

/**
 * The seeded order of one epoch: a uniformly random permutation of `0 … count-1` (Fisher–Yates),
 * the same for the same (seed, epoch) on every machine.
 */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const rng = createRng(seed, `shuffle/${epoch}`);
  for (let i = count - 1; i > 0; i--) {
    const n = i + 1;
    const limit = 2 ** 32 - (2 ** 32 % n);
    let r: number;
    do r = rng.nextUint32();
    while (r >= limit);
    const j = r % n;
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

const scalar = (t: HostTensor | undefined, name: string): number => {
  if (!t || t.data.length !== 1) throw new Error(`the step file gave no scalar '${name}' (got ${t ? `${t.data.length} values` : 'nothing'})`);
  return Number(t.data[0]);
};

/**
 * Trains: `epochs` passes over `train` through the step runner. Returns the final state and
 * per-epoch metrics; stops early (with what it has) when the control says so or a loss is not
 * finite.
 *
 * @example
 * ```ts
 * const { bytes, state } = compileTraining(doc, { batch: 64 });
 * const runner = await openStep(bytes!); // the caller's runtime
 * const r = await trainLoop({ runner, state, train, input: inputAdapter(train, doc.input), batch: 64, epochs: 2, seed: 0,
 *   schedule: { kind: 'cosine', lr: 0.1 }, onEpoch: (m) => console.log(m.epoch, m.trainLoss) });
 * const weights = stateToWeights(r.state, state);
 * ```
 */
export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const now = o.now ?? (() => performance.now());
  const { train, batch, epochs } = o;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`trainLoop: batch must be a whole number ≥ 1 (got ${batch})`);
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new RangeError(`trainLoop: epochs must be a whole number ≥ 0 (got ${epochs})`);
  const perEpoch = stepsPerEpoch(train.count, batch);
  if (perEpoch === 0 && epochs > 0) throw new RangeError(`trainLoop: ${train.count} training images are fewer than one batch of ${batch}`);
  const totalSteps = perEpoch * epochs;
  const lrOf: LrSchedule = typeof o.schedule === 'function' ? o.schedule : scheduleOf(o.schedule);
  const every = Math.max(1, Math.floor(o.progressEvery ?? 1));
  const per = o.input.channels * o.input.height * o.input.width;
  const into = { input: new Float32Array(batch * per), target: new BigInt64Array(batch) };
  const lrBuf = new Float32Array(1);

  let state: ReadonlyMap<string, HostTensor> = new Map<string, HostTensor>(o.initialState ?? []);
  const toHost = async (s: ReadonlyMap<string, HostTensor>) => (o.runner.toHost ? o.runner.toHost(s) : s);
  const metrics: EpochMetrics[] = [];
  const startStep = Math.max(0, Math.floor(o.startStep ?? 0));
  let step = Math.min(startStep, totalSteps);
  let end: TrainLoopResult['end'] = 'done';
  const t0 = now();
  let paused = 0; // ms spent paused
  let trainMs = 0; // ms spent in steps (batch building included)

  const waitIfPaused = async () => {
    if (!o.control?.paused) return;
    const p0 = now();
    while (o.control.paused && !o.control.aborted) await (o.control.whenResumed?.() ?? new Promise((r) => setTimeout(r, 50)));
    paused += now() - p0;
  };

  const firstEpoch = perEpoch > 0 ? Math.floor(step / perEpoch) : 0;
  epochs: for (let epoch = firstEpoch; epoch < epochs; epoch++) {
    const order = epochOrder(train.count, o.seed, epoch);
    const rng = createRng(o.seed, `augment/${epoch}`);
    let lossSum = 0;
    let correct = 0;
    let steps = 0;
    let lr = 0;
    const e0 = trainMs;
    const skip = epoch === firstEpoch ? step - epoch * perEpoch : 0;
    // The skipped steps' augmentation draws, so the rest of the epoch sees the same pictures.
    if (skip > 0 && o.augment) for (let k = 0; k < skip; k++) makeBatch(train, order.subarray(k * batch, (k + 1) * batch), o.input, { augment: o.augment, rng, into });
    for (let k = skip; k < perEpoch; k++) {
      await waitIfPaused();
      if (o.control?.aborted) {
        end = 'stopped';
        break;
      }
      const s0 = now();
      const b = makeBatch(train, order.subarray(k * batch, (k + 1) * batch), o.input, { ...(o.augment ? { augment: o.augment, rng } : {}), into });
      lr = lrOf(step, totalSteps, perEpoch);
      lrBuf[0] = lr;
      const feeds: Record<string, HostTensor> = { [STEP.input]: b.input, [STEP.target]: b.target, [STEP.lr]: { data: lrBuf, dims: [] } };
      for (const [name, t] of state) feeds[name] = t;
      const out = await o.runner.run(feeds);
      const loss = scalar(out[STEP.loss], STEP.loss);
      if (!Number.isFinite(loss)) {
        trainMs += now() - s0;
        end = 'diverged';
        break;
      }
      const next = new Map<string, HostTensor>();
      for (const s of o.state) {
        const t = out[nextName(s.name)];
        if (!t) throw new Error(`the step file gave no '${nextName(s.name)}' for state tensor '${s.name}'`);
        next.set(s.name, t);
      }
      state = next;
      lossSum += loss;
      const stepCorrect = scalar(out[STEP.correct], STEP.correct);
      correct += stepCorrect;
      steps++;
      step++;
      trainMs += now() - s0;
      if (o.onProgress && (steps % every === 0 || skip + steps === perEpoch)) {
        const elapsed = now() - t0 - paused;
        const msPerStep = elapsed / (step - startStep);
        o.onProgress({
          step,
          totalSteps,
          epoch: epoch + 1,
          epochs,
          stepInEpoch: skip + steps,
          stepsPerEpoch: perEpoch,
          loss,
          epochLoss: lossSum / steps,
          correct: stepCorrect,
          lr,
          imagesPerSecond: ((step - startStep) * batch) / Math.max(1e-9, trainMs / 1000),
          elapsedSeconds: elapsed / 1000,
          secondsLeft: ((totalSteps - step) * msPerStep) / 1000,
        });
      }
    }
    const complete = skip + steps === perEpoch;
    if (steps === 0) break;
    let evaluation: Evaluation | undefined;
    const v0 = now();
    const host = (complete && o.evaluate) || o.onEpoch ? await toHost(state) : state;
    if (complete && o.evaluate && !o.control?.aborted) {
      evaluation = await o.evaluate(stateToWeights(host, o.state, o.weights), { epoch: epoch + 1, ...(o.control ? { control: o.control } : {}) });
    }
    const evalSeconds = evaluation ? (now() - v0) / 1000 : 0;
    const m: EpochMetrics = {
      epoch: epoch + 1,
      complete,
      steps,
      images: steps * batch,
      trainLoss: lossSum / steps,
      trainAccuracy: correct / (steps * batch),
      ...(evaluation ? { testAccuracy: evaluation.accuracy, ...(evaluation.loss !== undefined ? { testLoss: evaluation.loss } : {}) } : {}),
      lr,
      trainSeconds: (trainMs - e0) / 1000,
      evalSeconds,
    };
    metrics.push(m);
    await o.onEpoch?.(m, host);
    if (!complete) break epochs;
    if (o.control?.aborted && epoch + 1 < epochs) {
      end = 'stopped';
      break;
    }
  }
  return { state: await toHost(state), epochs: metrics, steps: step, end, seconds: (now() - t0 - paused) / 1000 };
}

/** Converts a tensor's numbers to float32 (state is float32 in step files; this guards the odd integer buffer). */
const asFloat32 = (t: HostTensor): Float32Array => (t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number | bigint>, Number));

/**
 * The trained weights: every parameter and buffer of `state` (roles `param`, `frozen`,
 * `buffer`) with its owner from the step file's state list, origin `trained`, layered over
 * `base` (the weights training started from; tensors of it that training did not touch stay as
 * they were). Optimiser state is not a weight: see {@link optimizerStateOf}.
 *
 * @example
 * ```ts
 * const weights = stateToWeights(result.state, training.state, loaded.weights);
 * writeFileSync('trained.safetensors', encodeSafetensors(weights));
 * ```
 */
export function stateToWeights(state: ReadonlyMap<string, HostTensor>, tensors: readonly OwnedStateTensor[], base?: WeightStore): WeightStore {
  const out = new Map<string, StoredTensor>(base ?? []);
  for (const s of tensors) {
    if (s.role === 'optimizer' || s.owner === undefined) continue;
    const t = state.get(s.name);
    if (!t) continue;
    out.set(s.name, { dims: [...s.dims], data: asFloat32(t), owner: s.owner, origin: 'trained' });
  }
  return out;
}

/** The optimiser's state after training, by name, to resume with (`TrainingOptions.optimizerState`). */
export function optimizerStateOf(state: ReadonlyMap<string, HostTensor>, tensors: readonly StateTensor[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const s of tensors) {
    const t = state.get(s.name);
    if (s.role === 'optimizer' && t) out.set(s.name, asFloat32(t));
  }
  return out;
}

/** Options of {@link modelEvaluator}. */
export interface ModelEvaluatorOptions {
  /** The document being trained. */
  readonly doc: ResidualDocument;
  readonly test: ImageDataset;
  /** Opens an inference model's bytes in the caller's runtime. */
  readonly open: (bytes: Uint8Array) => Promise<ModelRunner> | ModelRunner;
  /** How pictures become input; default `inputAdapter(test, doc.input, { fit })`. */
  readonly input?: InputAdapter;
  readonly fit?: InputFit;
  /** Images per run (default 256); the last run takes the remainder. */
  readonly batch?: number;
  /** Evaluate on the first this many test images only. */
  readonly limit?: number;
}

/**
 * The usual evaluator: compiles the inference model with `compile(doc, { weights })`, opens it
 * with `open`, runs the test set through it in batches (no augmentation), and counts top-1 hits
 * and the mean cross-entropy. A document that does not compile is a bug at this point (it just
 * trained), so that throws.
 */
export function modelEvaluator(opts: ModelEvaluatorOptions): Evaluator {
  const { doc, test } = opts;
  const adapter = opts.input ?? inputAdapter(test, doc.input, opts.fit ? { fit: opts.fit } : {});
  const size = Math.max(1, Math.floor(opts.batch ?? 256));
  const count = Math.min(test.count, opts.limit ?? test.count);
  const inputName = doc.input.name ?? 'input';
  return async (weights, ctx) => {
    const r = compile(doc, { weights, embedDocument: false });
    if (!r.bytes) throw new Error(`the trained network does not compile for evaluation: ${r.diagnostics.find((d) => d.severity === 'error')?.message ?? 'no bytes'}`);
    const logitsName = r.outputs[0]!;
    const runner = await opts.open(r.bytes);
    let hits = 0;
    let lossSum = 0;
    let seen = 0;
    try {
      for (let i = 0; i < count && !ctx.control?.aborted; i += size) {
        const n = Math.min(size, count - i);
        const idx = Uint32Array.from({ length: n }, (_, k) => i + k);
        const b = makeBatch(test, idx, adapter);
        const out = await runner.run({ [inputName]: b.input });
        const logits = out[logitsName];
        if (!logits) throw new Error(`the inference model gave no '${logitsName}'`);
        const classes = logits.data.length / n;
        const z = logits.data as Float32Array;
        for (let k = 0; k < n; k++) {
          let best = 0;
          let max = -Infinity;
          for (let c = 0; c < classes; c++) if (z[k * classes + c]! > max) [max, best] = [z[k * classes + c]!, c];
          let sum = 0;
          for (let c = 0; c < classes; c++) sum += Math.exp(z[k * classes + c]! - max);
          const label = test.labels[i + k]!;
          lossSum += Math.log(sum) + max - z[k * classes + label]!;
          if (best === label) hits++;
        }
        seen += n;
      }
    } finally {
      await runner.release?.();
    }
    return { accuracy: hits / Math.max(1, seen), loss: lossSum / Math.max(1, seen) };
  };
}
