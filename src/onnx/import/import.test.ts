/**
 * Op mapping, opaque ops, refusals, re-opening our own exports, hostile files and a fuzz test.
 * Models are written by hand in the IR and serialised, so each case states the graph it is about.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../../diagnostics/catalogue.ts';
import { buildTemplate } from '../../templates/templates.ts';
import { analyze } from '../../shape/analyze.ts';
import { compile } from '../compile.ts';
import { DataType, type IrModel } from '../ir.ts';
import { modelToProto, serializeModel } from '../serialize.ts';
import { create, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataLocation, TensorProtoSchema, StringStringEntryProtoSchema } from '../gen/onnx_pb.ts';
import { importOnnx, modulePath } from './index.ts';
import { committedFixture, relDiff, runModel } from './testing/fixtures.ts';
import { f32, i64, int, ints, model, node } from './testing/ir.ts';

const X = Float32Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => Math.cos(i * 0.37));

/** Imports, compiles with the imported weights and checks the output equals the original's in onnxruntime. */
async function sameOutput(m: IrModel) {
  const bytes = serializeModel(m);
  const r = importOnnx(bytes);
  expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
  const c = compile(r.doc!, { weights: r.weights! });
  expect(c.bytes, c.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
  expect([...c.weightSources.values()].every((s) => s === 'imported')).toBe(true);
  const a = await runModel(bytes, X, [2, 3, 8, 8]);
  const b = await runModel(c.bytes!, X, [2, 3, 8, 8]);
  expect(relDiff(b, a)).toBeLessThanOrEqual(1e-5);
  return r;
}

const ops = (r: ReturnType<typeof importOnnx>) => r.doc!.nodes.map((n) => n.op);

describe('op mapping', () => {
  it('maps a conv net with every supported layer op', async () => {
    const r = await sameOutput(
      model(
        [
          node('Conv', ['x', 'w', 'b'], ['c'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1])], '/conv1/Conv'),
          node('BatchNormalization', ['c', 's', 'bb', 'm', 'v'], ['n'], [{ name: 'epsilon', kind: 'float', value: 1e-3 }]),
          node('LeakyRelu', ['n'], ['l'], [{ name: 'alpha', kind: 'float', value: 0.2 }]),
          node('Sigmoid', ['l'], ['sg']),
          node('MaxPool', ['sg'], ['p'], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
          node('AveragePool', ['p'], ['ap'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1])]),
          node('Relu', ['ap'], ['r']),
          node('Concat', ['r', 'p'], ['cat'], [int('axis', 1)]),
          node('GlobalAveragePool', ['cat'], ['g']),
          node('Reshape', ['g', 'shape'], ['f']),
          node('Dropout', ['f'], ['d']),
          node('Gemm', ['d', 'fcw', 'fcb'], ['z'], [int('transB', 0)]),
          node('Identity', ['z'], ['i']),
          node('Softmax', ['i'], ['y'], [int('axis', 1)]),
        ],
        [f32('w', [4, 3, 3, 3]), f32('b', [4]), f32('s', [4]), f32('bb', [4]), f32('m', [4]), f32('v', [4], (i) => 1 + i / 10), i64('shape', [0, -1]), f32('fcw', [8, 5]), f32('fcb', [5])],
      ),
    );
    expect(ops(r)).toEqual(['Input', 'Conv2d', 'BatchNorm2d', 'LeakyReLU', 'Sigmoid', 'MaxPool2d', 'AvgPool2d', 'ReLU', 'Concat', 'GlobalAvgPool', 'Flatten', 'Dropout', 'Linear', 'Identity', 'Softmax', 'Output']);
    const byOp = new Map(r.doc!.nodes.map((n) => [n.op, n]));
    expect(byOp.get('Conv2d')!.name).toBe('conv1');
    expect(byOp.get('Conv2d')!.params).toMatchObject({ outChannels: 4, kernel: 3, padding: 1, bias: true });
    expect(byOp.get('BatchNorm2d')!.params['eps']).toBe(0.001);
    expect(byOp.get('AvgPool2d')!.params['countIncludePad']).toBe(false);
    // Gemm with transB = 0 keeps its weight transposed into PyTorch's [out, in].
    expect(r.weights!.get(`${byOp.get('Linear')!.name}.weight`)!.dims).toEqual([5, 8]);
  });

  it('fuses MatMul + Add into one Linear', async () => {
    const r = await sameOutput(
      model([node('Flatten', ['x'], ['f']), node('MatMul', ['f', 'w'], ['mm']), node('Add', ['mm', 'b'], ['y'])], [f32('w', [192, 7]), f32('b', [7])]),
    );
    expect(ops(r)).toEqual(['Input', 'Flatten', 'Linear', 'Output']);
    expect(r.doc!.nodes[2]!.params).toMatchObject({ outFeatures: 7, bias: true });
  });

  it('keeps a non-square conv and unknown ops as opaque nodes that export unchanged', async () => {
    const r = await sameOutput(
      model(
        [
          node('Conv', ['x', 'w'], ['c'], [ints('kernel_shape', [1, 3]), ints('pads', [0, 1, 0, 1])]),
          node('Tanh', ['c'], ['t']),
          // Max with a constant: Clip, used here before, is an editor op now.
          node('Max', ['t', 'lo'], ['cl']),
          node('Mul', ['cl', 'k'], ['y']),
        ],
        [f32('w', [4, 3, 1, 3]), f32('lo', [], () => -0.5), f32('k', [1, 4, 1, 1])],
      ),
    );
    expect(ops(r)).toEqual(['Input', 'Opaque', 'Opaque', 'Opaque', 'Opaque', 'Output']);
    const opaque = r.doc!.nodes.filter((n) => n.op === 'Opaque');
    expect(opaque.map((n) => n.params['opType'])).toEqual(['Conv', 'Tanh', 'Max', 'Mul']);
    // Shapes inferred: the window rule for the non-square conv, shape-keeping for the rest.
    expect(opaque.map((n) => n.params['outputShape'])).toEqual(['4x8x8', '4x8x8', '4x8x8', '4x8x8']);
    expect(r.diagnostics.filter((d) => d.code === 'RS605')).toHaveLength(4);
  }, 20_000);

  it('infers opaque shapes for shape-keeping ops, so the graph after them stays editable', async () => {
    const r = await sameOutput(
      model([node('Conv', ['x', 'w'], ['c'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]), node('Tanh', ['c'], ['t']), node('Relu', ['t'], ['y'])], [f32('w', [4, 3, 3, 3])]),
    );
    expect(r.doc!.nodes.find((n) => n.op === 'Opaque')!.params['outputShape']).toBe('4x8x8');
    expect(hasErrors(analyze(r.doc!).diagnostics)).toBe(false);
  });

  it('refuses graphs the editor cannot represent, with the reason', () => {
    const two = model([node('Add', ['x', 'x2'], ['y'])], []);
    const twoInputs = { ...two, graph: { ...two.graph, inputs: [...two.graph.inputs, { name: 'x2', elemType: DataType.FLOAT, dims: ['N', 3, 8, 8] }] } };
    const cases: [IrModel, RegExp][] = [
      [twoInputs, /2 graph inputs/],
      [model([node('Relu', ['x'], ['y'])], [], { input: ['N', 10] }), /N×C×H×W/],
      [model([node('Relu', ['x'], ['y'])], [], { input: ['N', 'C', 8, 8] }), /fixed number of channels/],
      [model([node('Dropout', ['x'], ['d', 'mask']), node('Add', ['d', 'mask'], ['y'])], []), /output 1/],
      [model([], [f32('y', [1])]), /constant/],
    ];
    for (const [m, why] of cases) {
      const r = importOnnx(serializeModel(m));
      expect(r.doc).toBeUndefined();
      expect(r.diagnostics.find((d) => d.code === 'RS602')?.message).toMatch(why);
    }
  });

  it('reads module paths from PyTorch node names', () => {
    expect(modulePath('/layer2/layer2.0/downsample/downsample.0/Conv')).toBe('layer2.0.downsample.0');
    expect(modulePath('/layer1/layer1.0/Add')).toBe('layer1.0');
    expect(modulePath('/fc/Gemm')).toBe('fc');
    expect(modulePath('/Flatten')).toBe('');
    expect(modulePath('resnetv17_conv0_fwd')).toBe('');
  });
});

describe('files we exported', () => {
  it('re-open with their exact document and all their weights', () => {
    const doc = buildTemplate('tiny-resnet') ?? buildTemplate('resnet18')!;
    const c = compile(doc);
    const r = importOnnx(c.bytes!);
    expect(r.embedded).toBe(true);
    expect(r.doc).toEqual(doc);
    const again = compile(r.doc!, { weights: r.weights! });
    expect([...again.weightSources.values()].every((s) => s === 'imported')).toBe(true);
  });

  it('fall back to importing the graph when the tensors do not fit the document (BN folded on export)', async () => {
    const fx = committedFixture('tiny-stack-13.onnx');
    const first = importOnnx(fx.bytes);
    const folded = compile(first.doc!, { weights: first.weights!, foldBatchNorm: true });
    const r = importOnnx(folded.bytes!);
    expect(r.embedded).toBeUndefined();
    expect(r.diagnostics.some((d) => d.code === 'RS504')).toBe(true);
    expect(analyze(r.doc!).totals.blocks).toMatchObject({ identity: 2, projection: 1 });
    const c = compile(r.doc!, { weights: r.weights! });
    const out = await runModel(c.bytes!, fx.input, fx.inputShape);
    expect(relDiff(out, fx.expected)).toBeLessThanOrEqual(1e-4);
  });
});

describe('bad and hostile files', () => {
  const good = committedFixture('tiny-stack-13.onnx').bytes;
  const proto = (m: IrModel) => modelToProto(m);
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['empty', () => new Uint8Array(0), /RS601/],
    ['random bytes', () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24), /RS60[123]/],
    ['text', () => new TextEncoder().encode('{"hello": "this is JSON, not ONNX"}\n'), /RS601/],
    ['truncated', () => good.subarray(0, Math.floor(good.length / 2)), /RS60[123]/],
    ['no graph', () => toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n })), /RS601/],
    ['dangling tensor name', () => serializeModel(model([node('Relu', ['nowhere'], ['y'])], [])), /RS602/],
    ['cycle', () => serializeModel(model([node('Add', ['x', 'b'], ['a']), node('Relu', ['a'], ['b']), node('Relu', ['a'], ['y'])], [])), /RS602/],
    [
      'huge declared dims',
      () => {
        const p = proto(model([node('Relu', ['x'], ['y'])], [f32('w', [2])]));
        p.graph!.initializer[0]!.dims = [1n << 40n, 1n << 20n];
        return toBinary(ModelProtoSchema, p);
      },
      /RS60[13]/,
    ],
    [
      'external data climbing out of the folder',
      () => {
        const p = proto(model([node('Conv', ['x', 'w'], ['y'], [ints('kernel_shape', [1, 1])])], [f32('w', [4, 3, 1, 1])]));
        const t = p.graph!.initializer[0]!;
        t.rawData = new Uint8Array(0);
        t.dataLocation = TensorProto_DataLocation.EXTERNAL;
        t.externalData = [create(StringStringEntryProtoSchema, { key: 'location', value: '../../etc/passwd' })];
        return toBinary(ModelProtoSchema, p);
      },
      /RS604.*etc\/passwd/,
    ],
    [
      'wrong field types (tensor data of the wrong kind)',
      () => {
        const p = proto(model([node('Relu', ['x'], ['y'])], [f32('w', [2])]));
        p.graph!.initializer[0] = create(TensorProtoSchema, { name: 'w', dims: [2n], dataType: DataType.FLOAT, int64Data: [1n, 2n] });
        return toBinary(ModelProtoSchema, p);
      },
      /RS602/,
    ],
  ];
  it.each(cases)('%s: no document, a diagnostic naming the problem', (_name, make, code) => {
    const r = importOnnx(make());
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')).toMatch(code);
  });

  it('over the size limit: refused before parsing', () => {
    const r = importOnnx(good, { limits: { maxFileBytes: 1000 } });
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics[0]!.code).toBe('RS603');
  });

  it('a tampered opaque payload in a saved document compiles without crashing', () => {
    const r = importOnnx(serializeModel(model([node('Tanh', ['x'], ['y'])], [])));
    const doc = { ...r.doc!, nodes: r.doc!.nodes.map((n) => (n.op === 'Opaque' ? { ...n, params: { ...n.params, payload: 'AAAA%%%not base64' } } : n)) };
    expect(() => compile(doc)).not.toThrow();
  });
});

describe('fuzz: mutated real exports', () => {
  const base = committedFixture('tiny-bottleneck-13-fold.onnx').bytes;
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }), count: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), to: fc.nat(), len: fc.integer({ min: 1, max: 512 }) }),
  );
  type Mutation = { kind: 'flip'; at: number; bits: number; count: number } | { kind: 'truncate'; at: number } | { kind: 'splice'; from: number; to: number; len: number };
  const apply = (m: Mutation): Uint8Array => {
    const b = base.slice();
    if (m.kind === 'flip') {
      for (let k = 0; k < m.count; k++) {
        const i = (m.at + k * 7919) % b.length;
        b[i] = b[i]! ^ m.bits;
      }
      return b;
    }
    if (m.kind === 'truncate') return b.subarray(0, m.at % b.length);
    const from = m.from % b.length;
    const to = m.to % b.length;
    return Uint8Array.from([...b.subarray(0, to), ...b.subarray(from, from + m.len), ...b.subarray(to)]);
  };
  it('never throws; always a document or diagnostics', () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const r = importOnnx(apply(m));
        expect(r.doc !== undefined || r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        if (r.doc) expect(() => compile(r.doc!, { weights: r.weights! })).not.toThrow();
      }),
      { numRuns: 300, seed: 5 },
    );
  }, 120_000);
});

describe('metadata', () => {
  it('a document hidden in metadata that is not valid is reported and the graph imported', () => {
    const p = modelToProto(model([node('Relu', ['x'], ['y'])], []));
    p.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'residual_studio.document', value: '{"kind":"residual-studio/document","nodes":"nope"}' }));
    const r = importOnnx(toBinary(ModelProtoSchema, p));
    expect(r.doc).toBeDefined();
    expect(r.diagnostics.some((d) => d.code === 'RS504')).toBe(true);
  });
});
