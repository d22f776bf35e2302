/**
 * The Train panel's controller: one per editor, outside React. It owns the training worker's
 * client, the data set the worker holds, the run (start, pause, resume, stop), its curves, the
 * checkpoints in IndexedDB, and what a run changes in the document: its weights, once the run
 * ends, as one undoable edit. The panel reads its small vanilla store narrowly.
 *
 * What it never lets happen: weights of one network applied to another (an edit of the network
 * during a run stops the run and drops its weights), a loss that is not finite replacing good
 * weights (the last complete epoch's are kept, or the document's own), a crashed worker losing
 * the run (a new worker resumes it from the last checkpoint and the panel says so).
 */
import { del, get, set } from 'idb-keyval';
import { createStore } from 'zustand/vanilla';
import type { ResidualDocument } from '../../../src/index.ts';
import type { TrainProgress } from '../../../src/train/loop.ts';
import { RuntimeError, type RuntimeEvent } from '../../runtime/client.ts';
import { modelKey } from '../../runtime/doc-key.ts';
import { TrainClient } from '../../runtime/train-client.ts';
import type { Checkpoint, DataInfo, DataSource, EpochPoint, TrainEvent, TrainRunOut, TrainSettings } from '../../runtime/train-protocol.ts';
import { storeWeights } from '../../runtime/weights-bytes.ts';
import type { EditorStore } from '../../store/editor-store.ts';
import { otherTraining, registerTrainer } from './training-gate.ts';

/** The shipped subset (`public/data/train`, made by scripts/py/make_train_subset.py). */
export const SUBSET: DataSource = { kind: 'url', base: '/data/train/', name: 'Fashion-MNIST subset' };

/** IndexedDB key of the one checkpoint kept (the latest run's). */
export const CHECKPOINT_KEY = 'rs:train:checkpoint';

/** The model a run trains: the document without its weights and layout (so applying trained weights, or moving a card, is not an edit of the network). */
export const trainingKey = (doc: ResidualDocument): string => modelKey({ ...doc, weights: undefined });

export const DEFAULT_SETTINGS: TrainSettings = {
  optimizer: 'sgd',
  lr: 0.05,
  schedule: 'cosine',
  warmupSteps: 0,
  batch: 64,
  epochs: 2,
  weightDecay: 5e-4,
  zeroInitResidual: false,
  seed: 0,
  augment: false,
  fresh: true,
  trainLimit: 0,
  backend: 'auto',
};

export type TrainPhase = 'idle' | 'starting' | 'training' | 'pausing' | 'paused' | 'stopping' | 'done' | 'stopped' | 'diverged' | 'edited' | 'error';

/** A sentence for the user: an i18n key under `train.` and its values. */
export interface TrainMessage {
  readonly key: string;
  readonly values?: Readonly<Record<string, string | number>>;
  readonly kind: 'info' | 'error';
}

export interface TrainState {
  readonly phase: TrainPhase;
  readonly settings: TrainSettings;
  readonly data?: DataInfo;
  readonly dataLoading: boolean;
  /** Why the last file opened was refused (the data set before it stays). */
  readonly dataError?: string;
  readonly started?: Extract<TrainEvent, { type: 'started' }>;
  readonly progress?: TrainProgress;
  /** Loss per reported step; per-epoch accuracies. */
  readonly steps: readonly number[];
  readonly losses: readonly number[];
  readonly epochs: readonly EpochPoint[];
  /** Bumped when the curves change, for the charts. */
  readonly curveVersion: number;
  readonly message?: TrainMessage;
  /** A checkpoint in IndexedDB that can be resumed (`epoch`: the one it resumes in, 1-based). */
  readonly resumable?: Pick<Checkpoint, 'docKey' | 'step' | 'epoch' | 'totalSteps' | 'savedAt' | 'data'>;
  /** Worker restarts during runs. */
  readonly restarts: number;
}

const busy = (p: TrainPhase) => p === 'starting' || p === 'training' || p === 'pausing' || p === 'paused' || p === 'stopping';
export const isRunning = busy;

/** One editor's training. */
export class TrainController {
  readonly state = createStore<TrainState>()(() => ({ phase: 'idle', settings: DEFAULT_SETTINGS, dataLoading: false, steps: [], losses: [], epochs: [], curveVersion: 0, restarts: 0 }));
  #client: TrainClient;
  #source: DataSource = SUBSET;
  #dataReady: Promise<void> | undefined;
  /** The run in flight: the document it trains and its key. */
  #run: { doc: ResidualDocument; key: string; edited: boolean } | undefined;
  /**
   * The checkpoint a crashed worker left while the run was paused: no worker trains it until
   * the user resumes (a pause must not turn into training by itself).
   */
  #held: Checkpoint | undefined;
  #checkpoint: Checkpoint | undefined;
  #unsubscribe: () => void;

  constructor(readonly editor: EditorStore, factory?: ConstructorParameters<typeof TrainClient>[0]) {
    this.#client = new TrainClient(factory, { onEvent: (e) => this.#onRestart(e) });
    registerTrainer(editor, 'train', () => busy(this.state.getState().phase));
    // An edit of the network during a run stops it: its weights would belong to another network.
    let last = editor.getState().doc;
    this.#unsubscribe = editor.subscribe((s) => {
      if (s.doc === last) return;
      last = s.doc;
      const run = this.#run;
      if (!run || run.edited || trainingKey(s.doc) === run.key) return;
      run.edited = true;
      if (this.#held) {
        // Nothing trains while it is held: the run ends here.
        void this.#finish({ end: 'stopped', steps: this.#held.step, epochs: [], seconds: 0 });
        return;
      }
      this.#set({ phase: 'stopping', message: { key: 'edited', kind: 'error' } });
      void this.#client.control('stop').catch(() => undefined);
    });
    void this.#readCheckpoint();
  }

  #set(p: Partial<TrainState>) {
    this.state.setState(p);
  }

  dispose() {
    this.#unsubscribe();
    this.#client.dispose();
  }

  setSettings(p: Partial<TrainSettings>) {
    this.#set({ settings: { ...this.state.getState().settings, ...p } });
  }

  /** Loads the shipped subset into the worker, once. */
  ensureData(): Promise<void> {
    this.#dataReady ??= this.#load(SUBSET).catch(() => {
      this.#dataReady = undefined;
    });
    return this.#dataReady;
  }

  async #load(source: DataSource): Promise<void> {
    this.#set({ dataLoading: true });
    try {
      const info = await this.#client.data(source);
      this.#source = source;
      this.#set({ data: info, dataError: undefined, dataLoading: false });
    } catch (e) {
      this.#set({ dataError: (e as Error).message, dataLoading: false });
      throw e;
    }
  }

  /** Opens the data set's own IDX files (the full set); a wrong or damaged file is refused and the loaded set stays. */
  async openFiles(files: readonly File[]): Promise<void> {
    if (busy(this.state.getState().phase)) return;
    await this.ensureData();
    await this.#load({ kind: 'files', files }).catch(() => undefined);
  }

  /** Starts a run on the current document, or resumes the checkpoint in IndexedDB. */
  async start(opts: { resume?: boolean } = {}): Promise<void> {
    if (busy(this.state.getState().phase)) return;
    if (otherTraining(this.editor, 'train')) {
      this.#set({ message: { key: 'labBusy', kind: 'error' } });
      return;
    }
    const doc = this.editor.getState().doc;
    const key = trainingKey(doc);
    let resume: Checkpoint | undefined;
    if (opts.resume) {
      resume = await get<Checkpoint>(CHECKPOINT_KEY);
      if (!resume || resume.docKey !== key) {
        this.#set({ resumable: undefined, message: { key: 'resumeGone', kind: 'error' } });
        return;
      }
    }
    this.#set({
      phase: 'starting',
      message: undefined,
      started: undefined,
      progress: undefined,
      steps: resume ? [...resume.history.steps] : [],
      losses: resume ? [...resume.history.losses] : [],
      epochs: resume ? [...resume.history.epochs] : [],
      curveVersion: this.state.getState().curveVersion + 1,
      ...(resume ? { settings: resume.settings } : {}),
      resumable: undefined,
    });
    this.#checkpoint = resume;
    this.#run = { doc, key, edited: false };
    await this.#go(resume);
  }

  async #go(resume: Checkpoint | undefined): Promise<void> {
    const run = this.#run!;
    const settings = resume?.settings ?? this.state.getState().settings;
    let out: TrainRunOut;
    try {
      await this.ensureData();
      if (!this.state.getState().data) throw new Error(this.state.getState().dataError ?? 'no data set is loaded');
      out = await this.#client.train({ doc: run.doc, settings, docKey: run.key, ...(resume ? { resume } : {}) }, (e) => this.#onEvent(e));
    } catch (e) {
      if (e instanceof RuntimeError && (e.kind === 'crash' || e.kind === 'timeout')) return; // #onRestart carries on
      this.#run = undefined;
      this.#set({ phase: 'error', message: { key: 'failed', values: { message: (e as Error).message }, kind: 'error' } });
      return;
    }
    await this.#finish(out);
  }

  async #finish(out: TrainRunOut): Promise<void> {
    const run = this.#run!;
    this.#run = undefined;
    this.#held = undefined;
    await del(CHECKPOINT_KEY).catch(() => undefined);
    this.#checkpoint = undefined;
    if (run.edited) {
      this.#set({ phase: 'edited', message: { key: 'edited', values: { step: out.steps }, kind: 'error' } });
      return;
    }
    const test = out.epochs.at(-1)?.testAccuracy;
    if (out.weights) {
      // Applied only while the network is still the one trained (an edit stops the run first).
      if (trainingKey(this.editor.getState().doc) !== run.key) {
        this.#set({ phase: 'edited', message: { key: 'edited', values: { step: out.steps }, kind: 'error' } });
        return;
      }
      try {
        const ref = await storeWeights(out.weights);
        const doc = this.editor.getState().doc;
        this.editor.setState({ doc: { ...doc, weights: { uri: ref.uri, sha256: ref.sha256 } } });
      } catch (e) {
        this.#set({ phase: 'error', message: { key: 'notSaved', values: { message: (e as Error).message }, kind: 'error' } });
        return;
      }
    }
    if (out.end === 'diverged') {
      const d = out.diverged!;
      this.#set({ phase: 'diverged', message: { key: out.weights ? 'divergedKept' : 'diverged', values: { what: Number.isNaN(d.loss) ? 'NaN' : d.loss > 0 ? '+∞' : '−∞', step: d.step }, kind: 'error' } });
    } else if (out.end === 'stopped') {
      this.#set({ phase: 'stopped', message: { key: out.weights ? 'stoppedApplied' : 'stoppedNothing', values: { step: out.steps }, kind: 'info' } });
    } else {
      this.#set({ phase: 'done', message: { key: test !== undefined ? 'doneTest' : 'done', values: { steps: out.steps, test: test !== undefined ? (test * 100).toFixed(1) : '' }, kind: 'info' } });
    }
  }

  #onEvent(e: TrainEvent) {
    const s = this.state.getState();
    switch (e.type) {
      case 'started':
        this.#set({ started: e, phase: s.phase === 'starting' ? 'training' : s.phase });
        break;
      case 'progress':
        this.#set({ progress: e.p, steps: [...s.steps, ...e.steps], losses: [...s.losses, ...e.losses], curveVersion: s.curveVersion + 1 });
        break;
      case 'epoch':
        if (e.m.complete)
          this.#set({
            epochs: [...s.epochs, { epoch: e.m.epoch, trainAccuracy: e.m.trainAccuracy, trainLoss: e.m.trainLoss, ...(e.m.testAccuracy !== undefined ? { testAccuracy: e.m.testAccuracy } : {}) }],
            curveVersion: s.curveVersion + 1,
          });
        break;
      case 'checkpoint':
        this.#checkpoint = e.checkpoint;
        void set(CHECKPOINT_KEY, e.checkpoint).catch(() => undefined);
        break;
      case 'paused':
        if (s.phase === 'pausing') this.#set({ phase: 'paused' });
        break;
      case 'resumed':
        if (s.phase === 'paused' || s.phase === 'pausing') this.#set({ phase: 'training' });
        break;
    }
  }

  pause() {
    if (this.state.getState().phase !== 'training') return;
    this.#set({ phase: 'pausing' });
    void this.#client.control('pause').catch(() => undefined);
  }

  resume() {
    const p = this.state.getState().phase;
    if (p !== 'paused' && p !== 'pausing') return;
    const held = this.#held;
    if (held) {
      // The crashed worker's replacement trains on from the checkpoint only now.
      this.#held = undefined;
      this.#set({ phase: 'training', message: undefined });
      void this.#go(held);
      return;
    }
    this.#set({ phase: 'training' });
    void this.#client.control('resume').catch(() => undefined);
  }

  stop() {
    if (!busy(this.state.getState().phase)) return;
    const held = this.#held;
    if (held) {
      // Stopping a held run applies the checkpoint's weights, as stopping a paused one would.
      void this.#finish({ end: 'stopped', steps: held.step, epochs: [], seconds: 0, ...(held.step > 0 ? { weights: held.weights } : {}) });
      return;
    }
    this.#set({ phase: 'stopping' });
    void this.#client.control('stop').catch(() => undefined);
  }

  /** Forgets the checkpoint a reload offered. */
  async discardCheckpoint() {
    await del(CHECKPOINT_KEY).catch(() => undefined);
    this.#set({ resumable: undefined });
  }

  async #readCheckpoint() {
    const cp = await get<Checkpoint>(CHECKPOINT_KEY).catch(() => undefined);
    if (!cp || this.#run) return;
    // The epoch it resumes in, 1-based (`cp.epoch` counts the complete ones).
    const perEpoch = Math.max(1, Math.round(cp.totalSteps / Math.max(1, cp.settings.epochs)));
    const epoch = Math.min(cp.settings.epochs, Math.floor(cp.step / perEpoch) + 1);
    this.#set({ resumable: { docKey: cp.docKey, step: cp.step, epoch, totalSteps: cp.totalSteps, savedAt: cp.savedAt, data: cp.data } });
  }

  /**
   * The worker crashed (or hung) during a run: a new one resumes from the last checkpoint. A run
   * that was paused stays paused (held at the checkpoint until Resume); one that was stopping
   * ends, with the checkpoint's weights.
   */
  #onRestart(e: RuntimeEvent) {
    const run = this.#run;
    if (!run || this.#held) return;
    const cp = this.#checkpoint;
    const s = this.state.getState();
    const restarts = s.restarts + 1;
    this.#dataReady = undefined;
    const source = this.#source;
    if (s.phase === 'stopping') {
      this.#set({ restarts });
      void this.#finish({ end: 'stopped', steps: cp?.step ?? 0, epochs: [], seconds: 0, ...(cp && cp.step > 0 && !run.edited ? { weights: cp.weights } : {}) });
      return;
    }
    const paused = (s.phase === 'paused' || s.phase === 'pausing') && cp !== undefined;
    this.#set({
      restarts,
      // 'starting' until the new worker's run has begun: a pause before that would reach no run.
      phase: paused ? 'paused' : 'starting',
      message: { key: paused ? 'crashPaused' : cp ? 'crashResumed' : 'crashRestarted', values: { message: e.message, step: cp?.step ?? 0 }, kind: 'error' },
      ...(paused && s.progress ? { progress: { ...s.progress, step: cp.step } } : {}),
    });
    if (paused) this.#held = cp;
    void (async () => {
      try {
        await this.#load(source);
        this.#dataReady = Promise.resolve();
      } catch {
        /* #go reports the missing data */
      }
      if (cp) this.#set({ steps: [...cp.history.steps], losses: [...cp.history.losses], epochs: [...cp.history.epochs], curveVersion: this.state.getState().curveVersion + 1 });
      else this.#set({ steps: [], losses: [], epochs: [], curveVersion: this.state.getState().curveVersion + 1 });
      if (!paused) await this.#go(cp);
    })();
  }

  /** Test hook: makes the training worker crash (`?trainDebug=1`). */
  crashWorker() {
    void this.#client.request({ type: 'crash' }).promise.catch(() => undefined);
  }
}

const controllers = new WeakMap<EditorStore, TrainController>();
/** The editor's training controller (made on first use). */
export function trainControllerOf(editor: EditorStore): TrainController {
  let c = controllers.get(editor);
  if (!c) controllers.set(editor, (c = new TrainController(editor)));
  return c;
}
