import { beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../graph/edit.ts';
import { nodeId } from '../../graph/ids.ts';
import type { ResidualDocument } from '../../graph/types.ts';
import { compile } from '../../onnx/compile.ts';
import { runOrt, testInput } from '../../onnx/testing/run-ort.ts';
import { relToScale } from './graph.ts';
import { randomBnStore } from '../../onnx/testing/weights.ts';
import { ChainBuilder } from '../../templates/builder.ts';
import { buildTemplate } from '../../templates/templates.ts';
import type { AdamWOptions, SgdOptions } from '../options.ts';
import { compareChange, decodeTensors, docState, encodeTensors, layersJson, torchReference, type RefTensor, type TorchCase } from './torch-reference.ts';

/**
 * The reference itself, checked where that needs no training compiler: the layer-list interpreter
 * computes what the torch module computes (fashion-resnet and plain-cifar20 both ways, so the
 * module names of the new plain net are checked strictly too) and, for every op that trains as it
 * infers, what our compiled inference model computes in onnxruntime; its loss, `correct` and
 * Dropout are what their definitions say; and one step of SGD, Nesterov SGD and AdamW (from given
 * optimiser state) moves every weight as the update rule says with the grad of a separate vjp run.
 * Three python invocations: the cases, the vjp that needs their logits, a case that must fail.
 */

const f32 = (t: RefTensor | undefined): Float32Array => {
  if (!(t?.data instanceof Float32Array)) throw new Error('expected a float32 tensor');
  return t.data;
};

/** Training data: K steps of N images of the document's input size, targets in [0, classes). */
function trainData(doc: ResidualDocument, k: number, n: number, seed: number, lr?: number[]): Map<string, RefTensor> {
  const { channels: c, height: h, width: w } = doc.input;
  const data = new Map<string, RefTensor>([
    ['input', { dims: [k, n, c, h, w], data: testInput(k * n * c * h * w, seed) }],
    ['target', { dims: [k, n], data: BigInt64Array.from({ length: k * n }, (_, i) => BigInt((i * 7 + seed) % 10)) }],
  ]);
  if (lr) data.set('lr', { dims: [k], data: Float32Array.from(lr) });
  return data;
}

/** Every tensor of two results agrees to `tol` (relative to the tensor's scale). */
function expectSame(a: Map<string, RefTensor>, b: Map<string, RefTensor>, tol: number): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let worst = 0;
  for (const [name, t] of a) {
    const d = relToScale(f32(t), f32(b.get(name)));
    worst = Math.max(worst, d);
    expect(d, name).toBeLessThanOrEqual(tol);
  }
  return worst;
}

/** F.cross_entropy(logits, target, label_smoothing=eps), mean over the batch, in float64. */
function crossEntropy(logits: Float32Array, target: BigInt64Array, classes: number, eps: number): number {
  let total = 0;
  for (let i = 0; i < target.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    const t = Number(target[i]);
    let mean = 0;
    for (const v of row) mean += (lse - v) / classes;
    total += (1 - eps) * (lse - row[t]!) + eps * mean;
  }
  return total / target.length;
}

const argmax = (row: Float32Array): number => row.reduce((best, v, i) => (v > row[best]! ? i : best), 0);

describe('train_reference.py: the PyTorch reference of the training tests', () => {
  const fashion = buildTemplate('fashion-resnet')!;
  const fashionState = docState(fashion, randomBnStore(fashion));
  const plain = buildTemplate('plain-cifar20')!;
  const plainState = docState(plain, randomBnStore(plain));
  const tiny = buildTemplate('tiny-resnet')!;
  const tinyState = docState(tiny, randomBnStore(tiny));

  const cases: TorchCase[] = [];

  // A Dropout between a flatten and a linear layer, to check the keep-mask convention by hand.
  const drop = new ChainBuilder('Dropout check', { channels: 2, height: 2, width: 2 })
    .add('Flatten', 'flatten', {})
    .add('Dropout', 'drop', { p: 0.25 })
    .add('Linear', 'fc', { outFeatures: 3, bias: true })
    .finish();
  const dropState = docState(drop);
  const dropMask = Float32Array.from({ length: 2 * 8 }, (_, i) => (i % 3 === 0 ? 0 : 1));
  const dropData = new Map<string, RefTensor>([
    ['input', { dims: [2, 2, 2, 2], data: testInput(16, 5) }],
    ['drop.mask', { dims: [2, 8], data: dropMask }],
    ['dy', { dims: [2, 3], data: testInput(6, 6) }],
  ]);

  // Every op the reference knows that behaves the same in training and inference (so no BN or
  // Dropout), with non-default params, to hold against onnxruntime on our inference compile.
  // 10×10 so that ceil mode changes the pooled size (6, not 5); the input spans [-4, 4] so that
  // GELU's tanh approximation differs measurably from the exact one.
  let everyOp = new ChainBuilder('Every op', { channels: 3, height: 10, width: 10 })
    .add('Conv2d', 'conv1', { outChannels: 8, kernel: 3, stride: 1, padding: 1, bias: true })
    .add('MaxPool2d', 'pool', { kernel: 3, stride: 2, padding: 1, ceilMode: true })
    .add('LeakyReLU', 'leaky', { alpha: 0.1 })
    .add('GELU', 'gelu', { approximate: 'tanh' })
    .add('Conv2d', 'dw', { outChannels: 8, kernel: 3, stride: 1, padding: 2, dilation: 2, groups: 8, bias: false })
    .add('SiLU', 'silu', {})
    .add('Hardswish', 'hswish', {})
    .add('GlobalAvgPool', 'squeeze', {})
    .add('Hardsigmoid', 'gate', { alpha: 0.2, beta: 0.5 })
    .add('Mul', 'scale', {})
    .add('ZeroPadShortcut', 'zp', { outChannels: 13, stride: 2 })
    .add('ReLU6', 'relu6', {})
    .add('Concat', 'cat', { inputs: 2 })
    .add('ReLU', 'relu', {})
    .add('Clip', 'clip', { min: 0.05, max: 0.25 })
    .add('Add', 'sum', {})
    .add('AvgPool2d', 'avg', { kernel: 2, stride: 1, padding: 1, ceilMode: false, countIncludePad: false })
    .add('Sigmoid', 'sig', {})
    .add('Mul', 'sigGate', {})
    .add('Hardsigmoid', 'hsig', {})
    .add('Mul', 'hsigGate', {})
    .add('Softmax', 'softmax', {})
    .add('Mul', 'softmaxGate', {})
    .add('Identity', 'id', {})
    .add('Flatten', 'flatten', {})
    // No bias, so the output is all features: a wrong op cannot hide behind a constant.
    .add('Linear', 'fc', { outFeatures: 5, bias: false })
    .finish();
  const secondInputs = [['hswish', 'scale'], ['zp', 'cat'], ['cat', 'sum'], ['avg', 'sigGate'], ['sigGate', 'hsigGate'], ['hsigGate', 'softmaxGate']] as const;
  for (const [source, target] of secondInputs) {
    everyOp = connect(everyOp, { source: nodeId(source), sourcePort: 0, target: nodeId(target), targetPort: 1 }).doc;
  }
  const everyOpState = docState(everyOp);
  const everyOpInput = testInput(2 * 3 * 10 * 10, 21).map((v) => 4 * v);
  cases.push({
    name: 'every op',
    model: { layers: layersJson(everyOp) },
    state: everyOpState,
    mode: 'vjp',
    data: new Map([['input', { dims: [2, 3, 10, 10], data: everyOpInput }], ['dy', { dims: [2, 5], data: testInput(10, 22) }]]),
  });

  // Optimiser state to start from: a momentum buffer on two tensors, AdamW at step 3.
  const sgdState = new Map(fashionState);
  for (const name of ['layer1.0.conv1.weight', 'fc.bias']) {
    const t = fashionState.get(name)!;
    sgdState.set(`${name}.momentum_buffer`, { dims: t.dims, data: testInput(t.data.length, 9).map((v) => 0.01 * v) });
  }
  const adamState = new Map(fashionState);
  for (const [name, t] of fashionState) {
    if (name.endsWith('running_mean') || name.endsWith('running_var')) continue;
    adamState.set(`${name}.exp_avg`, { dims: t.dims, data: testInput(t.data.length, 3).map((v) => 1e-3 * v) });
    adamState.set(`${name}.exp_avg_sq`, { dims: t.dims, data: testInput(t.data.length, 4).map((v) => 1e-6 * (1 + v)) });
  }
  adamState.set('step', { dims: [], data: Float32Array.of(3) });

  const sgd: SgdOptions = { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
  const plainSgd: SgdOptions = { kind: 'sgd', lr: 0.05, momentum: 0, nesterov: false, weightDecay: 1e-3 };
  const fashionData = trainData(fashion, 2, 4, 1, [0.1, 0.02]);
  for (const model of [{ arch: 'fashion-resnet' }, { layers: layersJson(fashion) }]) {
    cases.push({ name: `sgd ${'arch' in model ? 'arch' : 'layers'}`, model, state: sgdState, data: fashionData, optimizer: sgd, labelSmoothing: 0.1, frozen: ['conv1.weight'] });
    cases.push({ name: `adamw ${'arch' in model ? 'arch' : 'layers'}`, model, state: adamState, data: fashionData, optimizer: { kind: 'adamw', lr: 1e-3, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 1e-2 } });
  }
  for (const model of [{ arch: 'plain-cifar20' }, { layers: layersJson(plain) }]) {
    cases.push({ name: `plain ${'arch' in model ? 'arch' : 'layers'}`, model, state: plainState, data: trainData(plain, 1, 2, 2), optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 1e-4 } });
  }
  const tinyData = trainData(tiny, 1, 4, 3);
  cases.push({ name: 'tiny step', model: { layers: layersJson(tiny) }, state: tinyState, data: tinyData, optimizer: plainSgd });
  // The same first forward (same start, same batch) with optimiser state to start from.
  const tinyParams = [...tinyState].filter(([name]) => !/running_(mean|var)$/.test(name));
  const tinyNesterovState = new Map(tinyState);
  for (const [name, t] of tinyParams) tinyNesterovState.set(`${name}.momentum_buffer`, { dims: t.dims, data: testInput(t.data.length, 11).map((v) => 0.05 * v) });
  const tinyAdamState = new Map(tinyState);
  for (const [name, t] of tinyParams) {
    tinyAdamState.set(`${name}.exp_avg`, { dims: t.dims, data: testInput(t.data.length, 12).map((v) => 0.01 * v) });
    tinyAdamState.set(`${name}.exp_avg_sq`, { dims: t.dims, data: testInput(t.data.length, 13).map((v) => 1e-4 * (1 + v)) });
  }
  tinyAdamState.set('step', { dims: [], data: Float32Array.of(3) });
  const nesterov: SgdOptions = { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 };
  const adamw: AdamWOptions = { kind: 'adamw', lr: 2e-3, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.05 };
  cases.push({ name: 'tiny nesterov', model: { layers: layersJson(tiny) }, state: tinyNesterovState, data: tinyData, optimizer: nesterov });
  cases.push({ name: 'tiny adamw', model: { layers: layersJson(tiny) }, state: tinyAdamState, data: tinyData, optimizer: adamw });
  cases.push({ name: 'dropout vjp', model: { layers: layersJson(drop) }, state: dropState, data: dropData, mode: 'vjp' });

  let out: Map<string, RefTensor>[] = [];
  let seconds = 0;
  beforeAll(() => {
    const t0 = performance.now();
    out = torchReference(cases);
    seconds = (performance.now() - t0) / 1000;
    console.info(`train_reference.py: ${cases.length} cases in ${seconds.toFixed(1)} s`);
  }, 120_000);

  const result = (name: string) => out[cases.findIndex((c) => c.name === name)]!;

  it('the layer list gives what the torch module gives: SGD (Nesterov, momentum state, frozen conv1, per-step lr, label smoothing)', () => {
    const worst = expectSame(result('sgd layers'), result('sgd arch'), 1e-5);
    console.info(`fashion-resnet SGD, layer list vs module: ${worst.toExponential(2)}`);
    const arch = result('sgd arch');
    expect(f32(arch.get('conv1.weight.next'))).toEqual(f32(fashionState.get('conv1.weight')));
    expect(arch.has('conv1.weight.momentum_buffer.next')).toBe(false);
    expect(arch.has('fc.weight.momentum_buffer.next')).toBe(true);
    expect(arch.get('logits')!.dims).toEqual([2, 4, 10]);
  });

  it('the layer list gives what the torch module gives: AdamW from step 3', () => {
    const worst = expectSame(result('adamw layers'), result('adamw arch'), 1e-5);
    console.info(`fashion-resnet AdamW, layer list vs module: ${worst.toExponential(2)}`);
    const arch = result('adamw arch');
    expect(f32(arch.get('step.next'))).toEqual(Float32Array.of(5));
    expect(arch.get('bn1.weight.exp_avg_sq.next')!.dims).toEqual([16]);
  });

  it('plain-cifar20: the torch module has exactly the template\'s names (strict load) and computes what its layer list does', () => {
    const worst = expectSame(result('plain layers'), result('plain arch'), 1e-5);
    console.info(`plain-cifar20, layer list vs module: ${worst.toExponential(2)}`);
    expect([...result('plain arch').keys()].filter((k) => k.endsWith('.next') && !k.includes('momentum')).sort()).toEqual([...plainState.keys()].map((k) => `${k}.next`).sort());
  });

  it('every op of the layer list computes what our compiled inference model computes in onnxruntime', async () => {
    const r = result('every op');
    // docState's tensors are the compiler's fresh ones from the document's seed: the same weights.
    const compiled = compile(everyOp);
    const ours = await runOrt(compiled.bytes!, everyOpInput, [2, 3, 10, 10]);
    expect(r.get('output')!.dims).toEqual([2, 5]);
    const d = relToScale(ours['logits']!.data, f32(r.get('output')));
    console.info(`every op, reference vs onnxruntime: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-5);
    expect(r.get('input.grad')!.dims).toEqual([2, 3, 10, 10]);
    expect([...r.keys()].filter((k) => k.endsWith('.grad')).sort()).toEqual(['conv1.bias.grad', 'conv1.weight.grad', 'dw.weight.grad', 'fc.weight.grad', 'input.grad']);
  });

  it('loss is the mean label-smoothed cross-entropy of each step\'s logits, correct the number of argmax hits', () => {
    for (const name of ['sgd arch', 'tiny step']) {
      const r = result(name);
      const c = cases.find((x) => x.name === name)!;
      const logits = f32(r.get('logits'));
      const [k, n, classes] = r.get('logits')!.dims as [number, number, number];
      const target = c.data.get('target')!.data as BigInt64Array;
      for (let s = 0; s < k; s++) {
        const l = logits.subarray(s * n * classes, (s + 1) * n * classes);
        const t = target.subarray(s * n, (s + 1) * n);
        expect(f32(r.get('loss'))[s]).toBeCloseTo(crossEntropy(l, t, classes, c.labelSmoothing ?? 0), 5);
        let hits = 0;
        for (let i = 0; i < n; i++) if (argmax(l.subarray(i * classes, (i + 1) * classes)) === Number(t[i])) hits++;
        expect(f32(r.get('correct'))[s]).toBe(hits);
      }
    }
  });

  it('Dropout multiplies by the given keep mask / (1 - p), forward and backward', () => {
    const r = result('dropout vjp');
    const x = f32(dropData.get('input'));
    const dy = f32(dropData.get('dy'));
    const w = f32(dropState.get('fc.weight'));
    const b = f32(dropState.get('fc.bias'));
    const y = new Float32Array(6);
    const dx = new Float32Array(16);
    for (let i = 0; i < 2; i++) {
      for (let o = 0; o < 3; o++) {
        let s = b[o]!;
        for (let j = 0; j < 8; j++) {
          const m = dropMask[i * 8 + j]! / 0.75;
          s += w[o * 8 + j]! * x[i * 8 + j]! * m;
          dx[i * 8 + j]! += w[o * 8 + j]! * dy[i * 3 + o]! * m;
        }
        y[o + i * 3] = s;
      }
    }
    expect(relToScale(f32(r.get('output')), y)).toBeLessThan(1e-6);
    expect(relToScale(f32(r.get('input.grad')), dx)).toBeLessThan(1e-6);
    expect(r.get('input.grad')!.dims).toEqual([2, 2, 2, 2]);
  });

  it('one step of each optimiser moves every parameter as its update rule says, with the grad of a vjp of the loss', () => {
    const step = result('tiny step');
    const logits = f32(step.get('logits'));
    const target = tinyData.get('target')!.data as BigInt64Array;
    const n = target.length;
    // dL/dlogits of the batch-mean cross-entropy: (softmax - onehot) / N.
    const dy = new Float32Array(n * 10);
    for (let i = 0; i < n; i++) {
      const row = logits.subarray(i * 10, (i + 1) * 10);
      const max = Math.max(...row);
      const e = Array.from(row, (v) => Math.exp(v - max));
      const sum = e.reduce((a, v) => a + v, 0);
      for (let c = 0; c < 10; c++) dy[i * 10 + c] = (e[c]! / sum - (c === Number(target[i]) ? 1 : 0)) / n;
    }
    const x = tinyData.get('input')!;
    const [vjp] = torchReference([
      { name: 'tiny vjp', model: { layers: layersJson(tiny) }, state: tinyState, mode: 'vjp', data: new Map([['input', { dims: x.dims.slice(1), data: x.data }], ['dy', { dims: [n, 10], data: dy }]]) },
    ]);
    expect(relToScale(f32(vjp!.get('output')), logits)).toBeLessThan(1e-6);
    for (const name of ['tiny step', 'tiny nesterov', 'tiny adamw']) expect(relToScale(f32(result(name).get('logits')), logits)).toBe(0);

    // Each rule in float64, as torch.optim writes it (SGD dampening 0; AdamW's decoupled decay first).
    const rules: [string, Map<string, RefTensor>, (w: number, g: number, name: string, i: number) => number][] = [
      ['tiny step', tinyState, (w, g) => w - plainSgd.lr * (g + plainSgd.weightDecay * w)],
      [
        'tiny nesterov',
        tinyNesterovState,
        (w, g, name, i) => {
          const d = g + nesterov.weightDecay * w;
          const buf = nesterov.momentum * f32(tinyNesterovState.get(`${name}.momentum_buffer`))[i]! + d;
          return w - nesterov.lr * (d + nesterov.momentum * buf);
        },
      ],
      [
        'tiny adamw',
        tinyAdamState,
        (w, g, name, i) => {
          const [b1, b2] = adamw.betas;
          const t = 4;
          const m = b1 * f32(tinyAdamState.get(`${name}.exp_avg`))[i]! + (1 - b1) * g;
          const v = b2 * f32(tinyAdamState.get(`${name}.exp_avg_sq`))[i]! + (1 - b2) * g * g;
          const decayed = w * (1 - adamw.lr * adamw.weightDecay);
          return decayed - (adamw.lr / (1 - b1 ** t)) * (m / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + adamw.eps));
        },
      ],
    ];
    for (const [name, , rule] of rules) {
      const r = result(name);
      let worst = 0;
      for (const [param, t] of tinyState) {
        const before = f32(t);
        const after = f32(r.get(`${param}.next`));
        if (/running_(mean|var)$/.test(param)) {
          // The same forward moves the running statistics the same way in both modes.
          expect(relToScale(f32(vjp!.get(`${param}.next`)), after), param).toBeLessThan(1e-6);
          continue;
        }
        const grad = f32(vjp!.get(`${param}.grad`));
        // Rounded to float32 as any float32 update is; the difference left is float32 arithmetic.
        const predicted = Float32Array.from(before, (w, i) => rule(w, grad[i]!, param, i));
        const d = compareChange(before, predicted, after);
        worst = Math.max(worst, d);
        expect(d, `${name}: ${param}`).toBeLessThan(1e-4);
      }
      console.info(`${name}: update vs its rule from the vjp's grad, worst relative change difference ${worst.toExponential(2)}`);
    }
    expect(f32(result('tiny adamw').get('step.next'))).toEqual(Float32Array.of(4));
  });

  it('safetensors round trip of float32 and int64 tensors (including a 0-d one)', () => {
    const t = new Map<string, RefTensor>([
      ['b', { dims: [2], data: BigInt64Array.of(3n, -1n) }],
      ['a', { dims: [1, 3], data: Float32Array.of(1, 2.5, -3) }],
      ['step', { dims: [], data: Float32Array.of(7) }],
    ]);
    const back = decodeTensors(encodeTensors(t));
    expect([...back.keys()]).toEqual(['a', 'b', 'step']);
    expect(back.get('b')).toEqual(t.get('b'));
    expect(back.get('a')).toEqual(t.get('a'));
    expect(back.get('step')).toEqual(t.get('step'));
  });

  it('compareChange measures the update, not the value', () => {
    expect(compareChange([1, 2], [1.1, 2], [1.1, 2])).toBe(0);
    expect(compareChange([1, 2], [1.2, 2], [1.1, 2])).toBeCloseTo(1, 6);
    expect(compareChange([1, 2], [1, 2], [1, 2])).toBe(0);
    expect(compareChange([1, 2], [1, 2.5], [1, 2])).toBe(Infinity);
  });

  it('a state file that does not match the model fails with the names', () => {
    const missing = new Map(tinyState);
    missing.delete('block1.bn1.running_var');
    missing.set('block1.bn9.weight', { dims: [8], data: new Float32Array(8) });
    expect(() => torchReference([{ name: 'bad', model: { layers: layersJson(tiny) }, state: missing, data: tinyData, optimizer: plainSgd }])).toThrow(
      /missing \(1\): block1\.bn1\.running_var[\s\S]*unexpected \(1\): block1\.bn9\.weight/,
    );
  });
});
