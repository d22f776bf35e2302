import { expect, test } from '@playwright/test';
import * as ortNode from 'onnxruntime-node';
import { buildTemplate } from '../src/templates/templates.ts';
import { compileTraining } from '../src/train/compile-training.ts';
import { DEFAULT_ADAMW, type TrainingOptions, type TrainingResult } from '../src/train/options.ts';
import { dag, type DagNode } from '../src/train/testing/graph.ts';
import { relDiff, testInput } from '../src/onnx/testing/run-ort.ts';
import type { InputSpec } from '../src/graph/types.ts';
import type { PageBatches } from '../app/train-step.ts';
import { b64, fromB64, TrainStep } from './pages/train-step.ts';

/**
 * Training in the browser: the training worker runs one step file — forward in training mode,
 * cross-entropy, backward, SGD with momentum — for 5 steps from the same start on WASM and on
 * WebGPU (SwiftShader's software adapter: correct but slow, so a tiny net only), and both end
 * with the weights and losses onnxruntime-node computes for the same file here in Node. Then each
 * op's gradient rule (and AdamW) in a tiny net of its own, 3 steps each on both backends in the
 * same page: the WebGPU EP has kernels the tiny ResNet never reaches (pooling's scatter, Pad,
 * Concat, grouped and dilated convolutions' gradients).
 */

const N = 4;
const STEPS = 5;
const LR = [0.05, 0.05, 0.04, 0.03, 0.02];
const doc = buildTemplate('tiny-resnet', { input: { channels: 3, height: 8, width: 8 } })!;
const training = compileTraining(doc, { batch: N, stateInitializers: false });
const dims = [N, 3, 8, 8];
const batches = [0, 1].map((k) => ({ input: testInput(N * 3 * 8 * 8, 11 + k), target: Array.from({ length: N }, (_, i) => (i * 3 + k) % 10) }));
const pageBatches: PageBatches = { kind: 'data', batches: batches.map((b) => ({ input: b64(b.input), inputDims: dims, target: b.target })) };
const start = training.initialState();
const openArgs = (backend: 'wasm' | 'webgpu', t: TrainingResult = training, placement = backend === 'webgpu') => ({
  bytes: Buffer.from(t.bytes!).toString('base64'),
  backend,
  state: t.state.map((s) => ({ name: s.name, dims: s.dims, data: b64(t.initialState().get(s.name)!) })),
  placement,
});

type Batch = { readonly input: Float32Array; readonly target: readonly number[] };

/** `steps` steps of a step file in onnxruntime-node from its start values: the reference. */
async function nodeSteps(t: TrainingResult, data: readonly Batch[], inputDims: readonly number[], lr: readonly number[]): Promise<{ losses: number[]; state: Map<string, Float32Array> }> {
  const session = await ortNode.InferenceSession.create(t.bytes!, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const init = t.initialState();
  let state = new Map<string, ortNode.Tensor>(t.state.map((s) => [s.name, new ortNode.Tensor('float32', init.get(s.name)!, [...s.dims])]));
  const losses: number[] = [];
  for (let k = 0; k < lr.length; k++) {
    const b = data[k % data.length]!;
    const n = inputDims[0]!;
    const feeds: Record<string, ortNode.Tensor> = {
      input: new ortNode.Tensor('float32', b.input, [...inputDims]),
      target: new ortNode.Tensor('int64', BigInt64Array.from(b.target, BigInt), [n]),
      lr: new ortNode.Tensor('float32', Float32Array.of(lr[k]!), []),
    };
    for (const [name, x] of state) feeds[name] = x;
    const out = await session.run(feeds);
    losses.push(Number((out['loss']!.data as Float32Array)[0]));
    state = new Map(t.state.map((s) => [s.name, out[`${s.name}.next`]!]));
  }
  await session.release();
  return { losses, state: new Map([...state].map(([k, x]) => [k, x.data as Float32Array])) };
}
const reference = () => nodeSteps(training, batches, dims, LR);

/** Worst relative difference over the state tensors (each against its own scale), and where. */
function worstState(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>, t: TrainingResult = training): { name: string; diff: number } {
  let worst = { name: '', diff: 0 };
  for (const s of t.state) {
    const d = relDiff(a.get(s.name)!, b.get(s.name)!);
    if (!(d <= worst.diff)) worst = { name: s.name, diff: d };
  }
  return worst;
}
const worstLoss = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.max(1e-6, Math.abs(b[i]!))));

test.describe('training step in the browser', () => {
  // SwiftShader's WebGPU is ~70x slower than WASM; even a tiny net's first WebGPU session takes a while.
  test.describe.configure({ timeout: 240_000 });

  test('5 steps on WASM and on WebGPU give onnxruntime-node\'s weights and losses within 1e-4', async ({ page }) => {
    expect(training.bytes, training.diagnostics.map((d) => d.message).join('; ')).toBeDefined();
    const ref = await reference();
    expect(ref.losses.every(Number.isFinite)).toBe(true);
    // The net learns: the loss on the first batch falls between its 1st and 5th step.
    expect(ref.losses[4]!).toBeLessThan(ref.losses[0]!);

    const train = new TrainStep(page);
    await train.goto();
    const results: Record<string, { losses: readonly number[]; state: Map<string, Float32Array> }> = {};
    for (const backend of ['wasm', 'webgpu'] as const) {
      const opened = await train.open(openArgs(backend));
      expect(opened.backend).toBe(backend);
      if (backend === 'webgpu') {
        // Really WebGPU, on SwiftShader's software adapter (forced by playwright.config.ts), with the state kept on the device.
        expect(opened.adapter?.fallback, opened.adapter?.description).toBe(true);
        const onCpu = opened.placement?.['CPUExecutionProvider'] ?? [];
        const counts = Object.fromEntries(Object.entries(opened.placement ?? {}).map(([ep, nodes]) => [ep, nodes.length]));
        const cpuOps = [...new Set(onCpu.map((n) => n.opType))].sort();
        const lacking = (opened.missingKernels ?? []).map((n) => `${n.opType} (${n.name})`);
        const note = `${JSON.stringify(counts)}; on the CPU: ${onCpu.map((n) => `${n.opType} (${n.name})`).join(', ') || 'none'}; no WebGPU kernel: ${lacking.join(', ') || 'none'}`;
        test.info().annotations.push({ type: 'webgpu placement', description: note });
        console.log(`WebGPU node placement ${note}`);
        expect(opened.placement, 'onnxruntime reported where it placed the nodes').toBeDefined();
        // The work of a step — convolutions and their gradients, the classifier — runs on the GPU.
        expect(cpuOps.filter((op) => ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(op))).toEqual([]);
      }
      const ran = await train.steps({ batches: pageBatches, steps: STEPS, lr: LR, returnState: true });
      await train.close();
      expect(ran.losses).toHaveLength(STEPS);
      expect(ran.totalSteps).toBe(STEPS);
      // On WebGPU the weights and optimiser state stayed on the device between steps.
      expect(ran.stateLocation).toBe(backend === 'webgpu' ? 'gpu-buffer' : 'cpu');
      results[backend] = { losses: ran.losses, state: new Map(ran.state!.map((t) => [t.name, fromB64(t)])) };
    }
    const wasm = results['wasm']!;
    const gpu = results['webgpu']!;
    console.log(`losses node ${ref.losses.map((l) => l.toFixed(5)).join(' ')} | wasm ${wasm.losses.map((l) => l.toFixed(5)).join(' ')} | webgpu ${gpu.losses.map((l) => l.toFixed(5)).join(' ')}`);
    const wasmVsNode = worstState(wasm.state, ref.state);
    const gpuVsWasm = worstState(gpu.state, wasm.state);
    console.log(`worst state difference: wasm vs node ${wasmVsNode.diff.toExponential(2)} (${wasmVsNode.name}), webgpu vs wasm ${gpuVsWasm.diff.toExponential(2)} (${gpuVsWasm.name})`);
    expect(worstLoss(wasm.losses, ref.losses)).toBeLessThanOrEqual(1e-4);
    expect(worstLoss(gpu.losses, wasm.losses)).toBeLessThanOrEqual(1e-4);
    expect(wasmVsNode.diff, wasmVsNode.name).toBeLessThanOrEqual(1e-4);
    expect(gpuVsWasm.diff, gpuVsWasm.name).toBeLessThanOrEqual(1e-4);
    // And training moved the weights (a test that compares two copies of the start would pass too).
    expect(relDiff(wasm.state.get('fc.weight')!, start.get('fc.weight')!)).toBeGreaterThan(1e-3);
  });

  test('a file onnxruntime cannot load, and steps with nothing open, are errors, not hangs; a long run stops when cancelled', async ({ page }) => {
    const train = new TrainStep(page);
    await train.goto();
    expect(await train.bad('garbage-file')).toMatch(/could not load the step file/);
    expect(await train.bad('steps-before-open')).toMatch(/no step file is open/);
    // 20,000 steps would take minutes: cancelled after a moment, the worker stops after the step
    // in flight and serves the next request (one step) at once.
    await train.open(openArgs('wasm'));
    const { message, totalAfter } = await train.cancelDuring({ batches: pageBatches, steps: 20_000, lr: 0.01 }, 300);
    expect(message).toMatch(/superseded|cancel/);
    expect(totalAfter).toBeLessThan(20_000);
    await train.close();
  });

  test('each op\'s gradient, and AdamW, give the same weights on WebGPU as on WASM and in onnxruntime-node', async ({ page }) => {
    const train = new TrainStep(page);
    await train.goto();
    const failures: string[] = [];
    for (const c of OP_CASES) {
      const t = compileTraining(dag([...c.nodes, ...headAfter(c.nodes.length)], OP_INPUT), { batch: OP_N, stateInitializers: false, ...c.opts });
      expect(t.bytes, `${c.name}: ${t.diagnostics.map((d) => d.message).join('; ')}`).toBeDefined();
      const lr = c.lr ?? OP_LR;
      const ref = await nodeSteps(t, opBatches, opDims, lr);
      const ran: Record<string, { losses: readonly number[]; state: Map<string, Float32Array> }> = {};
      try {
        for (const backend of ['wasm', 'webgpu'] as const) {
          await train.open(openArgs(backend, t, false));
          const r = await train.steps({ batches: opPageBatches, steps: lr.length, lr, returnState: true });
          await train.close();
          ran[backend] = { losses: r.losses, state: new Map(r.state!.map((x) => [x.name, fromB64(x)])) };
        }
      } catch (e) {
        failures.push(`${c.name}: ${(e as Error).message.split('\n')[0]}`);
        await train.close();
        continue;
      }
      const gpu = worstState(ran['webgpu']!.state, ran['wasm']!.state, t);
      const cpu = worstState(ran['wasm']!.state, ref.state, t);
      // Training moved every parameter (two copies of the start would agree too).
      const moved = Math.min(...t.state.filter((x) => x.role === 'param').map((x) => relDiff(ran['wasm']!.state.get(x.name)!, t.initialState().get(x.name)!)));
      console.log(`${c.name}: webgpu vs wasm ${gpu.diff.toExponential(2)} (${gpu.name}), wasm vs node ${cpu.diff.toExponential(2)} (${cpu.name}), least move ${moved.toExponential(2)}`);
      if (!(gpu.diff <= 1e-4)) failures.push(`${c.name}: WebGPU differs from WASM by ${gpu.diff.toExponential(2)} in ${gpu.name}`);
      if (!(worstLoss(ran['webgpu']!.losses, ran['wasm']!.losses) <= 1e-4)) failures.push(`${c.name}: WebGPU's losses ${ran['webgpu']!.losses.join(' ')} vs WASM's ${ran['wasm']!.losses.join(' ')}`);
      // Dropout's masks come from each build's own random generator: only WASM and WebGPU (the same build) share them.
      if (!c.ownRandom && !(cpu.diff <= 1e-4)) failures.push(`${c.name}: WASM differs from onnxruntime-node by ${cpu.diff.toExponential(2)} in ${cpu.name}`);
      if (!(moved > 1e-4)) failures.push(`${c.name}: a parameter did not move (${moved.toExponential(2)})`);
    }
    expect(failures).toEqual([]);
  });
});

/* ---------- the per-op cases: tiny nets, each an op (or optimiser) under test and a classifier ---------- */

interface OpCase {
  readonly name: string;
  /** The layers before the classifier (node 0 is the input; see `dag`). */
  readonly nodes: readonly DagNode[];
  readonly opts?: TrainingOptions;
  /** Draws random numbers (Dropout): onnxruntime-node's generator is not the browser build's. */
  readonly ownRandom?: boolean;
  /** Learning rates of the steps (AdamW's steps are about lr each, SGD's lr times the gradient). */
  readonly lr?: readonly number[];
}

const OP_N = 2;
const OP_INPUT: InputSpec = { channels: 3, height: 7, width: 7 };
const OP_LR = [0.05, 0.05, 0.04];
const conv = (outChannels: number, kernel: number, stride: number, padding: number, more: Record<string, number | boolean> = {}, from = 0): DagNode => ['Conv2d', { outChannels, kernel, stride, padding, ...more }, [from]];
/** Flatten and a 3-class Linear after node `last`. */
const headAfter = (last: number): DagNode[] => [
  ['Flatten', {}, [last]],
  ['Linear', { outFeatures: 3 }, [last + 1]],
];
const OP_CASES: readonly OpCase[] = [
  { name: 'MaxPool2d 3/2/1', nodes: [conv(4, 3, 1, 1), ['MaxPool2d', { kernel: 3, stride: 2, padding: 1 }, [1]]] },
  { name: 'MaxPool2d 2/2/0 ceil after ReLU', nodes: [conv(4, 3, 1, 1), ['ReLU', {}, [1]], ['MaxPool2d', { kernel: 2, stride: 2, padding: 0, ceilMode: true }, [2]]] },
  { name: 'AvgPool2d 3/2/1', nodes: [conv(4, 3, 1, 1), ['AvgPool2d', { kernel: 3, stride: 2, padding: 1 }, [1]]] },
  { name: 'AvgPool2d 2/2/0 ceil exclude pad', nodes: [conv(4, 3, 1, 1), ['AvgPool2d', { kernel: 2, stride: 2, padding: 0, ceilMode: true, countIncludePad: false }, [1]]] },
  { name: 'ZeroPadShortcut s2 (option A)', nodes: [conv(2, 3, 1, 1), ['ZeroPadShortcut', { outChannels: 4, stride: 2 }, [1]]] },
  { name: 'ZeroPadShortcut s1, odd extra channels', nodes: [conv(2, 3, 1, 1), ['ZeroPadShortcut', { outChannels: 5, stride: 1 }, [1]]] },
  { name: 'Dropout p=0.3', nodes: [conv(4, 3, 1, 1), ['Dropout', { p: 0.3 }, [1]]], ownRandom: true },
  { name: 'LeakyReLU 0.2', nodes: [conv(4, 3, 1, 1), ['LeakyReLU', { alpha: 0.2 }, [1]]] },
  { name: 'Sigmoid', nodes: [conv(4, 3, 1, 1), ['Sigmoid', {}, [1]]] },
  { name: 'Softmax (class scores)', nodes: [conv(2, 3, 2, 1), ['Flatten', {}, [1]], ['Linear', { outFeatures: 5 }, [2]], ['Softmax', {}, [3]]] },
  { name: 'Concat', nodes: [conv(2, 3, 1, 1), ['Concat', { inputs: 2 }, [1, 0]]] },
  { name: 'Concat of 9', nodes: [conv(1, 3, 1, 1), ['Concat', { inputs: 9 }, [1, 0, 1, 0, 1, 0, 1, 0, 1]]] },
  { name: 'Conv2d 3x3 s2 p1 (odd input)', nodes: [conv(4, 3, 2, 1)] },
  { name: 'Conv2d groups 3 s2 bias', nodes: [conv(6, 3, 2, 1, { groups: 3, bias: true })] },
  { name: 'Conv2d dilation 2 p2', nodes: [conv(4, 3, 1, 2, { dilation: 2 })] },
  { name: 'Conv2d 1x1 s2 after a conv', nodes: [conv(4, 3, 1, 1), conv(6, 1, 2, 0, {}, 1)] },
  { name: 'AdamW: conv, BatchNorm, ReLU', nodes: [conv(4, 3, 1, 1), ['BatchNorm2d', {}, [1]], ['ReLU', {}, [2]]], opts: { optimizer: { ...DEFAULT_ADAMW, weightDecay: 0.05 } }, lr: [3e-3, 3e-3, 2e-3] },
];
const opDims = [OP_N, OP_INPUT.channels, OP_INPUT.height, OP_INPUT.width];
const opBatches: Batch[] = [0, 1].map((k) => ({ input: testInput(opDims.reduce((a, b) => a * b), 31 + k), target: Array.from({ length: OP_N }, (_, i) => (i + k) % 3) }));
const opPageBatches: PageBatches = { kind: 'data', batches: opBatches.map((b) => ({ input: b64(b.input), inputDims: opDims, target: b.target })) };
