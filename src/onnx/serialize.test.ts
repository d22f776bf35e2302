import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { equals, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { file_onnx, ModelProtoSchema } from './gen/onnx_pb.ts';
import { DataType, type IrModel } from './ir.ts';
import { floatBytes, modelToProto, planModel, serializeModel, writeModel } from './serialize.ts';

const PYTHON = '/usr/bin/python3';
const CHECK_SCRIPT = join(import.meta.dirname, '../../scripts/py/onnx_check.py');

/** Runs scripts/py/onnx_check.py; fails the test (not skips) when python3-onnx is missing. */
function onnxCheck(bytes: Uint8Array): { ok: boolean; out: string } {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: install python3-onnx to run the ONNX conformance tests`);
  const dir = mkdtempSync(join(tmpdir(), 'rs-onnx-'));
  const path = join(dir, 'model.onnx');
  writeFileSync(path, bytes);
  const r = spawnSync(PYTHON, [CHECK_SCRIPT, path], { encoding: 'utf8' });
  if (r.status === 2) throw new Error(`onnx_check.py could not run: ${r.stderr}`);
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Conv(3x3 input, 2x2 kernel, bias) -> Relu -> Reshape to [N, 4]. Small enough to compute by hand.
 */
function tinyConvModel(): IrModel {
  return {
    irVersion: 8,
    opset: 17,
    producerName: 'residual-studio-test',
    producerVersion: '0.0.0',
    metadata: { 'residual_studio.document': '{"v":1}' },
    docString: 'hand-built test model',
    graph: {
      name: 'tiny',
      inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['N', 1, 3, 3] }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: ['N', 4] }],
      valueInfo: [{ name: 'conv_out', elemType: DataType.FLOAT, dims: ['N', 1, 2, 2] }],
      initializers: [
        { name: 'w', dims: [1, 1, 2, 2], dataType: DataType.FLOAT, data: new Float32Array([1, -1, 0.5, 2]) },
        { name: 'b', dims: [1], dataType: DataType.FLOAT, data: new Float32Array([-3]) },
        { name: 'shape', dims: [2], dataType: DataType.INT64, data: new BigInt64Array([-1n, 4n]) },
      ],
      nodes: [
        {
          name: 'conv',
          opType: 'Conv',
          inputs: ['x', 'w', 'b'],
          outputs: ['conv_out'],
          attributes: [
            { name: 'kernel_shape', kind: 'ints', value: [2, 2] },
            { name: 'strides', kind: 'ints', value: [1, 1] },
            { name: 'pads', kind: 'ints', value: [0, 0, 0, 0] },
            { name: 'auto_pad', kind: 'string', value: 'NOTSET' },
            { name: 'group', kind: 'int', value: 1 },
          ],
        },
        { name: 'relu', opType: 'Relu', inputs: ['conv_out'], outputs: ['relu_out'], attributes: [], docString: 'ReLU' },
        { name: 'flatten', opType: 'Reshape', inputs: ['relu_out', 'shape'], outputs: ['y'], attributes: [] },
      ],
    },
  };
}

describe('onnx.proto subset', () => {
  it('uses the field numbers and types of the real onnx.proto', () => {
    // Ask the installed onnx package for its descriptors and compare every field we declare.
    const py = `
import json, onnx.onnx_ml_pb2 as p
out = {}
def walk(d, prefix):
    out[prefix + d.name] = {f.name: [f.number, f.type, f.label] for f in d.fields}
    for n in d.nested_types: walk(n, prefix + d.name + '.')
for m in p.DESCRIPTOR.message_types_by_name.values(): walk(m, '')
print(json.dumps(out))`;
    const upstream = JSON.parse(execFileSync(PYTHON, ['-c', py], { encoding: 'utf8' })) as Record<string, Record<string, [number, number, number]>>;
    const ours: [string, DescMessage][] = [];
    const walk = (m: DescMessage, prefix: string): void => {
      ours.push([prefix + m.name, m]);
      for (const n of m.nestedMessages) walk(n, `${prefix}${m.name}.`);
    };
    for (const m of file_onnx.messages) walk(m, '');
    expect(ours.length).toBeGreaterThan(10);
    for (const [name, m] of ours) {
      const theirs = upstream[name];
      expect(theirs, `upstream has message ${name}`).toBeDefined();
      for (const f of m.fields) {
        const t = theirs![f.name];
        expect(t, `upstream ${name}.${f.name}`).toBeDefined();
        expect([f.number, f.proto.type, f.proto.label], `${name}.${f.name}`).toEqual(t);
      }
    }
  });
});

describe('serializeModel', () => {
  it('writes a model that onnx.checker accepts with full_check', () => {
    const r = onnxCheck(serializeModel(tinyConvModel()));
    expect(r.out).toBe('OK');
  });

  it('writes a model that onnxruntime runs with the hand-computed result', async () => {
    const session = await ort.InferenceSession.create(serializeModel(tinyConvModel()));
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = await session.run({ x: new ort.Tensor('float32', x, [1, 1, 3, 3]) });
    // conv(window) = 1*a - 1*b + 0.5*c + 2*d - 3, then ReLU:
    // [1,2,4,5] -> 1-2+2+10-3 = 8; [2,3,5,6] -> 2-3+2.5+12-3 = 10.5;
    // [4,5,7,8] -> 4-5+3.5+16-3 = 15.5; [5,6,8,9] -> 5-6+4+18-3 = 18
    const y = out.y!;
    expect(y.dims).toEqual([1, 4]);
    expect(Array.from(y.data as Float32Array)).toEqual([8, 10.5, 15.5, 18]);
  });

  it('gives the same message as plain toBinary of the generated schema', () => {
    const m = tinyConvModel();
    const fast = fromBinary(ModelProtoSchema, serializeModel(m));
    const plain = fromBinary(ModelProtoSchema, toBinary(ModelProtoSchema, modelToProto(m)));
    expect(equals(ModelProtoSchema, fast, plain)).toBe(true);
    expect(fast.graph?.initializer.map((t) => t.name)).toEqual(['w', 'b', 'shape']);
    expect(fast.metadataProps).toEqual([expect.objectContaining({ key: 'residual_studio.document', value: '{"v":1}' })]);
  });

  it('writes initializers as little-endian raw_data and symbolic dims as dim_param', () => {
    const p = fromBinary(ModelProtoSchema, serializeModel(tinyConvModel()));
    const w = p.graph!.initializer[0]!;
    expect(w.floatData).toEqual([]);
    expect(new DataView(w.rawData.buffer, w.rawData.byteOffset).getFloat32(12, true)).toBe(2);
    const shape = p.graph!.initializer[2]!;
    expect(new DataView(shape.rawData.buffer, shape.rawData.byteOffset).getBigInt64(0, true)).toBe(-1n);
    const xType = p.graph!.input[0]!.type!.value;
    expect(xType.case).toBe('tensorType');
    if (xType.case === 'tensorType') expect(xType.value.shape!.dim[0]!.value).toEqual({ case: 'dimParam', value: 'N' });
  });

  it('planModel and writeModel give the bytes of serializeModel, whatever order the plan is written in', () => {
    const m = tinyConvModel();
    // Two deferred (fresh) tensors around a real one large enough to stay a view of its data.
    const ramp = (out: Float32Array, k: number) => out.forEach((_, i) => (out[i] = k + i / 8));
    const model: IrModel = {
      ...m,
      graph: {
        ...m.graph,
        initializers: [
          { name: 'fresh.a', dims: [3, 5], dataType: DataType.FLOAT, data: new Float32Array(0), deferred: (o) => ramp(o, 1) },
          ...m.graph.initializers,
          { name: 'real', dims: [300], dataType: DataType.FLOAT, data: Float32Array.from({ length: 300 }, (_, i) => -i) },
          { name: 'fresh.b', dims: [7], dataType: DataType.FLOAT, data: new Float32Array(0), deferred: (o) => ramp(o, -2) },
        ],
      },
    };
    const expected = serializeModel(model);
    const plan = planModel(model, 1024);
    expect(plan.total).toBe(expected.length);
    expect(plan.tensors.map((t) => [t.name, t.elements])).toEqual([['fresh.a', 15], ['fresh.b', 7]]);
    const real = model.graph.initializers[4]!.data;
    expect(plan.bytes.some((b) => b.bytes.buffer === real.buffer)).toBe(true);
    const file = new Uint8Array(plan.total).fill(0xee);
    for (const t of [...plan.tensors].reverse()) {
      const v = new Float32Array(t.elements);
      t.fill(v);
      file.set(floatBytes(v), t.offset);
    }
    for (const b of [...plan.bytes].reverse()) file.set(b.bytes, b.offset);
    expect(file).toEqual(expected);
    // Every byte is covered exactly once.
    const spans = [...plan.bytes.map((b) => [b.offset, b.bytes.length]), ...plan.tensors.map((t) => [t.offset, t.elements * 4])].sort((a, b) => a[0]! - b[0]!);
    let end = 0;
    for (const [o, n] of spans) {
      expect(o).toBe(end);
      end = o! + n!;
    }
    expect(end).toBe(plan.total);
    const chunks: Uint8Array[] = [];
    writeModel(model, (c) => chunks.push(c.slice()), 64);
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(expected);
  });

  it('throws on an IR whose tensor data does not match its dims (a compiler bug)', () => {
    const m = tinyConvModel();
    const bad: IrModel = {
      ...m,
      graph: { ...m.graph, initializers: [{ name: 'w', dims: [3], dataType: DataType.FLOAT, data: new Float32Array(2) }] },
    };
    expect(() => serializeModel(bad)).toThrow(/'w'/);
  });
});
