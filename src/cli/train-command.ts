/**
 * `residual-studio train` and `residual-studio export-training`.
 *
 * - `train <template|project.json> --data DIR -o trained.json`: compiles the document into a
 *   training step file (`compileTraining`), runs it in onnxruntime-node with the core's training
 *   loop (`src/train/loop.ts`, the same loop the app's worker runs with onnxruntime-web) over an
 *   MNIST-layout directory, prints loss and accuracy per epoch, and writes the project with its
 *   trained weights beside it (`trained.weights.safetensors`), as `import` does.
 * - `export-training <template|project.json> -o step.onnx`: writes the step file itself, for
 *   anyone's own loop, and prints its diagnostics.
 *
 * onnxruntime-node is loaded only here, only by `train`, and by a name esbuild cannot follow, so
 * the CLI bundle leaves it external (it carries a native binary) and every other command starts
 * without it. src/ otherwise never runs models; this command is the Node host for the training
 * loop, as app/runtime is the browser's.
 */
import { checkClasses, inputAdapter, takeFirst, type Augmentation, type InputFit } from '../data/dataset.ts';
import { loadDatasetDirectory, DEBIAN_FASHION_MNIST } from '../data/directory.ts';
import type { Diagnostic } from '../diagnostics/catalogue.ts';
import type { ResidualDocument } from '../graph/types.ts';
import type { WeightStore } from '../weights/types.ts';
import { compileTraining } from '../train/compile-training.ts';
import { modelEvaluator, RunControl, stateToWeights, trainLoop, type HostTensor, type ModelRunner, type Tensors, type TrainProgress } from '../train/loop.ts';
import { DEFAULT_ADAMW, DEFAULT_SGD, type OptimizerOptions, type TrainingOptions } from '../train/options.ts';
import { checkSchedule, type ScheduleSpec } from '../train/schedule.ts';
import { parseArgs, UsageError } from './args.ts';
import { writeFile, writeProject } from './project-files.ts';
import { load, type Io } from './main.ts';

/** Flags shared by both commands: what goes into the step file. */
const STEP_FLAGS = {
  o: 'string',
  output: 'string',
  batch: 'string',
  opset: 'string',
  optimizer: 'string',
  lr: 'string',
  momentum: 'string',
  nesterov: 'bool',
  'weight-decay': 'string',
  betas: 'string',
  eps: 'string',
  'label-smoothing': 'string',
  seed: 'string',
  input: 'string',
  classes: 'string',
} as const;

const TRAIN_FLAGS = {
  ...STEP_FLAGS,
  data: 'string',
  epochs: 'string',
  schedule: 'string',
  warmup: 'string',
  'step-epochs': 'string',
  gamma: 'string',
  limit: 'string',
  'test-limit': 'string',
  crop: 'string',
  flip: 'bool',
  fit: 'string',
} as const;

type Flags = Record<string, string | boolean>;

/** A number flag within limits, or its default; a bad value is one clear line. */
function num(flags: Flags, name: string, dflt: number, o: { min: number; max: number; integer?: boolean; above?: boolean }): number {
  const v = flags[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  const ok = typeof v === 'string' && v.trim() !== '' && Number.isFinite(n) && (!o.integer || Number.isInteger(n)) && (o.above ? n > o.min : n >= o.min) && n <= o.max;
  if (!ok) throw new UsageError(`--${name} must be ${o.integer ? 'a whole number' : 'a number'} ${o.above ? `above ${o.min}` : `from ${o.min}`}${o.max < Infinity ? ` ${o.above ? 'up ' : ''}to ${o.max}` : ''}, got "${String(v)}"`);
  return n;
}

function choice<T extends string>(flags: Flags, name: string, options: readonly T[], dflt: T): T {
  const v = flags[name];
  if (v === undefined) return dflt;
  if (!options.includes(v as T)) throw new UsageError(`--${name} must be ${options.join(' or ')}, got "${String(v)}"`);
  return v as T;
}

/** The optimiser from the flags: torch's names and defaults (see `DEFAULT_SGD`, `DEFAULT_ADAMW`). */
function optimizerOf(flags: Flags): OptimizerOptions {
  const kind = choice(flags, 'optimizer', ['sgd', 'adamw'] as const, 'sgd');
  const lr = num(flags, 'lr', kind === 'sgd' ? DEFAULT_SGD.lr : DEFAULT_ADAMW.lr, { min: 0, max: 100, above: true });
  if (kind === 'sgd') {
    for (const f of ['betas', 'eps']) if (flags[f] !== undefined) throw new UsageError(`--${f} applies to --optimizer adamw, not sgd`);
    const momentum = num(flags, 'momentum', DEFAULT_SGD.momentum, { min: 0, max: 0.999999 });
    const nesterov = flags['nesterov'] === true;
    if (nesterov && momentum === 0) throw new UsageError('--nesterov needs a --momentum above 0 (as torch.optim.SGD requires)');
    return { kind, lr, momentum, nesterov, weightDecay: num(flags, 'weight-decay', DEFAULT_SGD.weightDecay, { min: 0, max: 1 }) };
  }
  for (const f of ['momentum', 'nesterov']) if (flags[f] !== undefined) throw new UsageError(`--${f} applies to --optimizer sgd, not adamw`);
  let betas = DEFAULT_ADAMW.betas;
  if (flags['betas'] !== undefined) {
    const parts = String(flags['betas']).split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
    if (parts.length !== 2 || !parts.every((b) => b >= 0 && b < 1)) throw new UsageError(`--betas must be two numbers in [0, 1) like 0.9,0.999, got "${String(flags['betas'])}"`);
    betas = [parts[0]!, parts[1]!];
  }
  return { kind, lr, betas, eps: num(flags, 'eps', DEFAULT_ADAMW.eps, { min: 0, max: 1, above: true }), weightDecay: num(flags, 'weight-decay', DEFAULT_ADAMW.weightDecay, { min: 0, max: 1 }) };
}

/** The document (with --seed as its initialisation seed) and the step file's options. */
async function stepSetup(source: string, flags: Flags): Promise<{ doc: ResidualDocument; weights?: WeightStore; options: TrainingOptions & { batch: number; optimizer: OptimizerOptions }; seed: number }> {
  const optimizer = optimizerOf(flags);
  const batch = num(flags, 'batch', 64, { min: 1, max: 65536, integer: true });
  const labelSmoothing = num(flags, 'label-smoothing', 0, { min: 0, max: 0.999999 });
  const opset = flags['opset'] !== undefined ? num(flags, 'opset', 0, { min: 13, max: 21, integer: true }) : undefined;
  const loaded = await load(source, flags);
  let doc = loaded.doc;
  if (flags['seed'] !== undefined) doc = { ...doc, seed: num(flags, 'seed', 0, { min: 0, max: 2 ** 32 - 1, integer: true }) };
  const options = { batch, optimizer, labelSmoothing, seed: doc.seed, ...(opset !== undefined ? { opset } : {}), ...(loaded.weights ? { weights: loaded.weights } : {}) };
  return { doc, ...(loaded.weights ? { weights: loaded.weights } : {}), options, seed: doc.seed };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ');
const printDiagnostics = (io: Io, ds: readonly Diagnostic[]) => {
  for (const d of ds) if (d.severity !== 'info') io.stdout(`${d.severity} ${d.code}: ${oneLine(d.message)}\n`);
};
const cannotTrain = (doc: ResidualDocument, ds: readonly Diagnostic[]) => {
  const first = ds.find((d) => d.severity === 'error');
  return new UsageError(`cannot train ${doc.name}: ${first ? `${first.code} ${oneLine(first.message)}` : 'the training compiler gave no step file'}`);
};

const describeOptimizer = (o: OptimizerOptions) =>
  o.kind === 'sgd'
    ? `SGD lr ${o.lr} momentum ${o.momentum}${o.nesterov ? ' nesterov' : ''} weight decay ${o.weightDecay}`
    : `AdamW lr ${o.lr} betas ${o.betas.join(',')} eps ${o.eps} weight decay ${o.weightDecay}`;

/** The `export-training` command. */
export async function exportTrainingCommand(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, STEP_FLAGS);
  if (positional.length !== 1) throw new UsageError('export-training takes one template or project file: residual-studio export-training resnet18 -o step.onnx');
  const out = (flags['o'] ?? flags['output']) as string | undefined;
  if (!out) throw new UsageError('export-training needs -o step.onnx');
  const { doc, options } = await stepSetup(positional[0]!, flags);
  const r = compileTraining(doc, options);
  printDiagnostics(io, r.diagnostics);
  if (!r.bytes) throw cannotTrain(doc, r.diagnostics);
  writeFile(out, r.bytes);
  const count = (role: string) => r.state.filter((s) => s.role === role).length;
  const { channels, height, width } = doc.input;
  io.stdout(
    `wrote ${out} (${(r.bytes.length / 2 ** 20).toFixed(1)} MB, batch ${options.batch}, ${describeOptimizer(options.optimizer)}${options.labelSmoothing ? `, label smoothing ${options.labelSmoothing}` : ''})\n` +
      `  inputs:  input [${options.batch},${channels},${height},${width}] float32, target [${options.batch}] int64, lr float32, then ${r.state.length} state tensors ` +
      `(${count('param')} parameters, ${count('frozen')} frozen, ${count('buffer')} buffers, ${count('optimizer')} optimiser state), each with its start value as initializer\n` +
      `  outputs: loss, logits [${options.batch},${r.classes}], correct (int64), and <name>.next for each state tensor: feed it back as <name> on the next step\n` +
      // Checked with onnxruntime-node 1.30: it lists only input, target and lr as inputs and
      // drops the fed state, so each step would start again from the initializers.
      `  note: onnxruntime's JavaScript APIs cannot feed an input that has an initializer (node ignores it, web refuses it); from JavaScript, use residual-studio train or the core's trainLoop\n`,
  );
  return 0;
}

/** The `train` command. */
export async function trainCommand(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, TRAIN_FLAGS);
  if (positional.length !== 1) throw new UsageError('train takes one template or project file: residual-studio train fashion-resnet --data DIR -o trained.json');
  const out = (flags['o'] ?? flags['output']) as string | undefined;
  if (!out) throw new UsageError('train needs -o trained.json (the project to write, with its weights beside it)');
  if (!out.toLowerCase().endsWith('.json')) throw new UsageError(`train writes a project file: -o must end in .json, got "${out}"`);
  if (typeof flags['data'] !== 'string') throw new UsageError(`train needs --data DIR, an MNIST-layout directory (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-… for the test set), e.g. --data ${DEBIAN_FASHION_MNIST}`);
  const epochs = num(flags, 'epochs', 5, { min: 1, max: 100000, integer: true });
  const limit = flags['limit'] !== undefined ? num(flags, 'limit', 0, { min: 1, max: 2 ** 31, integer: true }) : undefined;
  const testLimit = flags['test-limit'] !== undefined ? num(flags, 'test-limit', 0, { min: 0, max: 2 ** 31, integer: true }) : undefined;
  const warmupSteps = num(flags, 'warmup', 0, { min: 0, max: 2 ** 31, integer: true });
  const fit = choice<InputFit>(flags, 'fit', ['resize', 'pad'], 'resize');
  const crop = num(flags, 'crop', 0, { min: 0, max: 64, integer: true });
  const augment: Augmentation | undefined = crop > 0 || flags['flip'] === true ? { cropPadding: crop, flip: flags['flip'] === true } : undefined;
  const kind = choice(flags, 'schedule', ['constant', 'step', 'cosine'] as const, 'cosine');
  for (const f of ['step-epochs', 'gamma']) if (flags[f] !== undefined && kind !== 'step') throw new UsageError(`--${f} applies to --schedule step`);

  const { doc, weights, options, seed } = await stepSetup(positional[0]!, flags);
  const lr = options.optimizer.lr;
  const schedule: ScheduleSpec =
    kind === 'step'
      ? { kind, lr, gamma: num(flags, 'gamma', 0.1, { min: 0, max: 1, above: true }), everyEpochs: num(flags, 'step-epochs', Math.max(1, Math.ceil(epochs / 3)), { min: 1, max: 100000, integer: true }), warmupSteps }
      : { kind, lr, warmupSteps };
  const bad = checkSchedule(schedule);
  if (bad) throw new UsageError(bad);

  const data = loadDatasetDirectory(flags['data']);
  if (!data.ok) throw new UsageError(data.problem.message);
  const full = data.value.train;
  const train = limit !== undefined ? takeFirst(full, limit) : full;
  const test = data.value.test && testLimit !== 0 ? (testLimit !== undefined ? takeFirst(data.value.test, testLimit) : data.value.test) : undefined;
  if (train.count < options.batch) throw new UsageError(`${train.count} training images${limit !== undefined ? ` (--limit ${limit})` : ''} are fewer than one batch of ${options.batch}: lower --batch or raise --limit`);

  // The step file: state without initializers, fed from initialState() on the first step,
  // because onnxruntime-node ignores a fed input that has an initializer.
  // onnxruntime-node runs it on its CPU EP: the faster convolution gradients apply.
  const compiled = compileTraining(doc, { ...options, stateInitializers: false, target: 'cpu' });
  printDiagnostics(io, compiled.diagnostics);
  if (!compiled.bytes) throw cannotTrain(doc, compiled.diagnostics);
  const classes = compiled.classes ?? 0;
  for (const [ds, name] of [[train, 'the training set'], [test, 'the test set']] as const) {
    const p = ds && checkClasses(ds, classes, name);
    if (p) throw new UsageError(p.message);
  }
  const adapter = inputAdapter(train, doc.input, { fit });
  const ort = await loadOrt();
  const runner = await openRunner(ort, compiled.bytes);
  const perEpoch = Math.floor(train.count / options.batch);
  io.stdout(
    `training ${doc.name} on ${train.count}${limit !== undefined && train.count < full.count ? ` of ${full.count}` : ''} images from ${flags['data']}` +
      ` (${test ? `test accuracy on ${test.count}` : 'no test set'}), ${epochs} epoch(s) of ${perEpoch} steps of ${options.batch}` +
      `${train.count % options.batch ? ` (the last ${train.count % options.batch} images of each epoch's order are left out)` : ''}\n` +
      `  ${describeOptimizer(options.optimizer)}, ${kind} schedule${warmupSteps ? ` with ${warmupSteps} warm-up steps` : ''}${options.labelSmoothing ? `, label smoothing ${options.labelSmoothing}` : ''}` +
      `${augment ? `, augmentation: ${[crop ? `random crop with ${crop} px padding` : '', augment.flip ? 'horizontal flip' : ''].filter(Boolean).join(' and ')}` : ''}, seed ${seed}\n` +
      `  ${adapter.note}\n`,
  );
  let lastReport = performance.now();
  const onProgress = (p: TrainProgress) => {
    // A line every 10 s on stderr, so a long epoch shows it is alive; the epochs' lines are stdout.
    if (performance.now() - lastReport < 10_000 || p.stepInEpoch === p.stepsPerEpoch) return;
    lastReport = performance.now();
    io.stderr(`  epoch ${p.epoch}/${p.epochs} step ${p.stepInEpoch}/${p.stepsPerEpoch}: loss ${p.epochLoss.toFixed(4)}, ${Math.round(p.imagesPerSecond)} images/s, ${duration(p.secondsLeft)} left\n`);
  };
  // Ctrl-C stops after the step in flight and writes what was trained; a second one (Node's
  // default again, as the listener is gone) quits at once.
  const control = new RunControl();
  const onInterrupt = () => {
    io.stderr('residual-studio: stopping after this step and writing what is trained so far (Ctrl-C again to quit at once)\n');
    control.stop();
  };
  process.once('SIGINT', onInterrupt);
  let result;
  try {
    result = await trainLoop({
      runner,
      control,
      state: compiled.state,
      initialState: new Map([...compiled.initialState()].map(([k, v]) => [k, { data: v, dims: compiled.state.find((s) => s.name === k)!.dims }])),
      ...(weights ? { weights } : {}),
      train,
      input: adapter,
      batch: options.batch,
      epochs,
      seed,
      ...(augment ? { augment } : {}),
      schedule,
      ...(test ? { evaluate: modelEvaluator({ doc, test, input: inputAdapter(test, doc.input, { fit }), open: (bytes) => openRunner(ort, bytes) }) } : {}),
      onProgress,
      onEpoch: (m) =>
        io.stdout(
          `epoch ${m.epoch}/${epochs}: loss ${m.trainLoss.toFixed(4)}, train accuracy ${m.trainAccuracy.toFixed(4)}` +
            `${m.testAccuracy !== undefined ? `, test accuracy ${m.testAccuracy.toFixed(4)}` : ''}${m.complete ? '' : ` (cut short after ${m.steps} steps)`}` +
            ` (${m.trainSeconds.toFixed(1)} s, ${Math.round(m.images / Math.max(1e-9, m.trainSeconds))} images/s${m.evalSeconds ? `, test ${m.evalSeconds.toFixed(1)} s` : ''})\n`,
        ),
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    await runner.release?.();
  }
  if (result.end === 'stopped' && result.steps === 0) throw new UsageError('stopped before the first step; nothing written');
  if (result.end === 'diverged') throw new UsageError(`training diverged: the loss became NaN or infinite at step ${result.steps + 1}; try a lower --lr (now ${lr}) or --warmup; nothing written`);
  const trained = stateToWeights(result.state, compiled.state, weights);
  const last = result.epochs.at(-1);
  const meta = {
    epochs: String(result.epochs.length),
    optimizer: JSON.stringify(options.optimizer),
    schedule: JSON.stringify(schedule),
    batch: String(options.batch),
    ...(last ? { trainLoss: String(last.trainLoss), trainAccuracy: String(last.trainAccuracy), ...(last.testAccuracy !== undefined ? { testAccuracy: String(last.testAccuracy) } : {}) } : {}),
  };
  const file = writeProject(out, doc, trained, meta)!;
  const stopped = result.end === 'stopped' ? `, stopped after ${result.steps} of ${perEpoch * epochs} steps` : '';
  io.stdout(`wrote ${out} and ${file} (${trained.size} tensors, ${result.steps} steps in ${duration(result.seconds)}${stopped})\n`);
  return 0;
}


const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);

// ---------------------------------------------------------------------------------------------
// onnxruntime-node, seen through the little of its API used here (its types are not imported:
// src/ keeps onnxruntime out of its static imports).

interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  readonly InferenceSession: { create(bytes: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: string, data: HostTensor['data'], dims: readonly number[]) => OrtTensor;
  readonly env: { logLevel?: string };
}

/** The package name in a variable: esbuild bundles only imports it can resolve at build time. */
const ORT_NODE = 'onnxruntime-node';

async function loadOrt(): Promise<OrtModule> {
  let m: OrtModule & { default?: OrtModule };
  try {
    m = (await import(/* @vite-ignore */ ORT_NODE)) as OrtModule & { default?: OrtModule };
  } catch (e) {
    throw new UsageError(`train needs onnxruntime-node to run the step file, and it cannot be loaded (${oneLine((e as Error).message)}); install it with npm install onnxruntime-node`);
  }
  const ort = m.InferenceSession ? m : m.default!;
  ort.env.logLevel = 'error';
  return ort;
}

const TYPES: [new (...a: never[]) => HostTensor['data'], string][] = [
  [Float32Array, 'float32'],
  [BigInt64Array, 'int64'],
  [Int32Array, 'int32'],
  [Float64Array, 'float64'],
  [Uint8Array, 'uint8'],
];
const typeOf = (d: HostTensor['data']) => TYPES.find(([C]) => d instanceof C)![1];

async function openRunner(ort: OrtModule, bytes: Uint8Array): Promise<ModelRunner> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  return {
    async run(feeds: Tensors): Promise<Tensors> {
      const t: Record<string, OrtTensor> = {};
      for (const [k, v] of Object.entries(feeds)) t[k] = new ort.Tensor(typeOf(v.data), v.data, v.dims);
      const outs = await session.run(t);
      const r: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(outs)) r[k] = { data: v.data as HostTensor['data'], dims: v.dims };
      return r;
    },
    release: () => session.release(),
  };
}
