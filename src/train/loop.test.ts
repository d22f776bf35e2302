import { describe, expect, it } from 'vitest';
import { inputAdapter, type ImageDataset } from '../data/dataset.ts';
import { buildTemplate } from '../templates/templates.ts';
import type { StoredTensor } from '../weights/types.ts';
import { epochOrder, modelEvaluator, optimizerStateOf, RunControl, stateToWeights, trainLoop, type HostTensor, type StepRunner, type Tensors, type TrainLoopOptions } from './loop.ts';
import type { OwnedStateTensor } from './options.ts';
import { learningRate, type ScheduleSpec } from './schedule.ts';

/** `count` 2×2 pictures whose first pixel is the item's index, so a batch says which items it holds. */
function dataset(count: number, classes = 4): ImageDataset {
  const images = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) images[i * 4] = i;
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % classes), count, height: 2, width: 2, classes };
}
const spec = { channels: 1, height: 2, width: 2 };

const STATE: OwnedStateTensor[] = [
  { name: 'fc.weight', dims: [1], role: 'param', owner: 'Linear#1' },
  { name: 'bn.running_mean', dims: [1], role: 'buffer', owner: 'BN#1' },
  { name: 'fc.weight.momentum_buffer', dims: [1], role: 'optimizer' },
];

/**
 * A step file stand-in: w' = w - lr·2w (gradient descent on loss = w², w = 1 at the start, as
 * its initializer), the buffer counts steps, `correct` counts labels equal to 0. It records
 * what each run was fed.
 */
function fakeStep(opts: { nanAt?: number; onRun?: (n: number) => void } = {}) {
  const runs: { items: number[]; targets: number[]; lr: number; fed: Record<string, HostTensor | undefined> }[] = [];
  const outputs: Tensors[] = [];
  const runner: StepRunner = {
    run(feeds) {
      const input = feeds['input']!;
      const [n, , h, w] = input.dims as [number, number, number, number];
      const items = Array.from({ length: n }, (_, k) => Math.round((input.data[k * h * w] as number) * 255));
      const targets = [...(feeds['target']!.data as BigInt64Array)].map(Number);
      const lr = Number(feeds['lr']!.data[0]);
      runs.push({ items, targets, lr, fed: Object.fromEntries(STATE.map((s) => [s.name, feeds[s.name]])) });
      opts.onRun?.(runs.length);
      const wv = feeds['fc.weight'] ? Number(feeds['fc.weight'].data[0]) : 1;
      const steps = feeds['bn.running_mean'] ? Number(feeds['bn.running_mean'].data[0]) : 0;
      const out: Tensors = {
        loss: { data: Float32Array.of(runs.length === opts.nanAt ? NaN : wv * wv), dims: [] },
        logits: { data: new Float32Array(n * 4), dims: [n, 4] },
        correct: { data: BigInt64Array.of(BigInt(targets.filter((t) => t === 0).length)), dims: [] },
        'fc.weight.next': { data: Float32Array.of(wv - lr * 2 * wv), dims: [1] },
        'bn.running_mean.next': { data: Float32Array.of(steps + 1), dims: [1] },
        'fc.weight.momentum_buffer.next': { data: Float32Array.of(2 * wv), dims: [1] },
      };
      outputs.push(out);
      return out;
    },
  };
  return { runner, runs, outputs };
}

const base = (train: ImageDataset, over: Partial<TrainLoopOptions> = {}): TrainLoopOptions => ({
  runner: fakeStep().runner,
  state: STATE,
  train,
  input: inputAdapter(train, spec),
  batch: 4,
  epochs: 3,
  seed: 1,
  schedule: { kind: 'constant', lr: 0.1 },
  ...over,
});

describe('trainLoop', () => {
  it('each epoch visits a seeded permutation in full batches; the last partial batch is dropped', async () => {
    const train = dataset(10);
    const step = fakeStep();
    const r = await trainLoop(base(train, { runner: step.runner }));
    expect(r.steps).toBe(6); // 10 images, batch 4: 2 steps an epoch, 2 images left out
    expect(r.end).toBe('done');
    const epochs = [0, 1, 2].map((e) => step.runs.slice(2 * e, 2 * e + 2).flatMap((s) => s.items));
    for (const [e, items] of epochs.entries()) {
      expect(new Set(items).size).toBe(8);
      expect(items).toEqual([...epochOrder(10, 1, e).subarray(0, 8)]);
    }
    expect(epochs[0]).not.toEqual(epochs[1]);
    // Targets travel with their pictures.
    for (const s of step.runs) expect(s.targets).toEqual(s.items.map((i) => i % 4));
  });

  it('the order is a permutation, the same for the same seed and epoch, another for another seed', () => {
    const a = epochOrder(1000, 7, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochOrder(1000, 7, 0)).toEqual(a);
    expect(epochOrder(1000, 8, 0)).not.toEqual(a);
    expect(epochOrder(1000, 7, 1)).not.toEqual(a);
  });

  it('feeds each <name>.next back as <name> from the second step; the first uses the initializers', async () => {
    const step = fakeStep();
    const r = await trainLoop(base(dataset(8), { runner: step.runner }));
    expect(Object.values(step.runs[0]!.fed).every((v) => v === undefined)).toBe(true);
    for (let i = 1; i < step.runs.length; i++) {
      for (const s of STATE) expect(step.runs[i]!.fed[s.name]).toBe(step.outputs[i - 1]![`${s.name}.next`]);
    }
    // w = 1, then ×(1 - 0.2) per step; the buffer counted all 6 steps.
    expect(Number(r.state.get('fc.weight')!.data[0])).toBeCloseTo(0.8 ** 6, 6);
    expect(Number(r.state.get('bn.running_mean')!.data[0])).toBe(6);
  });

  it('feeds initialState on the first step, for step files whose state has no initializers', async () => {
    const step = fakeStep();
    const start = new Map<string, HostTensor>(STATE.map((s) => [s.name, { data: Float32Array.of(0.5), dims: [1] }]));
    const r = await trainLoop(base(dataset(4), { runner: step.runner, epochs: 1, initialState: start }));
    for (const s of STATE) expect(step.runs[0]!.fed[s.name]).toBe(start.get(s.name));
    expect(Number(r.state.get('fc.weight')!.data[0])).toBeCloseTo(0.5 * 0.8, 6);
  });

  it('applies the schedule per step, with the run\'s total steps and steps per epoch', async () => {
    const spec: ScheduleSpec = { kind: 'cosine', lr: 0.5, warmupSteps: 2 };
    const step = fakeStep();
    await trainLoop(base(dataset(12), { runner: step.runner, schedule: spec }));
    expect(step.runs.map((s) => s.lr)).toEqual(Array.from({ length: 9 }, (_, t) => Math.fround(learningRate(spec, t, 9, 3))));
  });

  it('per-epoch metrics: mean loss, accuracy from correct, test accuracy from the evaluator on the trained weights', async () => {
    const seen: { epoch: number; weights: Map<string, StoredTensor> }[] = [];
    const r = await trainLoop(
      base(dataset(8), {
        runner: fakeStep().runner,
        epochs: 2,
        evaluate: (weights, { epoch }) => {
          seen.push({ epoch, weights: new Map(weights) });
          return { accuracy: epoch / 10 };
        },
      }),
    );
    expect(r.epochs.map((m) => [m.epoch, m.complete, m.steps, m.images])).toEqual([
      [1, true, 2, 8],
      [2, true, 2, 8],
    ]);
    // Losses are w² at w = 1, 0.8 | 0.64, 0.512; labels are i % 4, so 2 of 8 are 0.
    expect(r.epochs[0]!.trainLoss).toBeCloseTo((1 + 0.64) / 2, 6);
    expect(r.epochs[1]!.trainLoss).toBeCloseTo((0.8 ** 4 + 0.8 ** 6) / 2, 6);
    expect(r.epochs.map((m) => m.trainAccuracy)).toEqual([0.25, 0.25]);
    expect(r.epochs.map((m) => m.testAccuracy)).toEqual([0.1, 0.2]);
    expect(seen.map((s) => s.epoch)).toEqual([1, 2]);
    const w = seen[0]!.weights;
    expect([...w.keys()].sort()).toEqual(['bn.running_mean', 'fc.weight']);
    expect(w.get('fc.weight')).toMatchObject({ dims: [1], owner: 'Linear#1', origin: 'trained' });
    expect(w.get('fc.weight')!.data[0]).toBeCloseTo(0.64, 6);
  });

  it('stops after the step in flight; the state is that step\'s', async () => {
    const control = new RunControl();
    const step = fakeStep({ onRun: (n) => n === 3 && control.stop() });
    const r = await trainLoop(base(dataset(8), { runner: step.runner, control, evaluate: () => ({ accuracy: 1 }) }));
    expect([r.end, r.steps, step.runs.length]).toEqual(['stopped', 3, 3]);
    expect(Number(r.state.get('bn.running_mean')!.data[0])).toBe(3);
    expect(r.epochs.map((m) => [m.epoch, m.complete, m.steps, m.testAccuracy])).toEqual([
      [1, true, 2, 1],
      [2, false, 1, undefined],
    ]);
  });

  it('an AbortSignal stops it too', async () => {
    const ac = new AbortController();
    const step = fakeStep({ onRun: (n) => n === 2 && ac.abort() });
    const r = await trainLoop(base(dataset(8), { runner: step.runner, control: ac.signal, evaluate: () => ({ accuracy: 1 }) }));
    // Stopped at the end of epoch 1: no evaluation of weights the user asked not to wait for.
    expect([r.end, r.steps]).toEqual(['stopped', 2]);
    expect(r.epochs[0]!.testAccuracy).toBeUndefined();
  });

  it('pauses between steps until resumed, and does not count the pause as training time', async () => {
    const control = new RunControl();
    let clock = 0;
    let pausedRuns = 0;
    const step = fakeStep({
      onRun: (n) => {
        clock += 10;
        if (control.paused) pausedRuns++;
        if (n === 2) {
          control.pause();
          setTimeout(() => {
            clock += 1000; // a long pause
            control.resume();
          }, 5);
        }
      },
    });
    const progress: number[] = [];
    const r = await trainLoop(base(dataset(8), { runner: step.runner, control, now: () => clock, onProgress: (p) => progress.push(p.elapsedSeconds) }));
    expect([r.end, r.steps, pausedRuns]).toEqual(['done', 6, 0]);
    expect(r.seconds).toBeCloseTo(0.06, 6);
    expect(progress.at(-1)).toBeCloseTo(0.06, 6);
  });

  it('progress: step counts, epoch loss, throughput and time left', async () => {
    let clock = 0;
    const step = fakeStep({ onRun: () => (clock += 100) });
    const seen: { step: number; stepInEpoch: number; secondsLeft: number; imagesPerSecond: number }[] = [];
    await trainLoop(base(dataset(12), { runner: step.runner, now: () => clock, progressEvery: 2, onProgress: (p) => seen.push(p) }));
    // 3 steps an epoch, reported every 2 steps and at each epoch's end.
    expect(seen.map((p) => [p.step, p.stepInEpoch])).toEqual([
      [2, 2],
      [3, 3],
      [5, 2],
      [6, 3],
      [8, 2],
      [9, 3],
    ]);
    expect(seen[0]!.imagesPerSecond).toBeCloseTo(40, 6); // 4 images per 100 ms
    expect(seen[0]!.secondsLeft).toBeCloseTo(0.7, 6); // 7 steps of 100 ms
    expect(seen.at(-1)!.secondsLeft).toBe(0);
  });

  it('a loss that is not finite ends the run with the state of the step before', async () => {
    const step = fakeStep({ nanAt: 3 });
    const r = await trainLoop(base(dataset(8), { runner: step.runner }));
    expect([r.end, r.steps]).toEqual(['diverged', 2]);
    expect(Number(r.state.get('bn.running_mean')!.data[0])).toBe(2);
    expect(r.epochs.map((m) => m.complete)).toEqual([true]);
  });

  it('resumed at a step, it runs the rest of the run as an uninterrupted one: same batches, augmentation and rates', async () => {
    const train = dataset(12);
    const o = { epochs: 3, schedule: { kind: 'cosine', lr: 0.5 } as ScheduleSpec, augment: { cropPadding: 1, flip: true } };
    const whole = fakeStep();
    const full = await trainLoop(base(train, { runner: whole.runner, ...o }));
    const rest = fakeStep();
    const start = new Map(STATE.map((s) => [s.name, whole.outputs[3]![`${s.name}.next`]!]));
    const epochs: number[] = [];
    const r = await trainLoop(base(train, { runner: rest.runner, ...o, startStep: 4, initialState: start, onEpoch: (m) => void epochs.push(m.epoch) }));
    const strip = (x: (typeof whole.runs)[number]) => ({ items: x.items, targets: x.targets, lr: x.lr });
    expect(rest.runs.map(strip)).toEqual(whole.runs.slice(4).map(strip));
    expect([r.steps, r.end, epochs]).toEqual([9, 'done', [2, 3]]);
    expect(r.epochs[0]!.steps).toBe(2); // the resumed epoch counts the steps it ran
    expect(Number(r.state.get('bn.running_mean')!.data[0])).toBe(Number(full.state.get('bn.running_mean')!.data[0]));
  });

  it('a runner whose state stays on a device is asked for host copies only where numbers are read', async () => {
    const step = fakeStep();
    const asked: number[] = [];
    const copies = new WeakSet<HostTensor>();
    const runner: StepRunner = {
      run: step.runner.run,
      async toHost(t) {
        asked.push(step.runs.length);
        return new Map([...t].map(([k, v]) => {
          const c = { data: Float32Array.from(v.data as Float32Array), dims: v.dims };
          copies.add(c);
          return [k, c];
        }));
      },
    };
    const fed: boolean[] = [];
    const r = await trainLoop(base(dataset(8), { runner, epochs: 2, onEpoch: (_m, st) => void fed.push(copies.has(st.get('fc.weight')!)) }));
    expect(asked).toEqual([2, 4, 4]); // each epoch's end, and the returned state
    expect(fed).toEqual([true, true]);
    expect(step.runs.slice(1).every((x, i) => x.fed['fc.weight'] === step.outputs[i]!['fc.weight.next'])).toBe(true); // the device's tensors fed on
    expect(copies.has(r.state.get('fc.weight')!)).toBe(true);
  });

  it('refuses a data set smaller than one batch, and a step file that forgets a state output', async () => {
    await expect(trainLoop(base(dataset(3)))).rejects.toThrow(/3 training images are fewer than one batch of 4/);
    const broken: StepRunner = { run: (f) => ({ ...fakeStep().runner.run(f), 'bn.running_mean.next': undefined as unknown as HostTensor }) };
    await expect(trainLoop(base(dataset(8), { runner: broken }))).rejects.toThrow(/no 'bn.running_mean.next'/);
  });
});

describe('trained state as weights', () => {
  const state = new Map<string, HostTensor>([
    ['fc.weight', { data: Float32Array.of(0.5), dims: [1] }],
    ['bn.running_mean', { data: Float64Array.of(2), dims: [1] }],
    ['fc.weight.momentum_buffer', { data: Float32Array.of(3), dims: [1] }],
  ]);

  it('stateToWeights: params and buffers with their owners, origin trained, over the starting weights', () => {
    const start = new Map<string, StoredTensor>([
      ['fc.weight', { dims: [1], data: Float32Array.of(9), owner: 'Linear#1', origin: 'imported' }],
      ['other.weight', { dims: [1], data: Float32Array.of(7), owner: 'Conv#1', origin: 'imported' }],
    ]);
    const w = stateToWeights(state, STATE, start);
    expect([...w.keys()].sort()).toEqual(['bn.running_mean', 'fc.weight', 'other.weight']);
    expect(w.get('fc.weight')).toEqual({ dims: [1], data: Float32Array.of(0.5), owner: 'Linear#1', origin: 'trained' });
    expect(w.get('bn.running_mean')!.data).toEqual(Float32Array.of(2));
    expect(w.get('other.weight')!.origin).toBe('imported');
  });

  it('optimizerStateOf: the optimiser\'s tensors, to resume from', () => {
    expect([...optimizerStateOf(state, STATE)]).toEqual([['fc.weight.momentum_buffer', Float32Array.of(3)]]);
  });
});

describe('modelEvaluator', () => {
  it('compiles the inference model with the weights, runs the test set in batches and counts top-1 hits', async () => {
    const doc = buildTemplate('fashion-resnet')!;
    const count = 10;
    const images = new Uint8Array(count * 28 * 28);
    for (let i = 0; i < count; i++) images[i * 784] = i;
    const test: ImageDataset = { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, height: 28, width: 28, classes: 10 };
    const opened: number[] = [];
    const batches: number[] = [];
    let released = 0;
    const evaluate = modelEvaluator({
      doc,
      test,
      batch: 4,
      open: (bytes) => {
        opened.push(bytes.length);
        return {
          run: (feeds) => {
            const x = feeds['input']!;
            const n = x.dims[0]!;
            batches.push(n);
            // Right for even items, wrong for odd ones: logits peak at the label, or one past it.
            const logits = new Float32Array(n * 10);
            for (let k = 0; k < n; k++) {
              const item = Math.round(((x.data[k * 784] as number) * 0.353 + 0.286) * 255);
              logits[k * 10 + ((item % 10) + (item % 2)) % 10] = 5;
            }
            return { logits: { data: logits, dims: [n, 10] } };
          },
          release: () => void released++,
        };
      },
    });
    const r = await evaluate(new Map(), { epoch: 1 });
    expect(r.accuracy).toBe(0.5);
    expect(r.loss).toBeGreaterThan(0);
    expect([opened.length, batches, released]).toEqual([1, [4, 4, 2], 1]);
    expect(opened[0]).toBeGreaterThan(1000);
  });
});
