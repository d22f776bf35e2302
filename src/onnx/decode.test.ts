import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasErrors, type Diagnostic } from '../diagnostics/catalogue.ts';
import { decodeModel, type DecodeResult } from './decode.ts';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  SparseTensorProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  type ModelProto,
} from './gen/onnx_pb.ts';
import { DataType, type IrModel } from './ir.ts';
import { modelToProto, serializeModel } from './serialize.ts';
import { DEFAULT_DECODE_LIMITS } from './limits.ts';

const PYTHON = '/usr/bin/python3';

/** Conv -> Relu -> Reshape with every attribute kind the IR models, plus a raw GRAPH attribute. */
function sampleModel(): IrModel {
  const rawGraphAttr = toBinary(
    AttributeProtoSchema,
    create(AttributeProtoSchema, {
      name: 'body',
      type: AttributeProto_AttributeType.GRAPH,
      g: { name: 'inner', node: [{ opType: 'Identity', input: ['a'], output: ['b'] }] },
    }),
  );
  return {
    irVersion: 8,
    opset: 17,
    producerName: 'residual-studio-test',
    producerVersion: '0.0.0',
    metadata: { 'residual_studio.document': '{"v":1}', note: 'ü✓' },
    docString: 'sample',
    graph: {
      name: 'sample',
      inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['N', 1, 3, 3], docString: 'image' }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: ['N', ''] }],
      valueInfo: [{ name: 'conv_out', elemType: DataType.FLOAT, dims: ['N', 1, 2, 2] }],
      initializers: [
        { name: 'conv1.weight', dims: [1, 1, 2, 2], dataType: DataType.FLOAT, data: new Float32Array([1, -1, 0.5, 2]) },
        { name: 'conv1.bias', dims: [1], dataType: DataType.FLOAT, data: new Float32Array([-3]), docString: 'bias' },
        { name: 'shape', dims: [2], dataType: DataType.INT64, data: new BigInt64Array([-1n, 4n]) },
        { name: 'i32', dims: [2], dataType: DataType.INT32, data: new Int32Array([-7, 9]) },
        { name: 'flags', dims: [3], dataType: DataType.BOOL, data: new Uint8Array([1, 0, 1]) },
        { name: 'empty', dims: [0, 4], dataType: DataType.FLOAT, data: new Float32Array(0) },
        { name: 'scalar', dims: [], dataType: DataType.FLOAT, data: new Float32Array([2.5]) },
      ],
      nodes: [
        {
          name: 'conv',
          opType: 'Conv',
          inputs: ['x', 'conv1.weight', 'conv1.bias'],
          outputs: ['conv_out'],
          attributes: [
            { name: 'kernel_shape', kind: 'ints', value: [2, 2] },
            { name: 'group', kind: 'int', value: 1 },
            { name: 'alpha', kind: 'float', value: 0.25 },
            { name: 'scales', kind: 'floats', value: [0.5, 1.5] },
            { name: 'auto_pad', kind: 'string', value: 'NOTSET' },
            { name: 'tags', kind: 'strings', value: ['a', 'ü'] },
            { name: 'value', kind: 'tensor', value: { name: 'c', dims: [2], dataType: DataType.FLOAT, data: new Float32Array([1, 2]) } },
            { name: 'body', kind: 'raw', bytes: rawGraphAttr },
          ],
          docString: 'first conv',
        },
        { name: 'relu', opType: 'Relu', inputs: ['conv_out'], outputs: ['relu_out'], attributes: [] },
        { name: 'flatten', opType: 'Reshape', domain: 'ai.onnx', inputs: ['relu_out', 'shape'], outputs: ['y'], attributes: [] },
      ],
    },
  };
}

/** The sample as a generated message, to damage on purpose. */
const sampleProto = (): ModelProto => modelToProto(sampleModel());
const encode = (m: ModelProto): Uint8Array => toBinary(ModelProtoSchema, m);
const errors = (r: DecodeResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === 'error');

function expectRefused(r: DecodeResult, code: string, ...fragments: string[]): void {
  expect(r.model).toBeUndefined();
  const hit = errors(r).find((d) => d.code === code);
  expect(hit, `expected ${code} in ${JSON.stringify(r.diagnostics)}`).toBeDefined();
  for (const f of fragments) expect(hit!.message).toContain(f);
}

describe('decodeModel round trip', () => {
  it('reads back exactly what serializeModel wrote', () => {
    const m = sampleModel();
    const r = decodeModel(serializeModel(m));
    expect(r.diagnostics).toEqual([]);
    expect(r.model).toEqual(m);
  });

  it('decodes float initializers into aligned Float32Arrays of their own', () => {
    const bytes = serializeModel(sampleModel());
    const w = decodeModel(bytes).model!.graph.initializers[0]!;
    expect(w.data).toBeInstanceOf(Float32Array);
    expect(w.data.buffer).not.toBe(bytes.buffer);
  });

  it('reads a model written by the onnx python package (float_data, int64_data, raw_data)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-onnx-'));
    const path = join(dir, 'py.onnx');
    const py = `
import sys, numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
w = h.make_tensor('w', T.FLOAT, [1, 1, 2, 2], [1.0, -1.0, 0.5, 2.0])
b = nh.from_array(np.array([-3.0], dtype=np.float32), 'b')
s = h.make_tensor('s', T.INT64, [2], [-1, 4])
h16 = nh.from_array(np.array([0.5, -2.0], dtype=np.float16), 'h16')
d64 = h.make_tensor('d64', T.DOUBLE, [2], [0.25, 3.0])
g = h.make_graph([
    h.make_node('Conv', ['x', 'w', 'b'], ['c'], name='conv', kernel_shape=[2, 2]),
    h.make_node('Relu', ['c'], ['r'], name='relu'),
    h.make_node('Reshape', ['r', 's'], ['y'], name='flat'),
  ], 'g', [h.make_tensor_value_info('x', T.FLOAT, ['N', 1, 3, 3])],
  [h.make_tensor_value_info('y', T.FLOAT, ['N', 4])], [w, b, s, h16, d64])
m = h.make_model(g, opset_imports=[h.make_opsetid('', 17)], producer_name='py')
m.ir_version = 8
onnx.helper.set_model_props(m, {'k': 'v'})
onnx.save(m, sys.argv[1])`;
    execFileSync(PYTHON, ['-c', py, path]);
    const r = decodeModel(readFileSync(path));
    expect(errors(r)).toEqual([]);
    const g = r.model!.graph;
    const byName = new Map(g.initializers.map((t) => [t.name, t]));
    expect(Array.from(byName.get('w')!.data as Float32Array)).toEqual([1, -1, 0.5, 2]);
    expect(Array.from(byName.get('b')!.data as Float32Array)).toEqual([-3]);
    expect(Array.from(byName.get('s')!.data as BigInt64Array)).toEqual([-1n, 4n]);
    expect(byName.get('h16')!.dataType).toBe(DataType.FLOAT);
    expect(Array.from(byName.get('h16')!.data as Float32Array)).toEqual([0.5, -2]);
    expect(Array.from(byName.get('d64')!.data as Float32Array)).toEqual([0.25, 3]);
    expect(r.diagnostics.some((d) => d.severity === 'warning' && d.message.includes('h16'))).toBe(true);
    expect(r.model!.metadata).toEqual({ k: 'v' });
    expect(g.nodes[0]!.attributes).toEqual([{ name: 'kernel_shape', kind: 'ints', value: [2, 2] }]);
  });
});

describe('decodeModel refuses hostile or damaged input', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('this is not a model, just some text\n')],
    ['zip', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4])],
    ['random', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])],
  ])('%s bytes -> RS601', (_, bytes) => {
    const r = decodeModel(bytes);
    expectRefused(r, 'RS601', 'not an ONNX model');
  });

  it('names ZIP archives and text in the reason', () => {
    expect(decodeModel(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4])).diagnostics[0]!.message).toContain('ZIP');
    expect(decodeModel(new TextEncoder().encode('hello world, hello world')).diagnostics[0]!.message).toContain('text');
  });

  it('truncated model -> RS601 with the parser reason', () => {
    const bytes = serializeModel(sampleModel());
    const r = decodeModel(bytes.subarray(0, bytes.length - 7));
    expectRefused(r, 'RS601');
  });

  it('file over the configured size -> RS603', () => {
    expectRefused(decodeModel(serializeModel(sampleModel()), { maxFileBytes: 100 }), 'RS603', '100-byte limit');
  });

  it('file over protobuf 2 GiB -> RS603 without parsing', () => {
    const huge = new Uint8Array(2 ** 31); // untouched zero pages: cheap
    expectRefused(decodeModel(huge, { maxFileBytes: 2 ** 32 }), 'RS603', '2 GiB');
  });

  it('missing graph -> RS601', () => {
    const m = sampleProto();
    m.graph = undefined;
    expectRefused(decodeModel(encode(m)), 'RS601', 'no graph');
  });

  it('missing ai.onnx opset -> RS602', () => {
    const m = sampleProto();
    m.opsetImport = [{ ...m.opsetImport[0]!, domain: 'com.example' }];
    expectRefused(decodeModel(encode(m)), 'RS602', 'opset');
  });

  it('external data -> RS604 naming the path, and saying when it climbs out', () => {
    const m = sampleProto();
    const w = m.graph!.initializer[0]!;
    w.rawData = new Uint8Array(0);
    w.dataLocation = TensorProto_DataLocation.EXTERNAL;
    w.externalData = [{ $typeName: 'onnx.StringStringEntryProto', key: 'location', value: '../../etc/passwd' }];
    expectRefused(decodeModel(encode(m)), 'RS604', 'conv1.weight', '../../etc/passwd', 'climbs out');
    w.externalData[0]!.value = 'weights.bin';
    const r = decodeModel(encode(m));
    expectRefused(r, 'RS604', "'weights.bin'");
    expect(errors(r)[0]!.message).not.toContain('climbs');
    w.externalData[0]!.value = 'sub/../../x.bin';
    expectRefused(decodeModel(encode(m)), 'RS604', 'climbs out');
  });

  it('external data inside a subgraph attribute -> RS604', () => {
    const m = sampleProto();
    const ext = create(TensorProtoSchema, { name: 'hidden', dataType: 1, dims: [1n], dataLocation: TensorProto_DataLocation.EXTERNAL, externalData: [{ key: 'location', value: '/etc/shadow' }] });
    m.graph!.node[1]!.attribute.push(create(AttributeProtoSchema, { name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: { name: 'then', initializer: [ext] } }));
    expectRefused(decodeModel(encode(m)), 'RS604', '/etc/shadow', 'climbs out');
  });

  it('sparse initializer -> RS602', () => {
    const m = sampleProto();
    m.graph!.sparseInitializer.push(create(SparseTensorProtoSchema, { values: { name: 'sp', dataType: 1 }, dims: [4n] }));
    expectRefused(decodeModel(encode(m)), 'RS602', 'sparse');
  });

  it('negative dims -> RS603', () => {
    const m = sampleProto();
    m.graph!.initializer[0]!.dims = [-1n, 4n];
    expectRefused(decodeModel(encode(m)), 'RS603', 'conv1.weight', 'negative');
  });

  it('declared size far beyond the bytes present -> refused before allocating', () => {
    const m = sampleProto();
    m.graph!.initializer[0]!.dims = [100000n, 100000n];
    m.graph!.initializer[0]!.rawData = new Uint8Array(1728);
    expectRefused(decodeModel(encode(m)), 'RS601', "'conv1.weight'", 'declares 10000000000 elements', 'dims [100000, 100000]', '1728 bytes');
  });

  it('typed data count that does not match dims -> RS601', () => {
    const m = sampleProto();
    const w = m.graph!.initializer[0]!;
    w.rawData = new Uint8Array(0);
    w.floatData = [1, 2, 3];
    expectRefused(decodeModel(encode(m)), 'RS601', 'declares 4 elements', '3 values in float_data');
  });

  it('data in the wrong field, or in two places -> RS602', () => {
    const m = sampleProto();
    m.graph!.initializer[2]!.floatData = [1, 2];
    expectRefused(decodeModel(encode(m)), 'RS602', 'float_data');
    const m2 = sampleProto();
    m2.graph!.initializer[0]!.floatData = [1, 2, 3, 4];
    expectRefused(decodeModel(encode(m2)), 'RS602', 'twice');
  });

  it('unsupported data type and segmented tensors -> RS602', () => {
    const m = sampleProto();
    m.graph!.initializer[0]!.dataType = 8; // STRING
    expectRefused(decodeModel(encode(m)), 'RS602', 'STRING');
    const m2 = sampleProto();
    m2.graph!.initializer[0]!.segment = { $typeName: 'onnx.TensorProto.Segment', begin: 0n, end: 2n };
    expectRefused(decodeModel(encode(m2)), 'RS602', 'segment');
  });

  it('tensor data over the total limit -> RS603', () => {
    expectRefused(decodeModel(serializeModel(sampleModel()), { maxTensorBytes: 16 }), 'RS603', 'limit of 16 bytes');
  });

  it('too many nodes -> RS603', () => {
    expectRefused(decodeModel(serializeModel(sampleModel()), { maxNodes: 2 }), 'RS603', 'limit of 2');
  });

  it('rank over the limit -> RS603', () => {
    expectRefused(decodeModel(serializeModel(sampleModel()), { maxRank: 3 }), 'RS603', 'rank 4');
  });

  it('dangling tensor name -> RS602 naming node and tensor', () => {
    const m = sampleProto();
    m.graph!.node[1]!.input = ['nowhere'];
    expectRefused(decodeModel(encode(m)), 'RS602', "node 'relu'", "'nowhere'");
  });

  it('graph output nobody produces -> RS602', () => {
    const m = sampleProto();
    m.graph!.output[0]!.name = 'ghost';
    expectRefused(decodeModel(encode(m)), 'RS602', "'ghost'");
  });

  it('two producers of one tensor -> RS602', () => {
    const m = sampleProto();
    m.graph!.node[1]!.output = ['conv_out'];
    expectRefused(decodeModel(encode(m)), 'RS602', "'conv_out'");
  });

  it('nodes out of order -> sorted topologically', () => {
    const m = sampleProto();
    m.graph!.node.reverse();
    const r = decodeModel(encode(m));
    expect(errors(r)).toEqual([]);
    expect(r.model!.graph.nodes.map((n) => n.name)).toEqual(['conv', 'relu', 'flatten']);
  });

  it('cycle -> RS602 naming the nodes', () => {
    const m = sampleProto();
    m.graph!.node[0]!.input = ['relu_out', 'conv1.weight', 'conv1.bias'];
    m.graph!.node.push(create(NodeProtoSchema, { name: 'tail', opType: 'Relu', input: ['y'], output: ['unused'] }));
    const r = decodeModel(encode(m));
    expectRefused(r, 'RS602', 'cycle', "node 'conv'", "node 'relu'");
  });

  it('keeps int64 attributes beyond 2^53 exactly, as raw bytes', () => {
    const m = sampleProto();
    m.graph!.node[2]!.attribute.push(create(AttributeProtoSchema, { name: 'end', type: AttributeProto_AttributeType.INT, i: 9223372036854775807n }));
    const r = decodeModel(encode(m));
    const attr = r.model!.graph.nodes[2]!.attributes[0]!;
    expect(attr.kind).toBe('raw');
    const again = decodeModel(serializeModel(r.model!));
    expect(again.model).toEqual(r.model);
  });

  it('graph input that is not a tensor -> RS602', () => {
    const m = sampleProto();
    m.graph!.input[0]!.type = { $typeName: 'onnx.TypeProto', value: { case: undefined }, denotation: '' };
    expectRefused(decodeModel(encode(m)), 'RS602', "graph input 'x'");
  });
});

describe('decodeModel fuzz', () => {
  const valid = serializeModel(sampleModel());

  /**
   * How much the decoder built: every array element, typed-array element and string character in
   * the result. A blow-up (a length prefix taken at its word, a dims product allocated) shows here
   * as a footprint far beyond the bytes read, without timing anything.
   */
  function footprint(v: unknown, seen = new Set<object>()): number {
    if (typeof v === 'string') return v.length;
    if (v === null || typeof v !== 'object' || seen.has(v)) return 0;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return (v as unknown as ArrayLike<unknown>).length;
    const values = Array.isArray(v) ? v : Object.values(v);
    return values.length + values.reduce<number>((sum, x) => sum + footprint(x, seen), 0);
  }
  /** What the decoder builds from nothing (the model's empty lists and the diagnostics' texts). */
  const BASE = 1024;

  /**
   * Never throws; a model exactly when there is no error; diagnostics whenever there is no model;
   * at most the diagnostics cap; and the result no bigger than a small multiple of the input (a
   * byte becomes at most a few elements), so no input can make it do unbounded work.
   */
  function wellBehaved(bytes: Uint8Array): void {
    const r = decodeModel(bytes);
    expect(r.model !== undefined).toBe(!hasErrors(r.diagnostics));
    if (!r.model) expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.length).toBeLessThanOrEqual(DEFAULT_DECODE_LIMITS.maxDiagnostics + 1);
    expect(footprint(r)).toBeLessThanOrEqual(BASE + 4 * bytes.length);
  }

  it('the footprint sees what a decode builds: a 1 MB tensor counts as its 262,144 elements', () => {
    const m = sampleProto();
    m.graph!.initializer[0]!.dims = [512n, 512n];
    m.graph!.initializer[0]!.rawData = new Uint8Array(4 * 512 * 512);
    const r = decodeModel(encode(m));
    expect(r.model).toBeDefined();
    expect(footprint(r)).toBeGreaterThan(512 * 512);
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (b) => wellBehaved(b)), { numRuns: 1000 });
  });

  it('every truncation of a valid model', () => {
    for (let n = 0; n < valid.length; n++) wellBehaved(valid.subarray(0, n));
  });

  it('byte mutations of a valid model', () => {
    const mutation = fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(mutation, (edits) => {
        const b = valid.slice();
        for (const [i, v] of edits) b[i] = v;
        wellBehaved(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('decoded mutations that still read as models serialize again', () => {
    const mutation = fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(mutation, ([i, v]) => {
        const b = valid.slice();
        b[i] = v;
        const r = decodeModel(b);
        if (r.model) expect(decodeModel(serializeModel(r.model)).model).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  });
});
