/**
 * The degradation lab's controller: one per editor, outside React. It builds the plain and the
 * residual net of the chosen depth (`labPair`: same widths, same layer names, so the same seed
 * gives the same fresh weights) and trains both at once, each in a training worker of its own
 * (the Train panel's driver: `train.worker.ts` with `src/train/loop.ts`), on the same data, in the
 * same order, under the same budget. Their curves stream into a small vanilla store the lab view
 * reads narrowly. The lab never touches the open document: its two nets and their weights are its own.
 */
import { createStore } from 'zustand/vanilla';
import { labPair, LAB_DEFAULTS, type LabPair } from '../../../src/lab/degradation.ts';
import type { TrainProgress } from '../../../src/train/loop.ts';
import { TrainClient } from '../../runtime/train-client.ts';
import type { EpochPoint, TrainEvent, TrainRunOut, TrainSettings } from '../../runtime/train-protocol.ts';
import type { EditorStore } from '../../store/editor-store.ts';
import { DEFAULT_SETTINGS, SUBSET, trainingKey } from '../train/train-controller.ts';
import { otherTraining, registerTrainer } from '../train/training-gate.ts';

export type LabNet = 'plain' | 'residual';
export const LAB_NETS: readonly LabNet[] = ['plain', 'residual'];

export type LabPhase = 'idle' | 'starting' | 'training' | 'stopping' | 'done' | 'stopped' | 'error';

/** One net's run as the lab shows it. */
export interface LabRun {
  readonly phase: LabPhase;
  readonly progress?: TrainProgress;
  /** Per reported step: the step, its loss and its batch's training error (0…1). */
  readonly steps: readonly number[];
  readonly losses: readonly number[];
  readonly errors: readonly number[];
  readonly epochs: readonly EpochPoint[];
  /** When the run ended: its last test error (0…1), its steps and time (its final training error: {@link trainErrorOf}). */
  readonly final?: { readonly testError?: number; readonly seconds: number; readonly steps: number };
  readonly error?: string;
}

export interface LabState {
  readonly open: boolean;
  readonly depth: number;
  readonly phase: LabPhase;
  readonly runs: Readonly<Record<LabNet, LabRun>>;
  /** Bumped when any curve changes, for the charts. */
  readonly curveVersion: number;
  /** The nets of the current depth (for the signals chart), built when the lab first opens. */
  readonly pair?: LabPair;
  /** The last Start was refused: the Train panel was training (one training at a time). */
  readonly refused?: boolean;
}

const EMPTY_RUN: LabRun = { phase: 'idle', steps: [], losses: [], errors: [], epochs: [] };

/** The lab's budget as Train panel settings: SGD, constant rate, no augmentation, fresh weights from one seed, WASM. */
export const LAB_SETTINGS: TrainSettings = {
  ...DEFAULT_SETTINGS,
  optimizer: 'sgd',
  lr: LAB_DEFAULTS.lr,
  schedule: 'constant',
  warmupSteps: 0,
  batch: LAB_DEFAULTS.batch,
  epochs: LAB_DEFAULTS.epochs,
  weightDecay: LAB_DEFAULTS.weightDecay,
  zeroInitResidual: false,
  seed: LAB_DEFAULTS.seed,
  augment: false,
  fresh: true,
  trainLimit: LAB_DEFAULTS.trainLimit,
  backend: 'wasm',
};

/** Mean of the last tenth of the values (at least one): how a curve ends, without one batch's noise. */
export function tailMean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const k = Math.max(1, Math.floor(values.length / 10));
  let s = 0;
  for (let i = values.length - k; i < values.length; i++) s += values[i]!;
  return s / k;
}

/** Where a run's training error ends: the mean batch error of its last tenth of steps, as scripts/py/degradation_lab.py reports it. */
export const trainErrorOf = (run: LabRun): number => tailMean(run.errors);

const busy = (p: LabPhase) => p === 'starting' || p === 'training' || p === 'stopping';
export const isLabRunning = busy;

/** What the lab can be asked to do (lesson 4 opens it with a depth and may start it). */
export interface LabOpenOptions {
  readonly depth?: number;
  readonly start?: boolean;
}

export class LabController {
  readonly state;
  #clients: Partial<Record<LabNet, TrainClient>> = {};
  #settings: TrainSettings;
  /** Bumped per start: events of an earlier run are dropped. */
  #gen = 0;

  constructor(
    readonly editor: EditorStore,
    opts: { readonly settings?: Partial<TrainSettings>; readonly factory?: ConstructorParameters<typeof TrainClient>[0] } = {},
  ) {
    this.#settings = { ...LAB_SETTINGS, ...opts.settings };
    this.#factory = opts.factory;
    // A test budget may come with the page (`?labSteps=N`): N images per epoch, one epoch.
    const q = typeof location !== 'undefined' ? new URLSearchParams(location.search) : undefined;
    const steps = Number(q?.get('labSteps'));
    if (Number.isInteger(steps) && steps > 0) this.#settings = { ...this.#settings, trainLimit: steps * this.#settings.batch, epochs: Number(q?.get('labEpochs')) || 1 };
    this.state = createStore<LabState>()(() => ({ open: false, depth: LAB_DEFAULTS.depth, phase: 'idle', runs: { plain: EMPTY_RUN, residual: EMPTY_RUN }, curveVersion: 0 }));
    registerTrainer(editor, 'lab', () => busy(this.state.getState().phase));
  }

  readonly #factory: ConstructorParameters<typeof TrainClient>[0] | undefined;

  /** The budget both nets train under. */
  get settings(): TrainSettings {
    return this.#settings;
  }

  #set(p: Partial<LabState>) {
    this.state.setState(p);
  }

  #setRun(net: LabNet, p: Partial<LabRun>, gen: number) {
    if (gen !== this.#gen) return;
    const s = this.state.getState();
    const runs = { ...s.runs, [net]: { ...s.runs[net], ...p } };
    const phases = LAB_NETS.map((n) => runs[n].phase);
    let phase: LabPhase;
    if (phases.some(busy)) phase = s.phase === 'stopping' ? 'stopping' : phases.every((x) => x === 'training' || x === 'done') ? 'training' : 'starting';
    else if (phases.includes('error')) phase = 'error';
    else if (phases.includes('stopped')) phase = 'stopped';
    else phase = 'done';
    this.#set({ runs, phase, curveVersion: s.curveVersion + 1 });
  }

  /** Shows the lab, at `depth` if given (not while it trains); `start` starts both runs. */
  open(opts: LabOpenOptions = {}): void {
    if (opts.depth !== undefined) this.setDepth(opts.depth);
    this.#set({ open: true });
    this.#pair();
    if (opts.start) void this.start();
  }

  close(): void {
    this.#set({ open: false });
  }

  setDepth(depth: number): void {
    const s = this.state.getState();
    if (busy(s.phase) || depth === s.depth) return;
    this.#set({ depth, pair: undefined, phase: 'idle', runs: { plain: EMPTY_RUN, residual: EMPTY_RUN }, curveVersion: s.curveVersion + 1 });
    if (s.open) this.#pair();
  }

  /** The current depth's two nets (built on demand: a deep pair takes a moment to analyse). */
  #pair(): LabPair {
    const s = this.state.getState();
    if (s.pair && s.pair.depth === s.depth) return s.pair;
    const pair = labPair(s.depth);
    this.#set({ pair });
    return pair;
  }

  #client(net: LabNet): TrainClient {
    return (this.#clients[net] ??= new TrainClient(this.#factory, {
      onEvent: (e) => this.#setRun(net, { phase: 'error', error: `the training worker stopped (${e.message}); press Start to train again` }, this.#gen),
    }));
  }

  /** Trains both nets of the current depth from fresh weights, side by side. */
  async start(): Promise<void> {
    const s = this.state.getState();
    if (busy(s.phase)) return;
    // The Train panel's run and the lab's two would share two cores and all crawl: refuse.
    if (otherTraining(this.editor, 'lab')) {
      this.#set({ refused: true });
      return;
    }
    const gen = ++this.#gen;
    this.#set({ refused: false, phase: 'starting', runs: { plain: { ...EMPTY_RUN, phase: 'starting' }, residual: { ...EMPTY_RUN, phase: 'starting' } }, curveVersion: s.curveVersion + 1 });
    const pair = this.#pair();
    await Promise.all(LAB_NETS.map((net) => this.#train(net, net === 'plain' ? pair.plain : pair.residual, gen)));
  }

  async #train(net: LabNet, doc: LabPair['plain'], gen: number): Promise<void> {
    const client = this.#client(net);
    let out: TrainRunOut;
    try {
      await client.data(SUBSET);
      if (gen !== this.#gen) return;
      if (this.state.getState().phase === 'stopping') {
        this.#setRun(net, { phase: 'stopped' }, gen);
        return;
      }
      out = await client.train({ doc, settings: this.#settings, docKey: trainingKey(doc) }, (e) => this.#onEvent(net, e, gen));
    } catch (e) {
      this.#setRun(net, { phase: 'error', error: (e as Error).message }, gen);
      return;
    }
    const test = out.epochs.filter((x) => x.complete).at(-1)?.testAccuracy;
    this.#setRun(
      net,
      {
        phase: out.end === 'done' ? 'done' : out.end === 'stopped' ? 'stopped' : 'error',
        final: { ...(test !== undefined ? { testError: 1 - test } : {}), seconds: out.seconds, steps: out.steps },
        ...(out.end === 'diverged' ? { error: `the loss became ${Number.isNaN(out.diverged?.loss) ? 'NaN' : 'infinite'} at step ${out.diverged?.step}` } : {}),
      },
      gen,
    );
  }

  #onEvent(net: LabNet, e: TrainEvent, gen: number) {
    const run = this.state.getState().runs[net];
    switch (e.type) {
      case 'started':
        this.#setRun(net, { phase: run.phase === 'starting' ? 'training' : run.phase }, gen);
        // A stop asked for before the run existed in the worker did not reach it.
        if (this.state.getState().phase === 'stopping') void this.#clients[net]?.control('stop').catch(() => undefined);
        break;
      case 'progress':
        this.#setRun(net, { progress: e.p, steps: [...run.steps, ...e.steps], losses: [...run.losses, ...e.losses], errors: [...run.errors, ...(e.errors ?? [])] }, gen);
        break;
      case 'epoch':
        if (e.m.complete) this.#setRun(net, { epochs: [...run.epochs, { epoch: e.m.epoch, trainAccuracy: e.m.trainAccuracy, trainLoss: e.m.trainLoss, ...(e.m.testAccuracy !== undefined ? { testAccuracy: e.m.testAccuracy } : {}) }] }, gen);
        break;
      default:
        // Checkpoints and pauses are the Train panel's: the lab starts over instead.
        break;
    }
  }

  /** Stops both runs (each after its step in flight). */
  stop(): void {
    const s = this.state.getState();
    if (!busy(s.phase)) return;
    this.#set({ phase: 'stopping' });
    for (const net of LAB_NETS) void this.#clients[net]?.control('stop').catch(() => undefined);
  }

  dispose(): void {
    for (const net of LAB_NETS) this.#clients[net]?.dispose();
    this.#clients = {};
  }
}

const controllers = new WeakMap<EditorStore, LabController>();
/** The editor's degradation lab (made on first use). */
export function labControllerOf(editor: EditorStore): LabController {
  let c = controllers.get(editor);
  if (!c) controllers.set(editor, (c = new LabController(editor)));
  return c;
}
