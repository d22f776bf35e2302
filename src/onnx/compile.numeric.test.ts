import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDocument } from '../document/document.ts';
import { addNode, connect, updateParams } from '../graph/edit.ts';
import { nodeId, type NodeId } from '../graph/ids.ts';
import type { OpKind, Params, ResidualDocument } from '../graph/types.ts';
import { numel } from '../ops/common.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import type { StoredTensor, WeightStore } from '../weights/types.ts';
import { compile, lowerToIr } from './compile.ts';
import { tensorData } from './ir.ts';
import { evaluate } from './testing/reference.ts';
import { maxRelDiff, relDiff, runOrt, testInput } from './testing/run-ort.ts';
import { randomBnStore } from './testing/weights.ts';

function chainDoc(ops: [OpKind, Params?][], input = { channels: 4, height: 9, width: 9 }, extra: Partial<ResidualDocument> = {}): ResidualDocument {
  let doc = createDocument({ input, ...extra });
  let prev: NodeId | undefined;
  for (const [op, params] of [['Input'] as [OpKind], ...ops, ['Output'] as [OpKind]]) {
    const r = addNode(doc, op, { position: { x: 0, y: 0 }, params: params ?? {} });
    doc = r.doc;
    if (prev) doc = connect(doc, { source: prev, sourcePort: 0, target: r.id, targetPort: 0 }).doc;
    prev = r.id;
  }
  return doc;
}

async function checkAgainstReference(doc: ResidualDocument, weights?: WeightStore, batch = 2) {
  const r = compile(doc, weights ? { weights } : {});
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const dims = [batch, doc.input.channels, doc.input.height, doc.input.width];
  const x = testInput(numel(dims), 3);
  const ort = await runOrt(r.bytes!, x, dims);
  const ref = evaluate(r.model!, { dims, data: Float64Array.from(x) }).get('logits')!;
  expect(ort['logits']!.dims).toEqual(ref.dims);
  expect(ort['logits']!.dims.slice(1)).toEqual(analyze(doc).outputs[0]!.shape);
  expect(maxRelDiff(ort['logits']!.data, ref.data)).toBeLessThan(1e-4);
  return { r, ort, x };
}

describe('each op computes what its definition says (onnxruntime-web WASM vs a reference)', () => {
  const cases: [string, [OpKind, Params?][]][] = [
    ['Conv2d 3x3', [['Conv2d', { outChannels: 6, kernel: 3, stride: 1, padding: 1 }]]],
    ['Conv2d strided, bias, dilated', [['Conv2d', { outChannels: 6, kernel: 3, stride: 2, padding: 2, dilation: 2, bias: true }]]],
    ['Conv2d grouped', [['Conv2d', { outChannels: 8, kernel: 3, stride: 1, padding: 1, groups: 2 }]]],
    ['BatchNorm2d', [['Conv2d', { outChannels: 5 }], ['BatchNorm2d']]],
    ['ReLU', [['ReLU']]],
    ['LeakyReLU', [['LeakyReLU', { alpha: 0.2 }]]],
    ['Sigmoid', [['Sigmoid']]],
    ['Softmax', [['Softmax']]],
    ['MaxPool2d', [['MaxPool2d', { kernel: 3, stride: 2, padding: 1 }]]],
    ['MaxPool2d ceil', [['MaxPool2d', { kernel: 2, stride: 2, padding: 0, ceilMode: true }]]],
    ['AvgPool2d with padding counted', [['AvgPool2d', { kernel: 3, stride: 2, padding: 1 }]]],
    ['AvgPool2d without padding counted', [['AvgPool2d', { kernel: 3, stride: 2, padding: 1, countIncludePad: false }]]],
    ['GlobalAvgPool + Flatten + Linear', [['GlobalAvgPool'], ['Flatten'], ['Linear', { outFeatures: 7 }]]],
    ['Flatten + Linear without bias', [['Flatten'], ['Linear', { outFeatures: 3, bias: false }]]],
    ['Dropout (identity at inference)', [['Dropout', { p: 0.5 }]]],
    ['Identity', [['Identity']]],
    ['ZeroPadShortcut', [['ZeroPadShortcut', { outChannels: 8, stride: 2 }]]],
  ];
  it.each(cases)('%s', async (_name, ops) => {
    const doc = chainDoc(ops);
    await checkAgainstReference(doc, randomBnStore(doc));
  });

  it('Add and Concat', async () => {
    let doc = chainDoc([['Conv2d', { outChannels: 4 }], ['Add'], ['Concat']]);
    const byOp = (op: string) => doc.nodes.find((n) => n.op === op)!.id;
    doc = connect(doc, { source: byOp('Input'), sourcePort: 0, target: byOp('Add'), targetPort: 1 }).doc;
    doc = connect(doc, { source: byOp('Conv2d'), sourcePort: 0, target: byOp('Concat'), targetPort: 1 }).doc;
    const { ort } = await checkAgainstReference(doc);
    expect(ort['logits']!.dims).toEqual([2, 8, 9, 9]);
  });
});

/** Conv weights uniform in ±3, so the activations after them see values beyond their knees (ReLU6's 6, Hardswish's ±3). */
function loudConvStore(doc: ResidualDocument): WeightStore {
  const owners = new Map(analyze(doc).layers.map((l) => [l.name, l.owner]));
  const store = new Map<string, StoredTensor>();
  for (const t of lowerToIr(doc).model!.graph.initializers) {
    const layer = t.name.replace(/\.weight$/, '');
    if (t.dims.length !== 4 || layer === t.name) continue;
    store.set(t.name, { dims: t.dims, data: testInput(numel(t.dims), 5).map((v) => 3 * v), owner: owners.get(layer)!, origin: 'trained' });
  }
  return store;
}

describe('activations and gates of modern residual nets, at each opset where their lowering differs', () => {
  const opsOf = (r: ReturnType<typeof compile>) => r.model!.graph.nodes.map((n) => n.opType).filter((t) => t !== 'Identity');
  // [name, ops, ONNX op types per opset]: the lowering is checked by what it emits as well as by what it computes.
  const cases: [string, [OpKind, Params?][], Record<number, string[]>][] = [
    ['Clip', [['Clip', { min: -0.25, max: 0.5 }]], { 13: ['Clip'], 21: ['Clip'] }],
    ['ReLU6 (on inputs scaled past 6)', [['Conv2d', { outChannels: 4, kernel: 1, padding: 0 }], ['ReLU6']], { 13: ['Conv', 'Clip'], 21: ['Conv', 'Clip'] }],
    ['SiLU', [['SiLU']], { 13: ['Sigmoid', 'Mul'], 17: ['Sigmoid', 'Mul'], 21: ['Sigmoid', 'Mul'] }],
    ['Hardsigmoid (torch defaults)', [['Hardsigmoid']], { 13: ['HardSigmoid'], 21: ['HardSigmoid'] }],
    ['Hardsigmoid alpha 0.3 beta 0.4', [['Hardsigmoid', { alpha: 0.3, beta: 0.4 }]], { 17: ['HardSigmoid'] }],
    ['Hardswish', [['Conv2d', { outChannels: 4, kernel: 1, padding: 0 }], ['Hardswish']], { 13: ['Conv', 'HardSigmoid', 'Mul'], 14: ['Conv', 'HardSwish'], 17: ['Conv', 'HardSwish'] }],
    ['GELU', [['GELU']], { 13: ['Div', 'Erf', 'Add', 'Mul', 'Mul'], 19: ['Div', 'Erf', 'Add', 'Mul', 'Mul'], 20: ['Gelu'], 21: ['Gelu'] }],
    ['GELU tanh', [['GELU', { approximate: 'tanh' }]], { 17: ['Mul', 'Mul', 'Mul', 'Add', 'Mul', 'Tanh', 'Add', 'Mul', 'Mul'], 20: ['Gelu'] }],
  ];
  const flat = cases.flatMap(([name, ops, byOpset]) => Object.entries(byOpset).map(([o, types]) => [name, Number(o), ops, types] as const));
  it.each(flat)('%s at opset %i', async (_name, opset, ops, types) => {
    const doc = chainDoc(ops, undefined, { opset });
    const { r } = await checkAgainstReference(doc, loudConvStore(doc));
    expect(opsOf(r)).toEqual(types);
  });

  it('Mul gates a feature map with a squeeze-and-excitation branch (C×H×W · C×1×1), at opsets 13 and 21', async () => {
    for (const opset of [13, 21]) {
      let doc = chainDoc([['Conv2d', { outChannels: 6 }], ['GlobalAvgPool'], ['Conv2d', { outChannels: 6, kernel: 1, padding: 0 }], ['Sigmoid'], ['Mul']], undefined, { opset });
      const conv = doc.nodes.find((n) => n.op === 'Conv2d')!.id;
      const mul = doc.nodes.find((n) => n.op === 'Mul')!.id;
      // The chain fed Sigmoid into Mul's port 0; the feature map goes to port 1.
      doc = connect(doc, { source: conv, sourcePort: 0, target: mul, targetPort: 1 }).doc;
      const { ort } = await checkAgainstReference(doc);
      expect(ort['logits']!.dims).toEqual([2, 6, 9, 9]);
    }
  });
});

describe('Linear on the last axis of a map (torch.nn.Linear on channels-last tensors)', () => {
  it.each([13, 17])('at opset %i: MatMul with the [out, in] weight transposed, then Add, computes x·Wᵀ + b per position', async (opset) => {
    for (const bias of [true, false]) {
      // Input N×4×9×5: the Linear mixes the last axis (5) into 6 at each of the 4×9 positions.
      const doc = chainDoc([['Linear', { outFeatures: 6, bias }]], { channels: 4, height: 9, width: 5 }, { opset });
      const r = compile(doc);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const g = r.model!.graph;
      expect(g.nodes.map((n) => n.opType).filter((t) => t !== 'Identity')).toEqual(bias ? ['Transpose', 'MatMul', 'Add'] : ['Transpose', 'MatMul']);
      const init = (suffix: string) => g.initializers.find((t) => t.name.endsWith(suffix));
      const w = init('.weight')!;
      // The state_dict's layout and name, so weights load from and save to torch unchanged.
      expect(w.dims).toEqual([6, 5]);
      const wd = tensorData(w) as Float32Array;
      const bd = bias ? (tensorData(init('.bias')!) as Float32Array) : undefined;
      const dims = [2, 4, 9, 5];
      const x = testInput(numel(dims), 3);
      const ort = await runOrt(r.bytes!, x, dims);
      expect(ort['logits']!.dims).toEqual([2, 4, 9, 6]);
      const want = new Float64Array(2 * 4 * 9 * 6);
      for (let p = 0; p < 2 * 4 * 9; p++)
        for (let o = 0; o < 6; o++) {
          let s = bd ? bd[o]! : 0;
          for (let k = 0; k < 5; k++) s += x[p * 5 + k]! * wd[o * 5 + k]!;
          want[p * 6 + o] = s;
        }
      expect(relDiff(ort['logits']!.data, want)).toBeLessThan(1e-5);
    }
  });

  it('a vector input still lowers to one Gemm (transB = 1), so existing exports do not change', () => {
    const r = compile(chainDoc([['Flatten'], ['Linear', { outFeatures: 3 }]]));
    const gemm = r.model!.graph.nodes.find((n) => n.opType === 'Gemm')!;
    expect(gemm.attributes.find((a) => a.name === 'transB')).toMatchObject({ value: 1 });
    expect(r.model!.graph.nodes.some((n) => n.opType === 'MatMul' || n.opType === 'Transpose')).toBe(false);
  });
});

describe('residual blocks of each kind', () => {
  const blocks: [string, OpKind, Params, { channels: number; height: number; width: number }][] = [
    ['basic, identity', 'BasicBlock', { width: 8, stride: 1 }, { channels: 8, height: 8, width: 8 }],
    ['basic, projection /2', 'BasicBlock', { width: 16, stride: 2 }, { channels: 8, height: 8, width: 8 }],
    ['basic, zero-pad /2 (option A)', 'BasicBlock', { width: 16, stride: 2, shortcut: 'zero-pad' }, { channels: 8, height: 7, width: 7 }],
    ['basic, forced projection (option C)', 'BasicBlock', { width: 8, stride: 1, shortcut: 'projection' }, { channels: 8, height: 8, width: 8 }],
    ['basic, BN folded', 'BasicBlock', { width: 16, stride: 2, batchNorm: false }, { channels: 8, height: 8, width: 8 }],
    ['bottleneck, identity', 'Bottleneck', { width: 4, stride: 1 }, { channels: 16, height: 6, width: 6 }],
    ['bottleneck, projection /2', 'Bottleneck', { width: 4, stride: 2 }, { channels: 8, height: 6, width: 6 }],
    ['stage of 3', 'Stage', { block: 'basic', count: 3, width: 8, stride: 2 }, { channels: 4, height: 8, width: 8 }],
  ];
  it.each(blocks)('%s', async (_n, op, params, input) => {
    const doc = chainDoc([[op, params]], input);
    await checkAgainstReference(doc, randomBnStore(doc));
  });

  it('zero-init residual makes every block start as an identity mapping: ReLU(0 + x)', async () => {
    const doc = chainDoc([['ReLU'], ['BasicBlock', { width: 4 }], ['Bottleneck', { width: 1 }]], { channels: 4, height: 5, width: 5 }, { zeroInitResidual: true });
    const r = compile(doc);
    const dims = [1, 4, 5, 5];
    const x = testInput(100, 9);
    const out = await runOrt(r.bytes!, x, dims);
    expect(maxRelDiff(out['logits']!.data, x.map((v) => Math.max(0, v)))).toBeLessThan(1e-6);
    const without = await runOrt(compile({ ...doc, zeroInitResidual: false }).bytes!, x, dims);
    expect(maxRelDiff(without['logits']!.data, x.map((v) => Math.max(0, v)))).toBeGreaterThan(1e-2);
  });

  it('the optimised export folds BN into the convs and computes the same', async () => {
    const doc = buildTemplate('tiny-resnet')!;
    const weights = randomBnStore(doc);
    const plain = compile(doc, { weights });
    const folded = compile(doc, { weights, foldBatchNorm: true });
    expect(folded.model!.graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    expect(plain.model!.graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(true);
    const dims = [2, 3, 32, 32];
    const x = testInput(numel(dims), 4);
    const a = await runOrt(plain.bytes!, x, dims);
    const b = await runOrt(folded.bytes!, x, dims);
    expect(maxRelDiff(b['logits']!.data, a['logits']!.data)).toBeLessThan(1e-4);
  });
});

describe('graph interface', () => {
  it('exposes chosen intermediate tensors as extra outputs with their shapes', async () => {
    const doc = buildTemplate('tiny-resnet')!;
    const info = analyze(doc).nodes.get(nodeId('block2'))!;
    const expose = [info.tensors.mainPath!, info.tensors.shortcut!, info.tensors.sum!];
    const r = compile(doc, { expose });
    expect(r.outputs).toEqual(['logits', ...expose]);
    const out = await runOrt(r.bytes!, testInput(3 * 32 * 32), [1, 3, 32, 32]);
    for (const n of expose) expect(out[n]!.dims).toEqual([1, 16, 16, 16]);
    // F(x) + x really is the sum of what was exposed.
    const sum = out[info.tensors.mainPath!]!.data.map((v, i) => v + out[info.tensors.shortcut!]!.data[i]!);
    expect(maxRelDiff(out[info.tensors.sum!]!.data, sum)).toBeLessThan(1e-5);
  });

  it('names inputs, outputs, initializers as torchvision does and embeds the document', () => {
    const r = compile(buildTemplate('resnet18')!);
    const g = r.model!.graph;
    expect(g.inputs[0]).toMatchObject({ name: 'input', dims: ['N', 3, 224, 224] });
    expect(g.outputs[0]).toMatchObject({ name: 'logits', dims: ['N', 1000] });
    const names = new Map(g.initializers.map((t) => [t.name, t.dims]));
    expect(names.get('conv1.weight')).toEqual([64, 3, 7, 7]);
    expect(names.get('bn1.running_mean')).toEqual([64]);
    expect(names.get('layer1.0.conv1.weight')).toEqual([64, 64, 3, 3]);
    expect(names.get('layer2.0.downsample.0.weight')).toEqual([128, 64, 1, 1]);
    expect(names.get('layer2.0.downsample.1.running_var')).toEqual([128]);
    expect(names.get('fc.weight')).toEqual([1000, 512]);
    expect(g.valueInfo.find((v) => v.name === 'layer3.1.relu')?.dims).toEqual(['N', 256, 14, 14]);
    expect(r.model!.producerName).toBe('residual-studio');
    expect(JSON.parse(r.model!.metadata['residual_studio.document']!).nodes).toHaveLength(buildTemplate('resnet18')!.nodes.length);
  });

  it('an opaque op of a custom domain keeps its domain and declares it', async () => {
    const doc = chainDoc([['Opaque', { opType: 'Gelu', domain: 'com.example', inputs: 1, outputShape: '4x9x9', payload: '' }]]);
    const r = compile(doc);
    expect(r.model!.graph.nodes.find((n) => n.opType === 'Gelu')).toMatchObject({ domain: 'com.example' });
    expect(r.model!.extraOpsets).toEqual([{ domain: 'com.example', version: 1 }]);
    const { decodeModel } = await import('./decode.ts');
    const back = decodeModel(r.bytes!);
    expect(back.model!.graph.nodes.find((n) => n.opType === 'Gelu')?.domain).toBe('com.example');
  });

  it('refuses an invalid graph with its diagnostics and no bytes', () => {
    const r = compile(chainDoc([['Flatten'], ['Conv2d']]));
    expect(r.bytes).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toContain('RS203');
  });

  it('refuses opsets outside 13–21', () => {
    expect(compile(buildTemplate('tiny-resnet')!, { opset: 12 }).diagnostics[0]!.code).toBe('RS304');
    expect(compile(buildTemplate('tiny-resnet')!, { opset: 22 }).diagnostics[0]!.code).toBe('RS304');
  });
});

describe('weights', () => {
  it('are deterministic per seed and node, and torchvision-initialised', () => {
    const a = lowerToIr(buildTemplate('tiny-resnet')!).model!.graph.initializers;
    const b = lowerToIr(buildTemplate('tiny-resnet')!).model!.graph.initializers;
    const c = lowerToIr({ ...buildTemplate('tiny-resnet')!, seed: 1 }).model!.graph.initializers;
    const get = (l: typeof a, n: string) => l.find((t) => t.name === n)!.data as Float32Array;
    expect(get(a, 'block1.conv1.weight')).toEqual(get(b, 'block1.conv1.weight'));
    expect(get(a, 'block1.conv1.weight')).not.toEqual(get(c, 'block1.conv1.weight'));
    expect(get(a, 'block1.bn1.weight').every((v) => v === 1)).toBe(true);
    expect(get(a, 'block1.bn1.running_var').every((v) => v === 1)).toBe(true);
    const fc = get(a, 'fc.weight');
    expect(Math.max(...fc.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
  });

  it('editing one block re-initialises only that block', () => {
    const doc = buildTemplate('tiny-resnet')!;
    const before = new Map(lowerToIr(doc).model!.graph.initializers.map((t) => [t.name, t.data]));
    const edited = updateParams(doc, nodeId('block1'), { shortcut: 'projection' });
    const after = lowerToIr(edited).model!.graph.initializers;
    for (const t of after) {
      if (!before.has(t.name)) continue;
      if (!t.name.startsWith('block1.')) expect(t.data, t.name).toEqual(before.get(t.name));
    }
    expect(after.some((t) => t.name === 'block1.downsample.0.weight')).toBe(true);
  });

  it('stored weights are used while their block is unchanged; an edited block gets fresh ones; undo brings them back', () => {
    const doc = buildTemplate('tiny-resnet')!;
    const store = randomBnStore(doc);
    const r1 = compile(doc, { weights: store });
    expect(r1.weightSources.get(nodeId('block1'))).toBe('mixed'); // trained BN, fresh convs
    const edited = updateParams(doc, nodeId('block1'), { width: 16 });
    const r2 = compile(edited, { weights: store });
    expect(r2.weightSources.get(nodeId('block1'))).toBe('fresh');
    expect(r2.weightSources.get(nodeId('block2'))).toBe('mixed');
    const r3 = compile(updateParams(edited, nodeId('block1'), { width: 8 }), { weights: store });
    expect(r3.weightSources.get(nodeId('block1'))).toBe('mixed');
  });
});

describe('every opset 13–21', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-opset-'));
  // Debian's python3-onnx (1.12) knows opsets up to 17 and IR version 8; the checker refuses newer
  // files outright.
  const [checkerVersion, opsetText, irText] = execFileSync('/usr/bin/python3', ['-c', 'import onnx; print(onnx.__version__, onnx.defs.onnx_opset_version(), onnx.IR_VERSION)'], { encoding: 'utf8' }).trim().split(' ') as [string, string, string];
  const [checkerOpset, checkerIr] = [Number(opsetText), Number(irText)];
  const OPSETS = [13, 14, 15, 16, 17, 18, 19, 20, 21];
  const doc = chainDoc([['Conv2d', { outChannels: 8 }], ['BatchNorm2d'], ['ReLU'], ['MaxPool2d'], ['BasicBlock', { width: 16, stride: 2, shortcut: 'zero-pad' }], ['Dropout'], ['LeakyReLU'], ['AvgPool2d', { kernel: 2, stride: 1, padding: 0 }], ['GlobalAvgPool'], ['Flatten'], ['Linear', { outFeatures: 5 }], ['Softmax']], { channels: 3, height: 16, width: 16 });
  const judged = (opset: number) => opset <= checkerOpset && compile(doc, { opset }).model!.irVersion <= checkerIr;
  const unjudged = OPSETS.filter((o) => !judged(o));
  const check = (opset: number) => {
    const file = join(dir, `m${opset}.onnx`);
    writeFileSync(file, compile(doc, { opset }).bytes!);
    try {
      return execFileSync('/usr/bin/python3', ['scripts/py/onnx_check.py', file], { encoding: 'utf8' });
    } catch (err) {
      return (err as { stdout?: string }).stdout ?? String(err);
    }
  };

  it.each(OPSETS.filter(judged))('opset %i passes onnx.checker (full)', (opset) => {
    expect(check(opset)).toMatch(/OK/);
  });

  // Said in the test report, not skipped quietly. Above its own opset the installed checker has no
  // schemas (it may still print OK, judging against older ones), so there onnxruntime's session
  // creation (every node checked against its opset's schema) and the torch comparisons of
  // torch-forward.test.ts are the check. The test fails once the installed onnx knows these opsets:
  // then they must be checked here.
  if (unjudged.length > 0) {
    it(`onnx.checker cannot judge opset ${unjudged[0]}–${unjudged.at(-1)} (onnx ${checkerVersion} knows ≤ ${checkerOpset}); onnxruntime is the check there`, () => {
      const verdicts = unjudged.map((o) => `${o}: ${check(o).trim().split('\n')[0]}`);
      console.warn(`NOTE: onnx.checker (onnx ${checkerVersion}, opsets ≤ ${checkerOpset}, IR ≤ ${checkerIr}) cannot judge opsets ${unjudged.join(', ')}; its verdicts there are not trusted (${verdicts.join('; ')}). Those exports are checked by onnxruntime and against torch.`);
      // ReduceMean's axes became an input at opset 18: a checker that knew opset 18 would have that schema.
      const since = Number(execFileSync('/usr/bin/python3', ['-c', `import onnx; print(onnx.defs.get_schema('ReduceMean', ${unjudged.at(-1)}).since_version)`], { encoding: 'utf8' }).trim());
      expect(since).toBeLessThan(18);
    });
  }

  it.each(OPSETS)('opset %i runs with the same result as opset 17', async (opset) => {
    const ref = compile(doc, { opset: 17 });
    const r = compile(doc, { opset });
    expect(r.model!.opset).toBe(opset);
    const x = testInput(3 * 16 * 16);
    const a = await runOrt(r.bytes!, x, [1, 3, 16, 16]);
    const b = await runOrt(ref.bytes!, x, [1, 3, 16, 16]);
    // Same graph, same weights: only kernel selection may differ between opsets (an ulp or so).
    expect(maxRelDiff(a['logits']!.data, b['logits']!.data)).toBeLessThan(1e-6);
  });

  it('ImageNet and CIFAR templates pass the full checker', () => {
    for (const id of ['resnet18', 'cifar-resnet20', 'plain-cifar20']) {
      const file = join(dir, `${id}.onnx`);
      writeFileSync(file, compile(buildTemplate(id)!).bytes!);
      expect(execFileSync('/usr/bin/python3', ['scripts/py/onnx_check.py', file], { encoding: 'utf8' })).toMatch(/OK/);
    }
  });
});

describe('property: random valid stacks of blocks compile, run, and give exactly the inferred shape', () => {
  const block = fc.oneof(
    fc.record({ op: fc.constant<OpKind>('BasicBlock'), width: fc.integer({ min: 1, max: 8 }), stride: fc.integer({ min: 1, max: 2 }), shortcut: fc.constantFrom('auto', 'projection', 'zero-pad') }),
    fc.record({ op: fc.constant<OpKind>('Bottleneck'), width: fc.integer({ min: 1, max: 4 }), stride: fc.integer({ min: 1, max: 2 }), shortcut: fc.constantFrom('auto', 'projection') }),
    fc.record({ op: fc.constant<OpKind>('MaxPool2d'), width: fc.constant(0), stride: fc.constant(1), shortcut: fc.constant('') }),
  );
  it('holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 4, max: 12 }), fc.array(block, { minLength: 1, maxLength: 4 }), fc.boolean(), async (c, hw, blocks, head) => {
        const ops: [OpKind, Params?][] = blocks.map((b) => (b.op === 'MaxPool2d' ? ['MaxPool2d', { kernel: 3, stride: 1, padding: 1 }] : [b.op, { width: b.width, stride: b.stride, shortcut: b.shortcut }]));
        // Zero-padding can only add channels: make the width at least the input channels.
        let ch = c;
        for (const o of ops) {
          if (o[0] === 'BasicBlock' && o[1]!['shortcut'] === 'zero-pad') o[1] = { ...o[1], width: Math.max(ch, Number(o[1]!['width'])) };
          if (o[0] === 'BasicBlock') ch = Number(o[1]!['width']);
          if (o[0] === 'Bottleneck') ch = Number(o[1]!['width']) * 4;
        }
        if (head) ops.push(['GlobalAvgPool'], ['Flatten'], ['Linear', { outFeatures: 3 }]);
        const doc = chainDoc(ops, { channels: c, height: hw, width: hw });
        const a = analyze(doc);
        expect(a.diagnostics).toEqual([]);
        const r = compile(doc, { analysis: a });
        const out = await runOrt(r.bytes!, testInput(c * hw * hw), [1, c, hw, hw]);
        expect(out['logits']!.dims).toEqual([1, ...a.outputs[0]!.shape]);
      }),
      { numRuns: 25, seed: 42 },
    );
  });
});

describe('streaming export', () => {
  it('writing a model with deferred weights in chunks gives the same bytes as compiling it whole', async () => {
    const { writeModel } = await import('./serialize.ts');
    const doc = buildTemplate('cifar-resnet20')!;
    const whole = compile(doc).bytes!;
    const deferred = lowerToIr(doc, { deferWeights: true }).model!;
    expect(deferred.graph.initializers.some((t) => t.deferred && t.data.length === 0)).toBe(true);
    const chunks: Uint8Array[] = [];
    const total = writeModel(deferred, (c) => chunks.push(c.slice()), 4096);
    const joined = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      joined.set(c, off);
      off += c.length;
    }
    expect(off).toBe(total);
    expect(Buffer.from(joined).equals(Buffer.from(whole))).toBe(true);
    // Nothing bigger than one tensor is ever held: the writer never builds the whole file.
    const largest = Math.max(...deferred.graph.initializers.map((t) => t.dims.reduce((a, b) => a * b, 1) * 4));
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(Math.max(4096, largest));
  });
});
