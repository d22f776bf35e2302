import { expect, test } from '@playwright/test';
import * as ortNode from 'onnxruntime-node';
import { buildTemplate } from '../src/templates/templates.ts';
import { compileTraining } from '../src/train/compile-training.ts';
import { relDiff, testInput } from '../src/onnx/testing/run-ort.ts';
import type { PageBatches } from '../app/train-step.ts';
import { b64, fromB64, TrainStep } from './pages/train-step.ts';

/**
 * Training in the browser: the training worker runs one step file — forward in training mode,
 * cross-entropy, backward, SGD with momentum — for 5 steps from the same start on WASM and on
 * WebGPU (SwiftShader's software adapter: correct but slow, so a tiny net only), and both end
 * with the weights and losses onnxruntime-node computes for the same file here in Node.
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
const openArgs = (backend: 'wasm' | 'webgpu') => ({
  bytes: Buffer.from(training.bytes!).toString('base64'),
  backend,
  state: training.state.map((s) => ({ name: s.name, dims: s.dims, data: b64(start.get(s.name)!) })),
  placement: backend === 'webgpu',
});

/** The same 5 steps in onnxruntime-node: the reference. */
async function reference(): Promise<{ losses: number[]; state: Map<string, Float32Array> }> {
  const session = await ortNode.InferenceSession.create(training.bytes!, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  let state = new Map<string, ortNode.Tensor>(training.state.map((s) => [s.name, new ortNode.Tensor('float32', start.get(s.name)!, [...s.dims])]));
  const losses: number[] = [];
  for (let k = 0; k < STEPS; k++) {
    const b = batches[k % batches.length]!;
    const feeds: Record<string, ortNode.Tensor> = {
      input: new ortNode.Tensor('float32', b.input, dims),
      target: new ortNode.Tensor('int64', BigInt64Array.from(b.target, BigInt), [N]),
      lr: new ortNode.Tensor('float32', Float32Array.of(LR[k]!), []),
    };
    for (const [name, t] of state) feeds[name] = t;
    const out = await session.run(feeds);
    losses.push(Number((out['loss']!.data as Float32Array)[0]));
    state = new Map(training.state.map((s) => [s.name, out[`${s.name}.next`]!]));
  }
  await session.release();
  return { losses, state: new Map([...state].map(([k, t]) => [k, t.data as Float32Array])) };
}

/** Worst relative difference over the state tensors (each against its own scale), and where. */
function worstState(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>): { name: string; diff: number } {
  let worst = { name: '', diff: 0 };
  for (const s of training.state) {
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
});
