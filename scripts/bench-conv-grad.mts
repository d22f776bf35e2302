#!/usr/bin/env -S npx tsx
// Evidence for bench:train's finding that a training step's time is in its convolution
// gradients: the gradients of one stride-1 3×3 convolution lowered as the training compiler does
// today (src/ops/conv2d.ts: dW as a Conv of the transposed input with dy as the kernel, dX as
// ConvTranspose) and in alternatives of standard ONNX ops, each timed alone in onnxruntime-node
// (optimisation level 'all', 2 intra-op threads; median of 10 runs after 2) and checked against
// today's result. Prints numbers; never fails.
//
//   npx tsx scripts/bench-conv-grad.mts [N C H]...   (default: the CIFAR/Fashion ResNet layer shapes)
import * as ort from 'onnxruntime-node';
import { DataType, type IrAttribute, type IrModel, type IrNode, type IrTensor } from '../src/onnx/ir.ts';
import { serializeModel } from '../src/onnx/serialize.ts';

const ints = (name: string, value: number[]): IrAttribute => ({ name, kind: 'ints', value });
const int = (name: string, value: number): IrAttribute => ({ name, kind: 'int', value });
const node = (opType: string, inputs: string[], outputs: string[], attributes: IrAttribute[] = []): IrNode => ({ name: outputs[0]!, opType, inputs, outputs, attributes });
const i64 = (name: string, values: number[]): IrTensor => ({ name, dims: [values.length], dataType: DataType.INT64, data: BigInt64Array.from(values.map(BigInt)) });
function model(inputs: [string, number[]][], nodes: IrNode[], initializers: IrTensor[] = []): Uint8Array {
  const m: IrModel = {
    irVersion: 8,
    opset: 17,
    producerName: 'bench-conv-grad',
    producerVersion: '1',
    metadata: {},
    graph: { name: 'g', inputs: inputs.map(([name, dims]) => ({ name, elemType: DataType.FLOAT, dims })), outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: [], shapeUnknown: true }], nodes, initializers, valueInfo: [] },
  };
  return serializeModel(m);
}

/** The variants for a [n,c,h,h] input, c→c channels, 3×3, stride 1, padding 1. */
function variants(n: number, c: number, h: number): { name: string; grad: 'dW' | 'dX' | 'forward'; bytes: Uint8Array; inputs: [string, number[]][] }[] {
  const k = 3;
  const p = 1;
  const hw = h * h;
  const X: [string, number[]] = ['x', [n, c, h, h]];
  const DY: [string, number[]] = ['dy', [n, c, h, h]];
  const W: [string, number[]] = ['w', [c, c, k, k]];
  const win = (kernel: number, pad = p) => [ints('kernel_shape', [kernel, kernel]), ints('pads', [pad, pad, pad, pad]), ints('strides', [1, 1])];
  const t0213 = ints('perm', [1, 0, 2, 3]);
  // Columns: the K² shifted windows of the padded input, [n, c·K², h·w].
  const colNodes: IrNode[] = [node('Pad', ['x', 'pads'], ['xp'])];
  const colInits: IrTensor[] = [i64('pads', [0, 0, p, p, 0, 0, p, p]), i64('axes', [2, 3]), i64('cols', [n, c * k * k, hw]), i64('dyf', [n, c, hw]), i64('batch', [0]), i64('u2', [2])];
  const taps: string[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      colInits.push(i64(`s${a}${b}`, [a, b]), i64(`e${a}${b}`, [a + h, b + h]));
      colNodes.push(node('Slice', ['xp', `s${a}${b}`, `e${a}${b}`, 'axes'], [`sl${a}${b}`]), node('Unsqueeze', [`sl${a}${b}`, 'u2'], [`u${a}${b}`]));
      taps.push(`u${a}${b}`);
    }
  }
  colNodes.push(node('Concat', taps, ['col5'], [int('axis', 2)]), node('Reshape', ['col5', 'cols'], ['col']), node('Reshape', ['dy', 'dyf'], ['dy3']));
  return [
    { name: 'forward Conv (for scale)', grad: 'forward', inputs: [X, W], bytes: model([X, W], [node('Conv', ['x', 'w'], ['y'], win(k))]) },
    {
      name: 'dW today: Conv(xᵀ, dyᵀ as kernel)',
      grad: 'dW',
      inputs: [X, DY],
      bytes: model([X, DY], [node('Transpose', ['x'], ['xt'], [t0213]), node('Transpose', ['dy'], ['dyt'], [t0213]), node('Conv', ['xt', 'dyt'], ['c'], win(h)), node('Transpose', ['c'], ['y'], [t0213])]),
    },
    {
      name: 'dW: columns × dyᵀ per image, ReduceSum',
      grad: 'dW',
      inputs: [X, DY],
      bytes: model(
        [X, DY],
        [
          ...colNodes,
          node('Transpose', ['dy3'], ['dyt'], [ints('perm', [0, 2, 1])]),
          node('MatMul', ['col', 'dyt'], ['m']),
          node('ReduceSum', ['m', 'batch'], ['s'], [int('keepdims', 0)]),
          node('Reshape', ['s', 'wshape'], ['r']),
          node('Transpose', ['r'], ['y'], [ints('perm', [3, 0, 1, 2])]),
        ],
        [...colInits, i64('wshape', [c, k, k, c])],
      ),
    },
    {
      name: 'dW: columns by a one-hot depthwise Conv',
      grad: 'dW',
      inputs: [X, DY],
      bytes: model(
        [X, DY],
        [
          // Each input channel's K² taps as K² output channels of a depthwise convolution with one-hot kernels.
          node('Conv', ['x', 'onehot'], ['col4'], [...win(k), int('group', c)]),
          node('Reshape', ['col4', 'cols'], ['col']),
          node('Reshape', ['dy', 'dyf'], ['dy3']),
          node('Transpose', ['dy3'], ['dyt'], [ints('perm', [0, 2, 1])]),
          node('MatMul', ['col', 'dyt'], ['m']),
          node('ReduceSum', ['m', 'batch'], ['s'], [int('keepdims', 0)]),
          node('Reshape', ['s', 'wshape'], ['r']),
          node('Transpose', ['r'], ['y'], [ints('perm', [3, 0, 1, 2])]),
        ],
        [
          ...colInits,
          i64('wshape', [c, k, k, c]),
          { name: 'onehot', dims: [c * k * k, 1, k, k], dataType: DataType.FLOAT, data: Float32Array.from({ length: c * k * k * k * k }, (_, i) => (Math.floor(i / (k * k)) % (k * k) === i % (k * k) ? 1 : 0)) },
        ],
      ),
    },
    { name: 'dX today: ConvTranspose(dy, W)', grad: 'dX', inputs: [DY, W], bytes: model([DY, W], [node('ConvTranspose', ['dy', 'w'], ['y'], win(k))]) },
    {
      name: 'dX: Conv(dy, flipped Wᵀ)',
      grad: 'dX',
      inputs: [DY, W],
      bytes: model(
        [DY, W],
        [node('Transpose', ['w'], ['wt'], [t0213]), node('Slice', ['wt', 'st', 'en', 'axes', 'step'], ['wf']), node('Conv', ['dy', 'wf'], ['y'], win(k, k - 1 - p))],
        [i64('st', [-1, -1]), i64('en', [-(2 ** 62), -(2 ** 62)]), i64('axes', [2, 3]), i64('step', [-1, -1])],
      ),
    },
  ];
}

const shapes: [number, number, number][] = [];
const nums = process.argv.slice(2).map(Number);
for (let i = 0; i + 2 < nums.length; i += 3) shapes.push([nums[i]!, nums[i + 1]!, nums[i + 2]!]);
if (!shapes.length) shapes.push([64, 16, 28], [64, 16, 32], [64, 32, 16], [64, 64, 8]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fill = (len: number, seed: number) => Float32Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + seed));

console.log('One 3×3 stride-1 convolution c→c: its gradients as the training compiler lowers them today, and alternatives (onnxruntime-node, 2 threads, median of 10)');
for (const [n, c, h] of shapes) {
  console.log(`\ninput ${n}×${c}×${h}×${h}`);
  const first: Partial<Record<string, Float32Array>> = {};
  for (const v of variants(n, c, h)) {
    try {
      const s = await ort.InferenceSession.create(v.bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1, logSeverityLevel: 3 });
      const feeds = Object.fromEntries(v.inputs.map(([name, dims], i) => [name, new ort.Tensor('float32', fill(dims.reduce((a, b) => a * b, 1), i), dims)]));
      const ms: number[] = [];
      let y: Float32Array = new Float32Array();
      for (let i = 0; i < 12; i++) {
        const t0 = performance.now();
        y = (await s.run(feeds))['y']!.data as Float32Array;
        if (i >= 2) ms.push(performance.now() - t0);
      }
      await s.release();
      const ref = first[v.grad];
      let check = '';
      if (!ref) first[v.grad] = y;
      else {
        let d = 0;
        let scale = 0;
        for (let i = 0; i < ref.length; i++) {
          d = Math.max(d, Math.abs(y[i]! - ref[i]!));
          scale = Math.max(scale, Math.abs(ref[i]!));
        }
        check = y.length === ref.length ? `same as today within ${(d / scale).toExponential(0)}` : 'SHAPE DIFFERS';
      }
      console.log(`  ${v.name.padEnd(42)} ${median(ms).toFixed(1).padStart(7)} ms  ${check}`);
    } catch (e) {
      console.log(`  ${v.name.padEnd(42)} error: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}
