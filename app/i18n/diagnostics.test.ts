import { create, toBinary } from '@bufbuild/protobuf';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { chain } from '../../src/graph/testing/chain.ts';
import { analyze, connect, decodeSafetensors, MESSAGES, OPS, placeholdersOf, type Diagnostic, type MessageId } from '../../src/index.ts';
import { decodeModel } from '../../src/onnx/decode.ts';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  SparseTensorProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  TensorProto_SegmentSchema,
  TensorProtoSchema,
  type ModelProto,
} from '../../src/onnx/gen/onnx_pb.ts';
import { DataType } from '../../src/onnx/ir.ts';
import { modelToProto } from '../../src/onnx/serialize.ts';
import { diagnosticText, fixText, translateMessage } from './diagnostics.ts';
import { diagnosticsZhCN } from './diagnostics.zh-CN.ts';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

async function i18n(lng: string) {
  const i = i18next.createInstance();
  await i.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN, diagTerms: { param: zhCN.param, op: zhCN.op } } },
    ns: ['translation', 'diagTerms'],
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });
  return i.t;
}

const ids = Object.keys(MESSAGES) as MessageId[];

describe('diagnostic translations', () => {
  it('every message id of the core has English (the core table) and zh-CN text with the same placeholders', () => {
    expect(en.diagnostics).toBe(MESSAGES);
    expect(Object.keys(diagnosticsZhCN).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const zh = diagnosticsZhCN[id];
      expect(zh.trim(), id).not.toBe('');
      expect(placeholdersOf(zh), id).toEqual(placeholdersOf(MESSAGES[id]));
    }
  });

  it('the Chinese uses the concept note’s terms', () => {
    expect(diagnosticsZhCN['fix-projection']).toBe('使用投影快捷连接');
    expect(diagnosticsZhCN['add-shapes']).toMatch(/逐元素相加.*快捷连接.*投影快捷连接/);
    expect(diagnosticsZhCN['identity-changes-dims']).toMatch(/恒等映射/);
  });

  it('an Add of mismatched shapes and its fix read in Chinese, shapes unchanged', async () => {
    const t = await i18n('zh-CN');
    const { doc, ids: n } = chain([['Input'], ['Conv2d', { outChannels: 16 }], ['Conv2d', { outChannels: 32, stride: 2 }], ['BatchNorm2d'], ['Add'], ['ReLU'], ['Output']]);
    const d = analyze(connect(doc, { source: n[1]!, sourcePort: 0, target: n[4]!, targetPort: 1 }).doc).diagnostics[0]!;
    expect(diagnosticText(t, d)).toBe('add_1：无法将 N×32×16×16 与 N×16×32×32 逐元素相加 —— 快捷连接必须进行维度变换：请使用投影快捷连接（1×1 卷积，步长 2 + BN）');
    expect(fixText(t, d.fix!)).toBe('使用投影快捷连接');
  });

  it('param and op names in a message show their Chinese labels; nested phrases are translated', async () => {
    const t = await i18n('zh-CN');
    const d = analyze(chain([['Input'], ['Conv2d', { stride: 0 }], ['Output']]).doc).diagnostics[0]!;
    expect(diagnosticText(t, d)).toBe('conv_1：步幅不能小于 1，实际为 0');
    expect(fixText(t, d.fix!)).toBe('把步幅恢复为 1');
    expect(translateMessage(t, { id: 'import-unrepresentable', args: { reason: { id: 'import-input-count', args: { n: 2 } } } })).toBe('无法表示这个图：它有 2 个图输入；编辑器只支持恰好一个图像输入');
  });

  it('every param an op declares has a label (diagnostics name params by it), in both languages', () => {
    const names = new Set(Object.values(OPS).flatMap((op) => op.params.map((p) => p.name)));
    expect([...names].filter((n) => !(n in en.param))).toEqual([]);
    expect([...names].filter((n) => !(n in zhCN.param))).toEqual([]);
  });

  it('in English the app shows exactly the core’s message; an unknown id falls back to it', async () => {
    const t = await i18n('en');
    const d = analyze(chain([['Input'], ['Conv2d', { stride: 0 }], ['Output']]).doc).diagnostics[0]!;
    expect(diagnosticText(t, d)).toBe(d.message);
    expect(fixText(t, d.fix!)).toBe(d.fix!.label);
    const zh = await i18n('zh-CN');
    expect(diagnosticText(zh, { message: 'from elsewhere', messageRef: { id: 'no-such-id' as MessageId, args: {} } })).toBe('from elsewhere');
    expect(diagnosticText(zh, { message: 'no id at all' })).toBe('no id at all');
  });
});

describe('the ONNX and safetensors readers’ problems in Chinese', () => {
  /** x -> Conv 'conv' -> (unnamed) Relu -> y, with a 1×1×2×2 float weight. */
  const model = (): ModelProto =>
    modelToProto({
      irVersion: 8,
      opset: 17,
      producerName: 'test',
      producerVersion: '0',
      metadata: {},
      graph: {
        name: 'g',
        inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['N', 1, 3, 3] }],
        outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: ['N', 1, 2, 2] }],
        valueInfo: [],
        initializers: [{ name: 'conv1.weight', dims: [1, 1, 2, 2], dataType: DataType.FLOAT, data: new Float32Array([1, -1, 0.5, 2]) }],
        nodes: [
          { name: 'conv', opType: 'Conv', inputs: ['x', 'conv1.weight'], outputs: ['c'], attributes: [] },
          { name: '', opType: 'Relu', inputs: ['c'], outputs: ['y'], attributes: [] },
        ],
      },
    });
  const damaged = (edit: (m: ModelProto) => void): Uint8Array => {
    const m = model();
    edit(m);
    return toBinary(ModelProtoSchema, m);
  };
  const external = (location: string) => ({ dataLocation: TensorProto_DataLocation.EXTERNAL, externalData: [create(StringStringEntryProtoSchema, { key: 'location', value: location })] });

  const onnxCases: [string, () => Diagnostic[]][] = [
    ['external data climbing out', () => decodeModel(damaged((m) => Object.assign(m.graph!.initializer[0]!, { rawData: new Uint8Array(0) }, external('../../etc/passwd')))).diagnostics],
    [
      'external data inside a subgraph',
      () =>
        decodeModel(
          damaged((m) =>
            m.graph!.node[0]!.attribute.push(
              create(AttributeProtoSchema, {
                name: 'body',
                type: AttributeProto_AttributeType.GRAPH,
                g: { name: 'inner', initializer: [create(TensorProtoSchema, { name: 'hidden', dataType: 1, dims: [1n], ...external('w.bin') })], sparseInitializer: [create(SparseTensorProtoSchema, {})] },
              }),
            ),
          ),
        ).diagnostics,
    ],
    ['negative dims', () => decodeModel(damaged((m) => (m.graph!.initializer[0]!.dims = [-1n, 4n]))).diagnostics],
    ['declared size beyond the bytes', () => decodeModel(damaged((m) => (m.graph!.initializer[0]!.dims = [100000n, 100000n]))).diagnostics],
    ['data in the wrong field', () => decodeModel(damaged((m) => Object.assign(m.graph!.initializer[0]!, { rawData: new Uint8Array(0), int64Data: [1n, 2n, 3n, 4n] }))).diagnostics],
    ['data twice', () => decodeModel(damaged((m) => (m.graph!.initializer[0]!.floatData = [1, 2, 3, 4]))).diagnostics],
    ['typed count', () => decodeModel(damaged((m) => Object.assign(m.graph!.initializer[0]!, { rawData: new Uint8Array(0), floatData: [1, 2, 3] }))).diagnostics],
    ['STRING data, segmented', () => decodeModel(damaged((m) => Object.assign(m.graph!.initializer[0]!, { dataType: 8, segment: create(TensorProto_SegmentSchema, { begin: 0n, end: 2n }) }))).diagnostics],
    ['an unnamed node reads nothing', () => decodeModel(damaged((m) => (m.graph!.node[1]!.input = ['nowhere']))).diagnostics],
    ['two producers, an output nobody makes', () => decodeModel(damaged((m) => ((m.graph!.node[1]!.output = ['c']), (m.graph!.output[0]!.name = 'ghost')))).diagnostics],
    ['cycle', () => decodeModel(damaged((m) => ((m.graph!.node[0]!.input = ['y', 'conv1.weight']), m.graph!.node.push(create(NodeProtoSchema, { name: 'tail', opType: 'Relu', input: ['y'], output: ['z'] }))))).diagnostics],
    ['graph input that is not a tensor', () => decodeModel(damaged((m) => (m.graph!.input[0]!.type = undefined))).diagnostics],
    ['no ai.onnx opset', () => decodeModel(damaged((m) => (m.opsetImport[0]!.domain = 'com.example'))).diagnostics],
    ['sparse initializer, attribute without a tensor', () => decodeModel(damaged((m) => (m.graph!.sparseInitializer.push(create(SparseTensorProtoSchema, { values: { name: 'sp', dataType: 1 } })), m.graph!.node[1]!.attribute.push(create(AttributeProtoSchema, { name: 'value', type: AttributeProto_AttributeType.TENSOR }))))).diagnostics],
    ['FLOAT16 converted, foreign domain', () => decodeModel(damaged((m) => (m.graph!.initializer.push(create(TensorProtoSchema, { name: 'h16', dataType: 10, dims: [1n], rawData: new Uint8Array(2) })), (m.graph!.node[1]!.domain = 'com.example')))).diagnostics],
    ['limits', () => [...decodeModel(toBinary(ModelProtoSchema, model()), { maxRank: 3 }).diagnostics, ...decodeModel(toBinary(ModelProtoSchema, model()), { maxNodes: 1 }).diagnostics, ...decodeModel(toBinary(ModelProtoSchema, model()), { maxTensorBytes: 8 }).diagnostics]],
  ];

  /** A safetensors file from a header and a data section. */
  const file = (header: unknown, data = new Uint8Array(0), length?: number): Uint8Array => {
    const h = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setUint32(0, length ?? h.length, true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };
  const safetensorsCases: [string, () => Diagnostic[]][] = [
    ['too short', () => decodeSafetensors(new Uint8Array(5)).diagnostics],
    ['header past the end', () => decodeSafetensors(file({}, new Uint8Array(0), 1000)).diagnostics],
    ['header over the limit', () => decodeSafetensors(file({ a: 1 }), { maxHeaderBytes: 4 }).diagnostics],
    ['header not UTF-8', () => decodeSafetensors(file('\u00ff').map((b, i) => (i === 9 ? 0xff : b))).diagnostics],
    ['header a JSON array', () => decodeSafetensors(file([1, 2])).diagnostics],
    ['metadata not an object', () => decodeSafetensors(file({ __metadata__: 3 })).diagnostics],
    ['metadata not strings', () => decodeSafetensors(file({ __metadata__: { note: 1 } })).diagnostics],
    [
      'bad tensor entries',
      () =>
        decodeSafetensors(
          file(
            {
              notAnObject: 5,
              unknownDtype: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] },
              negativeShape: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] },
              badOffsets: { dtype: 'F32', shape: [1], data_offsets: [0] },
              outside: { dtype: 'F32', shape: [1], data_offsets: [4, 12] },
              mismatch: { dtype: 'F32', shape: [3], data_offsets: [0, 8] },
            },
            new Uint8Array(8),
          ),
        ).diagnostics,
    ],
    ['overlapping tensors', () => decodeSafetensors(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8))).diagnostics],
  ];

  /**
   * The words that stay in Latin letters in the Chinese: ONNX and safetensors field, type and op
   * names, and the operator domain these files use. Names from the file (tensors, nodes, paths)
   * are quoted “…” and removed before the check.
   */
  const kept = new Set(
    'com example ai onnx opset op_type raw_data float_data int64_data dims value_info TENSOR FLOAT FLOAT16 STRING Conv Relu sequence map optional ONNX protobuf safetensors dtype shape data_offsets __metadata__ UTF JSON F32 Q4'.split(' '),
  );
  const latinWords = (text: string): string[] => (text.replace(/“[^”]*”/g, '').match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).filter((w) => !kept.has(w));

  it.each([...onnxCases, ...safetensorsCases])('%s: every diagnostic reads in Chinese, names and field names aside', async (_name, make) => {
    const zh = await i18n('zh-CN');
    const en = await i18n('en');
    const ds = make();
    expect(ds.length).toBeGreaterThan(0);
    for (const d of ds) {
      const text = diagnosticText(zh, d);
      expect(text, d.message).toMatch(/[\u4e00-\u9fff]/);
      expect(latinWords(text), text).toEqual([]);
      // In English the app shows the core's message unchanged.
      expect(diagnosticText(en, d)).toBe(d.message);
    }
  });

  it('nested places and lists read as one Chinese sentence', async () => {
    const zh = await i18n('zh-CN');
    const texts = (ds: Diagnostic[]) => ds.map((d) => diagnosticText(zh, d));
    expect(texts(onnxCases[0]![1]())).toEqual(['初始化器“conv1.weight”的数据保存在外部文件“../../etc/passwd”中，这个路径跳出了模型所在的文件夹；只能读取自包含的模型']);
    expect(texts(onnxCases[1]![1]())).toEqual([
      '节点“conv”的属性“body”的子图“inner”含有稀疏初始化器；只支持稠密张量',
      '节点“conv”的属性“body”的子图“inner”中的初始化器“hidden”的数据保存在外部文件“w.bin”中；只能读取自包含的模型',
    ]);
    expect(texts(onnxCases[8]![1]())).toEqual(['节点 #1（Relu）读取张量“nowhere”，但没有任何图输入、初始化器或节点产生它']);
    expect(texts(onnxCases[10]![1]())).toEqual(['图中有环：3 个节点互相依赖彼此的输出（节点“conv”、节点 #1（Relu）、节点“tail”）']);
    expect(texts(safetensorsCases.at(-1)![1]())).toEqual(['不是有效的 safetensors 文件：张量“a”[0, 8] 与“b”[4, 8] 重叠']);
  });
});
