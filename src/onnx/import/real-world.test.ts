/**
 * What real PyTorch exports do that the first importer did not survive: ops the editor does not
 * model in the middle of the network (their shapes from ONNX's rules, or carried as unknown),
 * `Reshape`/`Resize` targets computed from `Shape(x)`, dynamic height and width, the file's own
 * input and output names, and a time limit. Each case: import, re-export, run both in
 * onnxruntime-node and compare.
 */
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../../diagnostics/catalogue.ts';
import { analyze } from '../../shape/analyze.ts';
import { compile } from '../compile.ts';
import { decodeModel } from '../decode.ts';
import type { IrModel } from '../ir.ts';
import { serializeModel } from '../serialize.ts';
import { importOnnx } from './index.ts';
import { relDiff } from './testing/fixtures.ts';
import { f32, i64, int, ints, model, node } from './testing/ir.ts';
import * as ort from 'onnxruntime-node';

const input = (n: number, c: number, h: number, w: number) => new ort.Tensor('float32', Float32Array.from({ length: n * c * h * w }, (_, i) => Math.cos(i * 0.37)), [n, c, h, w]);

async function run(bytes: Uint8Array, x: ort.Tensor): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({ [s.inputNames[0]!]: x });
    return Object.fromEntries(s.outputNames.map((k) => [k, out[k]!.data as Float32Array]));
  } finally {
    await s.release();
  }
}

/** Imports `m`, re-exports it with its imported weights, and checks both compute the same on `x`. */
async function roundTrip(m: IrModel, x: ort.Tensor, opts: Parameters<typeof importOnnx>[1] = {}) {
  const bytes = serializeModel(m);
  const r = importOnnx(bytes, opts);
  expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
  const c = compile(r.doc!, { weights: r.weights! });
  expect(c.bytes, c.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')).toBeDefined();
  const [a, b] = [await run(bytes, x), await run(c.bytes!, x)];
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const k of Object.keys(a)) expect(relDiff(b[k]!, a[k]!)).toBeLessThanOrEqual(1e-5);
  return { ...r, bytes: c.bytes! };
}

const conv = (x: string, w: string, y: string, name = '') => node('Conv', [x, w], [y], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])], name);

describe('ops the editor does not model, in the middle of a network', () => {
  it("torch's x.view(x.size(0), -1): the Reshape's target comes from Shape(x), and the Linear after it stays a Linear", async () => {
    const r = await roundTrip(
      model(
        [
          conv('x', 'w', 'c'),
          node('Shape', ['c'], ['s']),
          node('Gather', ['s', 'zero'], ['n'], [int('axis', 0)]),
          node('Unsqueeze', ['n', 'axes0'], ['n1']),
          node('Concat', ['n1', 'minus1'], ['target'], [int('axis', 0)]),
          node('Reshape', ['c', 'target'], ['f']),
          node('Gemm', ['f', 'fcw', 'fcb'], ['y'], [int('transB', 1)]),
        ],
        [f32('w', [4, 3, 3, 3]), { ...i64('zero', [0]), dims: [] }, i64('axes0', [0]), i64('minus1', [-1]), f32('fcw', [5, 256]), f32('fcb', [5])],
      ),
      input(2, 3, 8, 8),
    );
    const reshape = r.doc!.nodes.find((n) => n.params['opType'] === 'Reshape')!;
    expect(reshape.params['outputShape']).toBe('256');
    expect(r.doc!.nodes.filter((n) => n.op === 'Linear')).toHaveLength(1);
    expect(analyze(r.doc!).outputs[0]!.shape).toEqual([5]);
  });

  it("F.interpolate(size=...) as fcn_resnet50 exports it: Resize's sizes from Shape, Slice and Concat; the Conv after it is a Conv2d", async () => {
    const r = await roundTrip(
      model(
        [
          node('Shape', ['x'], ['s']),
          node('Slice', ['s', 'st', 'en'], ['nc']),
          node('Concat', ['nc', 'hw'], ['sizes'], [int('axis', 0)]),
          node('Resize', ['x', '', '', 'sizes'], ['up'], [{ name: 'mode', kind: 'string', value: 'linear' }]),
          conv('up', 'w', 'y', '/head/conv/Conv'),
        ],
        [i64('st', [0]), i64('en', [2]), i64('hw', [16, 12]), f32('w', [2, 3, 3, 3])],
      ),
      input(1, 3, 8, 8),
    );
    expect(r.doc!.nodes.find((n) => n.params['opType'] === 'Resize')!.params['outputShape']).toBe('3x16x12');
    expect(r.doc!.nodes.find((n) => n.op === 'Conv2d')).toBeDefined();
    expect(analyze(r.doc!).outputs[0]!.shape).toEqual([2, 16, 12]);
    expect(analyze(r.doc!).diagnostics.filter((d) => d.code === 'RS608')).toEqual([]);
    // At another input size the kept op's shape may be stale, and the editor says so.
    const resized = analyze({ ...r.doc!, input: { ...r.doc!.input, height: 10, width: 10 } });
    expect(resized.diagnostics.find((d) => d.code === 'RS608')?.message).toMatch(/worked out for a 8×8 input, not the 10×10 one/);
  });

  it('an op of unknown shape is carried through: what follows it still runs and exports; a conv after it is kept as in the file', async () => {
    // Einsum is an op ONNX's rules above do not know: its shape stays unknown.
    const r = await roundTrip(
      model([node('Einsum', ['x'], ['e'], [{ name: 'equation', kind: 'string', value: 'nchw->nchw' }]), node('Relu', ['e'], ['r']), conv('r', 'w', 'c'), node('Sigmoid', ['c'], ['y'])], [f32('w', [4, 3, 3, 3])]),
      input(2, 3, 8, 8),
    );
    const ops = r.doc!.nodes.map((n) => n.op);
    expect(ops).toEqual(['Input', 'Opaque', 'ReLU', 'Opaque', 'Sigmoid', 'Output']);
    const a = analyze(r.doc!);
    expect(hasErrors(a.diagnostics)).toBe(false);
    expect(a.outputs[0]!.shape).toEqual([]);
    // The conv's weight travels in its payload, and still counts as parameters.
    expect(decodeModel(r.bytes).model!.graph.nodes.some((n) => n.opType === 'Constant')).toBe(true);
    expect(a.totals.params).toBe(4 * 3 * 3 * 3);
  });

  it('a conv added by hand after an op of unknown shape is an error that names it, not a broken file', () => {
    const r = importOnnx(serializeModel(model([node('Einsum', ['x'], ['y'], [{ name: 'equation', kind: 'string', value: 'nchw->nchw' }])], [])));
    const doc = r.doc!;
    const op = doc.nodes.find((n) => n.op === 'Opaque')!;
    const out = doc.nodes.find((n) => n.op === 'Output')!;
    const edge = doc.edges.find((e) => e.target === out.id)!;
    const c = { id: 'c' as typeof op.id, op: 'Conv2d' as const, name: 'conv_new', params: {}, position: { x: 0, y: 0 } };
    const edited = { ...doc, nodes: [...doc.nodes, c], edges: [...doc.edges.filter((e) => e !== edge), { ...edge, id: 'e1' as typeof edge.id, target: c.id }, { ...edge, id: 'e2' as typeof edge.id, source: c.id }] };
    expect(edited.edges.some((e) => e.source === op.id)).toBe(true);
    const res = compile(edited);
    expect(res.bytes).toBeUndefined();
    expect(res.diagnostics.find((d) => d.code === 'RS209')?.nodeId).toBe('c');
  });
});

describe('files of older opsets', () => {
  it('ops kept as in an opset-10 file are re-expressed at the export opset: attributes that became inputs (Pad, ReduceSum, Squeeze, Unsqueeze, Clip)', async () => {
    const r = await roundTrip(
      model(
        [
          node('Pad', ['x'], ['p'], [ints('pads', [0, 0, 1, 1, 0, 0, 1, 1]), { name: 'mode', kind: 'string', value: 'reflect' }]),
          node('ReduceSum', ['p'], ['s'], [ints('axes', [1]), int('keepdims', 1)]),
          node('Squeeze', ['s'], ['q'], [ints('axes', [1])]),
          node('Unsqueeze', ['q'], ['u'], [ints('axes', [1])]),
          node('Clip', ['u'], ['y'], [{ name: 'min', kind: 'float', value: -0.5 }, { name: 'max', kind: 'float', value: 2 }]),
        ],
        [],
        { opset: 10 },
      ),
      input(2, 3, 8, 8),
    );
    expect(r.doc!.opset).toBe(13);
    expect(analyze(r.doc!).outputs[0]!.shape).toEqual([1, 10, 10]);
  });
});

describe('shared tensors', () => {
  it('a constant two kept ops read is written once again, and a weight torch wrote once for two layers too', async () => {
    const r = await roundTrip(
      model(
        [
          node('Max', ['x', 'k'], ['a']),
          node('Min', ['a', 'k'], ['b']),
          conv('b', 'w', 'c1'),
          node('Identity', ['w'], ['w2']),
          conv('c1', 'w2', 'y'),
        ],
        [f32('k', [1], () => 0.25), f32('w', [3, 3, 3, 3], (i) => Math.sin(i) / 9)],
      ),
      input(1, 3, 8, 8),
    );
    const g = decodeModel(r.bytes).model!.graph;
    expect(g.nodes.filter((n) => n.opType === 'Constant')).toHaveLength(1);
    expect(g.initializers.filter((t) => t.dims.length === 4)).toHaveLength(1);
  });
});

describe('dynamic axes and names', () => {
  const dyn = (outputs = ['y']) =>
    model(
      [conv('img', 'w', 'c'), node('Relu', ['c'], ['r']), node('GlobalAveragePool', ['r'], ['g']), node('Flatten', ['g'], ['f']), node('Gemm', ['f', 'fcw', 'fcb'], ['y'], [int('transB', 1)]), node('Identity', ['r'], ['feat'])],
      [f32('w', [4, 3, 3, 3]), f32('fcw', [5, 4]), f32('fcb', [5])],
      { input: ['batch', 3, 'H', 'W'], inputName: 'img', outputs },
    );

  it('a file with symbolic height and width opens at a working size, says so, and its re-export still takes any size', async () => {
    const r = await roundTrip(dyn(), input(2, 3, 40, 24));
    expect(r.doc!.input).toMatchObject({ height: 224, width: 224, name: 'img', symbolic: { batch: 'batch', height: 'H', width: 'W' } });
    expect(r.diagnostics.find((d) => d.code === 'RS606')?.message).toMatch(/symbolic axes \(H, W\).*224×224/);
    const g = decodeModel(r.bytes).model!.graph;
    expect(g.inputs[0]!.dims).toEqual(['batch', 3, 'H', 'W']);
    // The classifier's output does not depend on the size: it stays fixed.
    expect(g.outputs[0]!.dims).toEqual(['batch', 5]);
    const b = await run(r.bytes, input(1, 3, 17, 31));
    expect(b['y']!.length).toBe(5);
  });

  it('the working size can be chosen', () => {
    const r = importOnnx(serializeModel(dyn()), { inputSize: { height: 96, width: 64 } });
    expect(r.doc!.input).toMatchObject({ height: 96, width: 64 });
  });

  it('keeps the names of the graph input and of every output (y and feat), and an output whose size follows the input is declared symbolic', async () => {
    const r = await roundTrip(dyn(['y', 'feat']), input(1, 3, 16, 16));
    const g = decodeModel(r.bytes).model!.graph;
    expect(g.inputs.map((v) => v.name)).toEqual(['img']);
    expect(g.outputs.map((v) => v.name)).toEqual(['y', 'feat']);
    expect(g.outputs[1]!.dims).toEqual(['batch', 4, '', '']);
  });
});

describe('names', () => {
  it("a stage whose later blocks are not recognised (dilated, as in fcn_resnet50's backbone) leaves their layers their own names", async () => {
    const block = (i: number, x: string, dil: number) => {
      const p = `layer3.${i}`;
      const attrs = [ints('kernel_shape', [3, 3]), ints('pads', [dil, dil, dil, dil]), ints('dilations', [dil, dil])];
      return [
        node('Conv', [x, `${p}.conv1.weight`, `${p}.conv1.bias`], [`${p}.c1`], attrs, `/layer3/${p}/conv1/Conv`),
        node('Relu', [`${p}.c1`], [`${p}.r1`], [], `/layer3/${p}/relu/Relu`),
        node('Conv', [`${p}.r1`, `${p}.conv2.weight`, `${p}.conv2.bias`], [`${p}.c2`], attrs, `/layer3/${p}/conv2/Conv`),
        node('Add', [`${p}.c2`, x], [`${p}.a`], [], `/layer3/${p}/Add`),
        node('Relu', [`${p}.a`], [`${p}.out`], [], `/layer3/${p}/relu_1/Relu`),
      ];
    };
    const weights = [0, 1].flatMap((i) => ['conv1', 'conv2'].flatMap((c) => [f32(`layer3.${i}.${c}.weight`, [3, 3, 3, 3], (k) => Math.sin(k) / 9), f32(`layer3.${i}.${c}.bias`, [3])]));
    const m = model([...block(0, 'x', 1), ...block(1, 'layer3.0.out', 2), node('Identity', ['layer3.1.out'], ['y'])], weights);
    const r = await roundTrip(m, input(1, 3, 8, 8));
    const names = r.doc!.nodes.map((n) => n.name);
    expect(names).toContain('layer3.0');
    expect(names).toEqual(expect.arrayContaining(['layer3.1.conv1', 'layer3.1.conv2']));
  });
});

describe('time limit', () => {
  it('an import that runs past its limit gives up with RS607 and the step it was in', () => {
    const r = importOnnx(serializeModel(dyn0()), { timeLimitMs: -1 });
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics[0]!.code).toBe('RS607');
    expect(r.diagnostics[0]!.message).toMatch(/gave up after .* s \(in its decode step\)/);
  });
});

const dyn0 = () => model([node('Relu', ['x'], ['y'])], []);
