import { describe, expect, it } from 'vitest';
import type { WorkerLike } from '../../runtime/client.ts';
import type { TrainEvent, TrainRequest, TrainResponse } from '../../runtime/train-protocol.ts';
import { createEditorStore } from '../../store/editor-store.ts';
import { LAB_DEFAULTS } from '../../../src/lab/degradation.ts';
import { LabController, LAB_NETS, LAB_SETTINGS, tailMean, trainErrorOf } from './lab-controller.ts';

type Run = Extract<TrainRequest, { type: 'train' }>;

/**
 * A scripted training worker: loads any data set, and trains by posting `steps` progress events
 * whose batch error is `error(run)` (the plain net's high, the residual's low), one epoch, then
 * the end — or waits for a stop when `hold` is set.
 */
class FakeTrainWorker implements WorkerLike<TrainResponse> {
  static runs: Run['run'][] = [];
  private fn: ((ev: MessageEvent<TrainResponse>) => void)[] = [];
  private stop: (() => void) | undefined;
  constructor(private readonly o: { steps: number; hold?: boolean }) {}
  postMessage(msg: unknown) {
    const req = msg as TrainRequest;
    const answer = (out: unknown) => queueMicrotask(() => this.fn.forEach((f) => f({ data: { type: 'result', id: req.id, out } } as MessageEvent<TrainResponse>)));
    if (req.type === 'data') answer({ name: 'Fashion-MNIST subset', train: { count: 12000, height: 28, width: 28, classes: 10 }, files: [] });
    else if (req.type === 'control') {
      answer({ applied: true });
      if (req.action === 'stop') this.stop?.();
    } else if (req.type === 'train') void this.train(req, answer);
  }
  async train(req: Run, answer: (out: unknown) => void) {
    FakeTrainWorker.runs.push(req.run);
    const plain = !req.run.doc.nodes.some((n) => n.op === 'Add' || n.op === 'BasicBlock' || n.op === 'Stage');
    const post = (e: TrainEvent) => req.port.postMessage(e);
    const n = this.o.steps;
    post({ type: 'started', backend: 'wasm', threads: 1, note: '', totalSteps: n, stepsPerEpoch: n, startStep: 0 });
    const steps = Array.from({ length: n }, (_, i) => i + 1);
    const p = { step: n, totalSteps: n, epoch: 1, epochs: 1, stepInEpoch: n, stepsPerEpoch: n, loss: 1, epochLoss: 1, correct: 0, lr: 0.1, imagesPerSecond: 100, elapsedSeconds: 1, secondsLeft: 0 };
    if (this.o.hold) {
      post({ type: 'progress', p: { ...p, step: 2 }, steps: [1, 2], losses: [2.3, 2.2], errors: [0.9, 0.9] });
      await new Promise<void>((r) => (this.stop = r));
      answer({ end: 'stopped', steps: 2, epochs: [], seconds: 1 });
      return;
    }
    post({ type: 'progress', p, steps, losses: steps.map((s) => 2.3 / s), errors: steps.map(() => (plain ? 0.6 : 0.2)) });
    const m = { epoch: 1, complete: true, steps: n, images: 64 * n, trainLoss: 1, trainAccuracy: plain ? 0.4 : 0.8, testAccuracy: plain ? 0.35 : 0.75, lr: 0.1, trainSeconds: 1, evalSeconds: 0 };
    post({ type: 'epoch', m });
    // The port's events may land after the answer (another channel): the controller must not care.
    setTimeout(() => answer({ end: 'done', steps: n, epochs: [m], seconds: 2 }), 0);
  }
  terminate() {}
  addEventListener(type: 'message' | 'error', fn: (ev: never) => void) {
    if (type === 'message') this.fn.push(fn as (ev: MessageEvent<TrainResponse>) => void);
  }
}

const settled = async (lab: LabController, phase: string) => {
  for (let i = 0; i < 200 && lab.state.getState().phase !== phase; i++) await new Promise((r) => setTimeout(r, 5));
  expect(lab.state.getState().phase).toBe(phase);
};

describe('the degradation lab’s controller', () => {
  it('trains the plain and the residual net of the chosen depth under one budget, and keeps both curves apart', async () => {
    FakeTrainWorker.runs = [];
    const editor = createEditorStore();
    const doc = editor.getState().doc;
    const lab = new LabController(editor, { factory: () => new FakeTrainWorker({ steps: 20 }) });
    lab.open({ depth: 20 });
    expect(lab.state.getState()).toMatchObject({ open: true, depth: 20, phase: 'idle' });
    await lab.start();
    await settled(lab, 'done');
    // The runs' last progress events travel on their own channel and may land after the answers.
    for (let i = 0; i < 200 && LAB_NETS.some((n) => lab.state.getState().runs[n].errors.length < 20); i++) await new Promise((r) => setTimeout(r, 5));
    // One run per net, the same budget and seed, fresh weights, on WASM.
    expect(FakeTrainWorker.runs).toHaveLength(2);
    for (const r of FakeTrainWorker.runs) expect(r.settings).toEqual(LAB_SETTINGS);
    expect(LAB_SETTINGS).toMatchObject({ lr: LAB_DEFAULTS.lr, batch: 64, epochs: LAB_DEFAULTS.epochs, trainLimit: LAB_DEFAULTS.trainLimit, fresh: true, seed: 0, backend: 'wasm', schedule: 'constant', augment: false });
    const kinds = FakeTrainWorker.runs.map((r) => r.doc.nodes.filter((n) => n.op === 'Add' || n.op === 'BasicBlock').length).sort((a, b) => a - b);
    expect(kinds).toEqual([0, 9]); // plain-20 has no residual block, ResNet-20 nine
    const { runs } = lab.state.getState();
    expect(runs.plain.errors).toHaveLength(20);
    expect(runs.residual.losses).toHaveLength(20);
    expect(trainErrorOf(runs.plain)).toBeCloseTo(0.6);
    expect(trainErrorOf(runs.residual)).toBeCloseTo(0.2);
    expect(runs.plain.final?.testError).toBeCloseTo(0.65);
    expect(runs.residual.final?.testError).toBeCloseTo(0.25);
    // The open document is not the lab's: untouched.
    expect(editor.getState().doc).toBe(doc);
  });

  it('stops both runs, and a depth change waits until nothing trains', async () => {
    const lab = new LabController(createEditorStore(), { factory: () => new FakeTrainWorker({ steps: 10, hold: true }) });
    lab.open({ depth: 8 });
    void lab.start();
    await settled(lab, 'training');
    lab.setDepth(14);
    expect(lab.state.getState().depth).toBe(8);
    lab.stop();
    await settled(lab, 'stopped');
    expect(lab.state.getState().runs.plain.phase).toBe('stopped');
    lab.setDepth(14);
    expect(lab.state.getState()).toMatchObject({ depth: 14, phase: 'idle' });
    expect(lab.state.getState().pair?.depth).toBe(14);
  });

  it('reads the end of a curve as the mean of its last tenth', () => {
    expect(tailMean([1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5])).toBe(0.5);
    expect(tailMean(Array.from({ length: 40 }, (_, i) => (i < 36 ? 1 : 0)))).toBe(0);
    expect(tailMean([])).toBeNaN();
  });
});
