/**
 * The training driver of `train.worker.ts`: holds the data set, compiles the document's step file,
 * and trains it with the core's loop (`src/train/loop.ts`, the loop the CLI's `train` runs too)
 * over a {@link StepRunner} whose state stays in this worker — on WebGPU in GPU buffers, fed
 * back as they are, copied out only for the evaluation, the checkpoints and the end (`toHost`).
 * Progress, epochs and checkpoints go out on the run's `MessagePort`; pause, resume and stop come
 * in as `control` requests, served at once.
 */
import type * as ort from 'onnxruntime-web/wasm';
import type { ResidualDocument } from '../../src/index.ts';
import { checkClasses, datasetFromIdx, inputAdapter, takeFirst, type ImageDataset } from '../../src/data/dataset.ts';
import { readIdx, type IdxArray } from '../../src/data/idx.ts';
import { compileTraining } from '../../src/train/compile-training.ts';
import { modelEvaluator, optimizerStateOf, RunControl, stateToWeights, trainLoop, type HostTensor, type ModelRunner, type StepRunner, type Tensors, type TrainProgress } from '../../src/train/loop.ts';
import { nextName, STEP, type OwnedStateTensor } from '../../src/train/options.ts';
import type { ScheduleSpec } from '../../src/train/schedule.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/weights/safetensors.ts';
import type { StoredTensor, WeightStore } from '../../src/weights/types.ts';
import type { WireError } from './protocol.ts';
import type { Ort } from './ort-builds.ts';
import type { AdapterInfo, Checkpoint, DataInfo, DataSource, SplitInfo, TrainBackend, TrainEvent, TrainRunOut, TrainRunSpec, TrainSettings } from './train-protocol.ts';
import { fetchWeights } from './weights-bytes.ts';

const fail = (kind: WireError['kind'], message: string): WireError & Error => Object.assign(new Error(message), { kind });

/* ---------- the data set ---------- */

/** The file names of an MNIST-layout directory, by role (LeCun's names; `.gz` or not). */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

type Role = keyof typeof IDX_FILES;

/** Which file of the data set a name is: `train-images-idx3-ubyte[.gz]`, `t10k-labels.idx1-ubyte`, `test-…`. */
export function roleOf(name: string): Role | undefined {
  const m = /(train|t10k|test)[-_.](images|labels)/i.exec(name);
  if (!m) return undefined;
  const split = m[1]!.toLowerCase() === 'train' ? 'train' : 'test';
  return `${split}${m[2]!.toLowerCase() === 'images' ? 'Images' : 'Labels'}` as Role;
}

export interface LoadedData {
  readonly info: DataInfo;
  readonly train: ImageDataset;
  readonly test?: ImageDataset;
}

const split = (d: ImageDataset): SplitInfo => ({ count: d.count, height: d.height, width: d.width, classes: d.classes });

/**
 * Reads a data set: every file checked (IDX header, gzip checksum, images against labels); the
 * first problem is the error, naming the file. Opened files without a test pair keep `keepTest`.
 */
export async function loadData(source: DataSource, keepTest?: ImageDataset): Promise<LoadedData> {
  const bytes = new Map<Role, { name: string; bytes: Uint8Array }>();
  let name: string;
  if (source.kind === 'url') {
    name = source.name;
    await Promise.all(
      (Object.keys(IDX_FILES) as Role[]).map(async (role) => {
        const url = new URL(IDX_FILES[role], new URL(source.base, self.location.href));
        const res = await fetch(url);
        if (!res.ok) throw fail('run', `${IDX_FILES[role]}: HTTP ${res.status}`);
        bytes.set(role, { name: IDX_FILES[role], bytes: new Uint8Array(await res.arrayBuffer()) });
      }),
    );
  } else {
    const unknown: string[] = [];
    for (const f of source.files) {
      const role = roleOf(f.name);
      if (!role) unknown.push(f.name);
      else bytes.set(role, { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
    }
    if (unknown.length) throw fail('run', `${unknown.join(', ')}: not a file of the data set (its files are named train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz)`);
    const missing = (['trainImages', 'trainLabels'] as const).filter((r) => !bytes.has(r)).map((r) => IDX_FILES[r].replace('.gz', '[.gz]'));
    if (missing.length) throw fail('run', `open the training files too: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
    if (bytes.has('testImages') !== bytes.has('testLabels')) throw fail('run', `${(bytes.get('testImages') ?? bytes.get('testLabels'))!.name} needs its ${bytes.has('testImages') ? 'labels (t10k-labels-idx1-ubyte[.gz])' : 'images (t10k-images-idx3-ubyte[.gz])'} too`);
    name = [...bytes.values()].map((b) => b.name).join(', ');
  }
  const read = (role: Role): IdxArray => {
    const f = bytes.get(role)!;
    const r = readIdx(f.bytes, { name: f.name });
    if (!r.ok) throw fail('run', r.problem.message);
    return r.value;
  };
  const pair = (images: Role, labels: Role): ImageDataset => {
    const r = datasetFromIdx(read(images), read(labels), { names: { images: bytes.get(images)!.name, labels: bytes.get(labels)!.name } });
    if (!r.ok) throw fail('run', r.problem.message);
    return r.value;
  };
  const train = pair('trainImages', 'trainLabels');
  const test = bytes.has('testImages') ? pair('testImages', 'testLabels') : keepTest;
  if (test && (test.height !== train.height || test.width !== train.width)) {
    throw fail('run', `the test images are ${test.height}×${test.width} but the training images are ${train.height}×${train.width}`);
  }
  const classes = Math.max(train.classes, test?.classes ?? 0);
  const withClasses = (d: ImageDataset) => ({ ...d, classes });
  return {
    info: { name, train: split(withClasses(train)), ...(test ? { test: split(withClasses(test)) } : {}), files: [...bytes.values()].map((b) => b.name) },
    train: withClasses(train),
    ...(test ? { test: withClasses(test) } : {}),
  };
}

/* ---------- the step runner ---------- */

/** What the driver needs from the worker: the two onnxruntime builds, and a way to let messages in. */
export interface DriverDeps {
  readonly wasm: Ort;
  readonly gpu: () => Promise<{ readonly ort: Ort; readonly adapter: AdapterInfo }>;
  /** Resolves in a task of its own, after the messages already waiting. */
  readonly nextTask: () => Promise<void>;
}

const tensorOf = (m: Ort, t: HostTensor): ort.Tensor => {
  if (t instanceof m.Tensor) return t;
  if (t.data instanceof BigInt64Array) return new m.Tensor('int64', t.data, [...t.dims]);
  return new m.Tensor('float32', t.data as Float32Array, [...t.dims]);
};

/**
 * A session as the loop's runner. State outputs are handed to the loop as onnxruntime tensors
 * (on WebGPU, GPU buffers) and fed back as they are; a buffer is disposed once the loop no longer
 * holds it (the loop keeps the fed state until the step succeeds, for a divergence). Messages are
 * let in every 50 ms, since a WASM run never returns to the event loop.
 */
class SessionRunner implements StepRunner {
  /** GPU tensors this runner made that the loop may still hold. */
  #live = new Set<ort.Tensor>();
  #yielded = performance.now();
  /** The state after the last step whose loss was finite, and how many steps that was. */
  latest: ReadonlyMap<string, HostTensor> | undefined;
  steps: number;
  /** The last loss the step file gave (NaN or ±Infinity when it diverged). */
  lastLoss = NaN;

  constructor(
    readonly m: Ort,
    readonly session: ort.InferenceSession,
    readonly names: readonly string[],
    readonly nextTask: () => Promise<void>,
    startStep: number,
  ) {
    this.steps = startStep;
  }

  async run(feeds: Tensors): Promise<Tensors> {
    if (performance.now() - this.#yielded > 50) {
      await this.nextTask();
      this.#yielded = performance.now();
    }
    const f: Record<string, ort.Tensor> = {};
    const fed = new Set<ort.Tensor>();
    for (const [k, v] of Object.entries(feeds)) {
      const t = tensorOf(this.m, v);
      f[k] = t;
      if (t === v) fed.add(t);
    }
    for (const t of this.#live) if (!fed.has(t)) t.dispose();
    this.#live = new Set([...fed].filter((t) => t.location === 'gpu-buffer'));
    const run = this.session.run(f);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await run;
    } catch (e) {
      throw fail('run', `step ${this.steps + 1} failed: ${(e as Error).message}`);
    }
    for (const [name, t] of Object.entries(out)) {
      if (t.location !== 'gpu-buffer') continue;
      if (name.endsWith('.next')) this.#live.add(t);
      else t.dispose();
    }
    this.lastLoss = Number((out[STEP.loss]!.data as Float32Array)[0]);
    if (Number.isFinite(this.lastLoss)) {
      this.steps++;
      this.latest = new Map(this.names.map((n) => [n, out[nextName(n)] as unknown as HostTensor]));
    }
    return out as unknown as Tensors;
  }

  async toHost(tensors: ReadonlyMap<string, HostTensor>): Promise<ReadonlyMap<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [name, t] of tensors) {
      if (t instanceof this.m.Tensor && t.location === 'gpu-buffer') out.set(name, { data: (await t.getData()) as Float32Array, dims: t.dims });
      else out.set(name, { data: t.data, dims: t.dims });
    }
    return out;
  }

  async release(): Promise<void> {
    for (const t of this.#live) t.dispose();
    this.#live.clear();
    await this.session.release();
  }
}

/* ---------- a run ---------- */

/**
 * Training keeps the WASM build's threads one short of the cores, so the page's main thread
 * (dragging, editing, drawing the curves) always has a core: with every core busy training, its
 * short tasks were measured stretching past 50 ms. Takes effect only before the build's first
 * session (its thread pool is made then).
 */
function leaveACore(m: Ort) {
  const cores = navigator.hardwareConcurrency || 1;
  if (!wasmStarted && (m.env.wasm.numThreads ?? 1) >= cores) m.env.wasm.numThreads = Math.max(1, cores - 1);
  wasmStarted = true;
}
let wasmStarted = false;

/** A run control that says when the loop starts waiting in a pause. */
class WaitingControl extends RunControl {
  onWait: (() => void) | undefined;
  override whenResumed(): Promise<void> {
    const p = super.whenResumed();
    this.onWait?.();
    return p;
  }
}

const CROP_PADDING = 2;

/** The step file's optimiser from the panel's settings (momentum and betas as torch's defaults for these recipes). */
function optimizerOf(s: TrainSettings) {
  return s.optimizer === 'sgd'
    ? { kind: 'sgd' as const, lr: s.lr, momentum: 0.9, nesterov: false, weightDecay: s.weightDecay }
    : { kind: 'adamw' as const, lr: s.lr, betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: s.weightDecay };
}

/** The schedule of the settings: step decays ×0.1 at a third and two thirds of the run. */
export function scheduleOf(s: TrainSettings): ScheduleSpec {
  const warmupSteps = s.warmupSteps;
  if (s.schedule === 'step') return { kind: 'step', lr: s.lr, gamma: 0.1, everyEpochs: Math.max(1, Math.ceil(s.epochs / 3)), warmupSteps };
  return { kind: s.schedule, lr: s.lr, warmupSteps };
}

const decodeStore = (bytes: Uint8Array, what: string): WeightStore => {
  const r = decodeSafetensors(bytes);
  if (!r.store) throw fail('run', `${what} cannot be read: ${r.diagnostics.find((d) => d.severity === 'error')?.code ?? 'RS501'}`);
  return r.store;
};

/** The driver: one data set and at most one run at a time. */
export class TrainDriver {
  #data: LoadedData | undefined;
  #control: WaitingControl | undefined;
  #runner: SessionRunner | undefined;
  #port: MessagePort | undefined;
  #checkpoint: ((why: 'pause') => Promise<void>) | undefined;
  /** Posts the progress not posted yet (it is sent at most ten times a second). */
  #flush: (() => void) | undefined;

  constructor(readonly deps: DriverDeps) {}

  async data(source: DataSource): Promise<DataInfo> {
    // Parsed before it replaces anything: a bad file leaves the loaded set as it was.
    const d = await loadData(source, source.kind === 'files' ? this.#data?.test : undefined);
    this.#data = d;
    return d.info;
  }

  /** Pause, resume, stop: applied at once; a pause saves a checkpoint once the step in flight is done. */
  control(action: 'pause' | 'resume' | 'stop'): boolean {
    const c = this.#control;
    if (!c) return false;
    if (action === 'stop') c.stop();
    else if (action === 'resume') {
      c.resume();
      this.#post({ type: 'resumed' });
    } else if (!c.paused) {
      c.pause();
      // Once the loop waits between steps (the step in flight done and reported): save and say so.
      c.onWait = async () => {
        c.onWait = undefined;
        this.#flush?.();
        await this.#checkpoint?.('pause');
        this.#post({ type: 'paused', step: this.#runner?.steps ?? 0 });
      };
    }
    return true;
  }

  #post(e: TrainEvent, transfer: Transferable[] = []) {
    this.#port?.postMessage(e, transfer);
  }

  async #backend(want: TrainSettings['backend']): Promise<{ m: Ort; backend: TrainBackend; adapter?: AdapterInfo; why?: string }> {
    if (want === 'wasm') {
      leaveACore(this.deps.wasm);
      return { m: this.deps.wasm, backend: 'wasm' };
    }
    if (want === 'webgpu') {
      const g = await this.deps.gpu();
      return { m: g.ort, backend: 'webgpu', adapter: g.adapter };
    }
    try {
      const g = await this.deps.gpu();
      if (!g.adapter.fallback) return { m: g.ort, backend: 'webgpu', adapter: g.adapter };
      leaveACore(this.deps.wasm);
      return { m: this.deps.wasm, backend: 'wasm', why: `the WebGPU adapter is software (${g.adapter.description})` };
    } catch (e) {
      leaveACore(this.deps.wasm);
      return { m: this.deps.wasm, backend: 'wasm', why: (e as Error).message };
    }
  }

  async train(spec: TrainRunSpec, port: MessagePort): Promise<TrainRunOut> {
    if (this.#control) throw fail('run', 'a training run is already going');
    const data = this.#data;
    if (!data) throw fail('run', 'no data set is loaded');
    const s = spec.resume?.settings ?? spec.settings;
    const resume = spec.resume;
    if (resume && resume.data.name !== data.info.name) throw fail('run', `the checkpoint was trained on ${resume.data.name}; open that data set to resume it`);
    // Fresh weights come from the run's seed (and zero-init residual); resuming takes the checkpoint's.
    const doc: ResidualDocument = s.fresh && !resume ? { ...spec.doc, seed: s.seed, zeroInitResidual: s.zeroInitResidual } : spec.doc;
    let base: WeightStore | undefined;
    let optimizerState: Map<string, Float32Array> | undefined;
    if (resume) {
      base = decodeStore(resume.weights, 'the checkpoint');
      optimizerState = new Map([...decodeStore(resume.optimizer, "the checkpoint's optimiser state")].map(([k, v]) => [k, v.data]));
    } else if (!s.fresh && doc.weights) {
      base = decodeStore(await fetchWeights(doc.weights.uri), "the document's weights");
    }
    const train = s.trainLimit > 0 ? takeFirst(data.train, s.trainLimit) : data.train;
    if (train.count < s.batch) throw fail('run', `${train.count} training images are fewer than one batch of ${s.batch}: lower the batch size`);
    const { m, backend, adapter, why } = await this.#backend(s.backend);
    const compiled = compileTraining(
      { ...doc, weights: undefined },
      { batch: s.batch, optimizer: optimizerOf(s), seed: s.seed, stateInitializers: false, target: backend === 'wasm' ? 'cpu' : 'any', ...(base ? { weights: base } : {}), ...(optimizerState ? { optimizerState } : {}) },
    );
    if (!compiled.bytes) {
      const d = compiled.diagnostics.find((x) => x.severity === 'error');
      throw Object.assign(fail('compile', `this network cannot train: ${d ? `${d.code} ${d.message}` : 'no step file'}`), { diagnostics: compiled.diagnostics });
    }
    for (const [ds, what] of [[train, 'the training set'], [data.test, 'the test set']] as const) {
      const p = ds && checkClasses(ds, compiled.classes ?? 0, what);
      if (p) throw fail('run', p.message);
    }
    const adapterIn = inputAdapter(train, doc.input);
    const session = await this.#session(m, backend, compiled.bytes, compiled.state);
    const stepsPerEpoch = Math.floor(train.count / s.batch);
    const totalSteps = stepsPerEpoch * s.epochs;
    const startStep = resume?.step ?? 0;
    const runner = new SessionRunner(m, session, compiled.state.map((t) => t.name), this.deps.nextTask, startStep);
    const control = new WaitingControl();
    this.#control = control;
    this.#runner = runner;
    this.#port = port;
    const history = { steps: [...(resume?.history.steps ?? [])], losses: [...(resume?.history.losses ?? [])], epochs: [...(resume?.history.epochs ?? [])] };
    let epoch = resume?.epoch ?? 0;
    let lastGood: Uint8Array | undefined;
    const checkpoint = async (host: ReadonlyMap<string, HostTensor>, step: number, why: 'epoch' | 'pause') => {
      const weights = encodeSafetensors(stateToWeights(host, compiled.state, base));
      const opt = new Map<string, StoredTensor>([...optimizerStateOf(host, compiled.state)].map(([k, data]) => [k, { dims: compiled.state.find((t) => t.name === k)!.dims, data, owner: '', origin: 'trained' }]));
      const cp: Checkpoint = {
        docKey: spec.docKey,
        settings: s,
        data: { name: data.info.name, count: data.train.count },
        step,
        epoch,
        totalSteps,
        weights,
        optimizer: encodeSafetensors(opt),
        history: { steps: [...history.steps], losses: [...history.losses], epochs: [...history.epochs] },
        savedAt: Date.now(),
      };
      if (why === 'epoch') lastGood = weights.slice();
      this.#post({ type: 'checkpoint', checkpoint: cp, why }, [cp.weights.buffer as ArrayBuffer, cp.optimizer.buffer as ArrayBuffer]);
    };
    this.#checkpoint = async (why) => {
      if (runner.latest) await checkpoint(await runner.toHost(runner.latest), runner.steps, why);
    };
    this.#post({ type: 'started', backend, ...(adapter ? { adapter } : {}), ...(why ? { why } : {}), threads: m.env.wasm.numThreads ?? 1, note: adapterIn.note, totalSteps, stepsPerEpoch, startStep });
    const initial = compiled.initialState();
    const dims = new Map(compiled.state.map((t) => [t.name, t.dims]));
    let pending: { steps: number[]; losses: number[]; errors: number[] } = { steps: [], losses: [], errors: [] };
    let postedAt = 0;
    let lastProgress: TrainProgress | undefined;
    this.#flush = () => {
      if (!lastProgress || !pending.steps.length) return;
      this.#post({ type: 'progress', p: lastProgress, ...pending });
      pending = { steps: [], losses: [], errors: [] };
      postedAt = performance.now();
    };
    try {
      const r = await trainLoop({
        runner,
        state: compiled.state,
        train,
        input: adapterIn,
        batch: s.batch,
        epochs: s.epochs,
        seed: s.seed,
        ...(s.augment ? { augment: { cropPadding: CROP_PADDING, flip: true } } : {}),
        schedule: scheduleOf(s),
        ...(base ? { weights: base } : {}),
        initialState: new Map([...initial].map(([k, v]) => [k, { data: v, dims: dims.get(k)! }])),
        startStep,
        control,
        ...(data.test ? { evaluate: modelEvaluator({ doc, test: data.test, input: inputAdapter(data.test, doc.input), open: (bytes) => this.#evalRunner(bytes) }) } : {}),
        onProgress: (p) => {
          history.steps.push(p.step);
          history.losses.push(p.loss);
          pending.steps.push(p.step);
          pending.losses.push(p.loss);
          pending.errors.push(1 - p.correct / s.batch);
          lastProgress = p;
          // At most ten messages a second: the page draws each.
          if (performance.now() - postedAt >= 100 || p.stepInEpoch === p.stepsPerEpoch) this.#flush?.();
        },
        onEpoch: async (em, host) => {
          if (!em.complete) return;
          epoch = em.epoch;
          history.epochs.push({ epoch: em.epoch, trainAccuracy: em.trainAccuracy, trainLoss: em.trainLoss, ...(em.testAccuracy !== undefined ? { testAccuracy: em.testAccuracy } : {}) });
          this.#post({ type: 'epoch', m: em });
          await checkpoint(host, em.epoch * stepsPerEpoch, 'epoch');
        },
      });
      this.#flush?.();
      const out: TrainRunOut = {
        end: r.end,
        steps: r.steps,
        epochs: r.epochs,
        seconds: r.seconds,
        ...(r.end === 'diverged'
          ? { diverged: { step: r.steps + 1, loss: runner.lastLoss }, ...(lastGood ? { weights: lastGood } : {}) }
          : r.steps > startStep
            ? { weights: encodeSafetensors(stateToWeights(r.state, compiled.state, base)) }
            : {}),
      };
      return out;
    } finally {
      this.#control = undefined;
      this.#runner = undefined;
      this.#port = undefined;
      this.#checkpoint = undefined;
      this.#flush = undefined;
      await runner.release();
    }
  }

  async #session(m: Ort, backend: TrainBackend, bytes: Uint8Array, state: readonly OwnedStateTensor[]): Promise<ort.InferenceSession> {
    const opts: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', executionProviders: [backend] };
    if (backend === 'webgpu') Object.assign(opts, { preferredOutputLocation: Object.fromEntries(state.map((t) => [nextName(t.name), 'gpu-buffer' as const])) });
    try {
      return await m.InferenceSession.create(bytes, opts);
    } catch (e) {
      throw fail('session', `onnxruntime could not load the step file on ${backend === 'wasm' ? 'WASM' : 'WebGPU'}: ${(e as Error).message}`);
    }
  }

  /** An inference session on WASM for the per-epoch test accuracy. */
  async #evalRunner(bytes: Uint8Array): Promise<ModelRunner> {
    const m = this.deps.wasm;
    const session = await m.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', executionProviders: ['wasm'] });
    let yielded = performance.now();
    return {
      run: async (feeds) => {
        if (performance.now() - yielded > 50) {
          await this.deps.nextTask();
          yielded = performance.now();
        }
        const f = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tensorOf(m, v)]));
        const out = await session.run(f);
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]));
      },
      release: () => session.release(),
    };
  }
}
