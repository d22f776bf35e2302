/**
 * IR -> ONNX ModelProto bytes. The only writer of protobuf in the compiler: passes produce an
 * {@link IrModel}, this file turns it into the bytes that onnxruntime, Netron and `onnx.checker`
 * read.
 *
 * Everything is encoded with the generated schema (`create` + `toBinary`). The one shortcut is
 * for initializer data: a ResNet-152 carries ~240 MB of weights, and letting `toBinary` nest those
 * bytes inside TensorProto -> GraphProto -> ModelProto costs a buffer-growth copy per doubling and
 * a shift per nesting level. Instead each message is encoded without its initializers, the
 * initializers' headers are encoded without their `raw_data`, and the pieces are laid out once,
 * length prefixes computed up front, into one exactly sized buffer. Each weight byte is copied
 * exactly once. Protobuf does not fix the order of fields on the wire, so the result parses to the
 * same message `toBinary` would produce (a test checks this).
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  TensorProtoSchema,
  NodeProtoSchema,
  TensorShapeProto_DimensionSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './gen/onnx_pb.ts';
import { DataType, ELEMENT_BYTES, tensorData, type FreshInit, type IrAttribute, type IrGraph, type IrModel, type IrNode, type IrTensor, type IrValueInfo } from './ir.ts';
import { floatBytes, HOST_LITTLE_ENDIAN } from './float-bytes.ts';
import type { MessageInitShape } from '@bufbuild/protobuf';

const utf8 = new TextEncoder();

/** Options of {@link serializeModel}. */
export interface SerializeOptions {
  /**
   * Where to write the file: called once with its exact size, returns that many bytes (which may
   * hold anything: every byte is written). Default: a new buffer.
   */
  readonly output?: (bytes: number) => Uint8Array;
}

/**
 * Serializes a model to ONNX `ModelProto` bytes.
 *
 * Initializers are written as little-endian `raw_data`; `raw` attributes (serialized
 * AttributeProto bytes) are re-emitted unchanged; string dims become `dim_param` (an empty string
 * is an unknown, unnamed dimension); `metadata` becomes `metadata_props`; the model imports the
 * default ONNX domain at `model.opset`.
 *
 * Throws only on an IR that breaks its own contract (tensor data that does not match its dims or
 * data type, a `raw` attribute that is not an AttributeProto): that is a compiler bug, not a user
 * mistake.
 *
 * @example
 * ```ts
 * const bytes = serializeModel(ir);
 * await fs.writeFile('resnet18.onnx', bytes);
 * ```
 */
export function serializeModel(model: IrModel, opts: SerializeOptions = {}): Uint8Array {
  const { pieces, total } = layoutModel(model);
  const out = opts.output ? opts.output(total) : new Uint8Array(total);
  if (out.length !== total) throw new Error(`serializeModel: output gave ${out.length} bytes for a ${total}-byte file`);
  let pos = 0;
  let scratch: Float32Array | undefined;
  for (const p of pieces) {
    if (p instanceof Uint8Array) {
      out.set(p, pos);
      pos += p.length;
      continue;
    }
    // Deferred weights are generated straight into the output when it is aligned for floats.
    const home = out.subarray(pos, pos + p.elements * 4);
    if (pos % 4 === 0 && HOST_LITTLE_ENDIAN) {
      p.fill(new Float32Array(out.buffer, pos, p.elements), home);
    } else {
      scratch = scratch && scratch.length >= p.elements ? scratch : new Float32Array(p.elements);
      const view = scratch.subarray(0, p.elements);
      p.fill(view, home);
      out.set(leBytes(view), pos);
    }
    pos += p.elements * 4;
  }
  return out;
}

/**
 * Streams a model's bytes to `write` in order, in chunks of about `chunkBytes`, without ever
 * holding the whole file: deferred weights are generated into one reused scratch buffer. The
 * concatenated chunks equal {@link serializeModel}'s result. Used by the CLI to write large models
 * straight to a file.
 */
export function writeModel(model: IrModel, write: (chunk: Uint8Array) => void, chunkBytes = 1 << 20): number {
  const { pieces, total } = layoutModel(model);
  const buf = new Uint8Array(chunkBytes);
  let used = 0;
  const flush = () => {
    if (used > 0) write(buf.subarray(0, used));
    used = 0;
  };
  const push = (b: Uint8Array) => {
    if (b.length >= chunkBytes) {
      flush();
      write(b);
      return;
    }
    if (used + b.length > chunkBytes) flush();
    buf.set(b, used);
    used += b.length;
  };
  let scratch = new Float32Array(0);
  for (const p of pieces) {
    if (p instanceof Uint8Array) {
      push(p);
      continue;
    }
    if (scratch.length < p.elements) scratch = new Float32Array(p.elements);
    const view = scratch.subarray(0, p.elements);
    p.fill(view);
    push(leBytes(view));
  }
  flush();
  return total;
}

/** A stretch of a model file whose bytes are known once the model is laid out. */
export interface PlannedBytes {
  /** Where the bytes go in the file. */
  readonly offset: number;
  /** The bytes: encoded message parts run together, or a real tensor's data (a view, not a copy). */
  readonly bytes: Uint8Array;
}

/** A deferred (fresh) FLOAT tensor's payload in a model file: `elements * 4` little-endian bytes at `offset`. */
export interface PlannedTensor {
  readonly offset: number;
  readonly elements: number;
  /** The initializer's name. */
  readonly name: string;
  /** Generates the values (the tensor's `deferred`). */
  readonly fill: (out: Float32Array) => void;
  /** What `fill` computes, as data (the tensor's `freshInit`), when the compiler said. */
  readonly freshInit?: FreshInit;
}

/**
 * A model file laid out but not written: every byte's place is known, so the pieces may be
 * written in any order, by any number of writers, straight to where they belong.
 */
export interface ModelPlan {
  /** The file's size in bytes. */
  readonly total: number;
  /** Everything but the deferred tensors' payloads, in file order; adjacent small parts are merged. */
  readonly bytes: readonly PlannedBytes[];
  /** The deferred tensors' payloads, in file order. */
  readonly tensors: readonly PlannedTensor[];
}

/**
 * Lays a model out for positional writing (the CLI writes a file this way from several threads).
 * Writing every `bytes` part and every tensor's generated values (little-endian, {@link floatBytes})
 * at their offsets gives exactly {@link serializeModel}'s result. Parts smaller than `mergeBelow`
 * bytes are merged with their neighbours, so a file takes a few writes rather than one per
 * length prefix; larger parts stay views of the tensor data they came from.
 *
 * @example
 * ```ts
 * const plan = planModel(model);
 * for (const p of plan.bytes) fs.writeSync(fd, p.bytes, 0, p.bytes.length, p.offset);
 * for (const t of plan.tensors) {
 *   const v = new Float32Array(t.elements);
 *   t.fill(v);
 *   fs.writeSync(fd, floatBytes(v), 0, v.byteLength, t.offset);
 * }
 * ```
 */
export function planModel(model: IrModel, mergeBelow = 1 << 16): ModelPlan {
  const { pieces, total } = layoutModel(model);
  const bytes: PlannedBytes[] = [];
  const tensors: PlannedTensor[] = [];
  // Small parts collect here until a tensor payload or a large part interrupts them.
  let run: Uint8Array[] = [];
  let runStart = 0;
  let runLength = 0;
  const endRun = () => {
    if (runLength === 0) return;
    if (run.length === 1) bytes.push({ offset: runStart, bytes: run[0]! });
    else {
      const merged = new Uint8Array(runLength);
      let at = 0;
      for (const r of run) {
        merged.set(r, at);
        at += r.length;
      }
      bytes.push({ offset: runStart, bytes: merged });
    }
    run = [];
    runLength = 0;
  };
  let pos = 0;
  for (const p of pieces) {
    if (p instanceof Uint8Array) {
      if (p.length >= mergeBelow) {
        endRun();
        bytes.push({ offset: pos, bytes: p });
      } else if (p.length > 0) {
        if (runLength === 0) runStart = pos;
        run.push(p);
        runLength += p.length;
      }
      pos += p.length;
      continue;
    }
    endRun();
    tensors.push({ offset: pos, elements: p.elements, name: p.name, fill: p.fill, ...(p.freshInit ? { freshInit: p.freshInit } : {}) });
    pos += p.elements * 4;
  }
  endRun();
  return { total, bytes, tensors };
}

export { floatBytes } from './float-bytes.ts';

/** A deferred tensor's payload: generated when it is written. */
interface DeferredPiece {
  readonly elements: number;
  readonly name: string;
  readonly fill: (out: Float32Array, home?: Uint8Array) => void;
  readonly freshInit: FreshInit | undefined;
}

/**
 * The file as an ordered list of pieces: encoded message parts (generated schema, `toBinary`)
 * and initializer payloads, with every length prefix computed up front.
 */
function layoutModel(model: IrModel): { pieces: (Uint8Array | DeferredPiece)[]; total: number } {
  const head = toBinary(ModelProtoSchema, modelToProto(model, { withInitializers: false }));
  const graphHead = toBinary(GraphProtoSchema, graphToProto(model.graph, false));

  const initNo = GraphProtoSchema.field.initializer!.number;
  const rawNo = TensorProtoSchema.field.rawData!.number;
  const graphNo = ModelProtoSchema.field.graph!.number;

  const tail: (Uint8Array | DeferredPiece)[] = [];
  let graphLen = graphHead.length;
  for (const t of model.graph.initializers) {
    const tensorHead = toBinary(TensorProtoSchema, tensorToProto(t, false));
    const deferred = t.deferred && t.data.length === 0 && t.dataType === DataType.FLOAT;
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const payload: Uint8Array | DeferredPiece = deferred ? { elements, name: t.name, fill: t.deferred!, freshInit: t.freshInit } : tensorBytes(t);
    const payloadLen = deferred ? elements * 4 : (payload as Uint8Array).length;
    const rawPrefix = lengthPrefix(rawNo, payloadLen);
    const tensorLen = tensorHead.length + rawPrefix.length + payloadLen;
    const prefix = lengthPrefix(initNo, tensorLen);
    tail.push(prefix, tensorHead, rawPrefix, payload);
    graphLen += prefix.length + tensorLen;
  }
  const graphPrefix = lengthPrefix(graphNo, graphLen);
  return { pieces: [head, graphPrefix, graphHead, ...tail], total: head.length + graphPrefix.length + graphLen };
}

/** Little-endian bytes of a float32 array (a view on little-endian hosts). */
const leBytes = floatBytes;

/**
 * Builds the generated `ModelProto` message for a model. `serializeModel` is the fast path for
 * bytes; this is for tests and tools that want the message itself (e.g. to damage it on purpose).
 * With `withInitializers: false` the graph's initializers are left out.
 */
export function modelToProto(model: IrModel, opts: { readonly withInitializers?: boolean } = {}): ModelProto {
  const init: MessageInitShape<typeof ModelProtoSchema> = {
    irVersion: BigInt(model.irVersion),
    opsetImport: [{ domain: '', version: BigInt(model.opset) }, ...(model.extraOpsets ?? []).map((o) => ({ domain: o.domain, version: BigInt(o.version) }))],
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
  };
  if (model.docString) init.docString = model.docString;
  const proto = create(ModelProtoSchema, init);
  if (opts.withInitializers !== false) proto.graph = graphToProto(model.graph, true);
  return proto;
}

function graphToProto(g: IrGraph, withInitializers: boolean): GraphProto {
  return create(GraphProtoSchema, {
    name: g.name,
    node: g.nodes.map(nodeToProto),
    input: g.inputs.map(valueInfoToProto),
    output: g.outputs.map(valueInfoToProto),
    valueInfo: g.valueInfo.map(valueInfoToProto),
    initializer: withInitializers ? g.initializers.map((t) => tensorToProto(t, true)) : [],
  });
}

function nodeToProto(n: IrNode): NodeProto {
  const node = create(NodeProtoSchema, {
    name: n.name,
    opType: n.opType,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: n.attributes.map(attributeToProto),
  });
  if (n.domain) node.domain = n.domain;
  if (n.docString) node.docString = n.docString;
  return node;
}

function attributeToProto(a: IrAttribute): AttributeProto {
  const T = AttributeProto_AttributeType;
  switch (a.kind) {
    case 'raw':
      return fromBinary(AttributeProtoSchema, a.bytes);
    case 'int':
      return create(AttributeProtoSchema, { name: a.name, type: T.INT, i: BigInt(a.value) });
    case 'ints':
      return create(AttributeProtoSchema, { name: a.name, type: T.INTS, ints: a.value.map((v) => BigInt(v)) });
    case 'float':
      return create(AttributeProtoSchema, { name: a.name, type: T.FLOAT, f: a.value });
    case 'floats':
      return create(AttributeProtoSchema, { name: a.name, type: T.FLOATS, floats: [...a.value] });
    case 'string':
      return create(AttributeProtoSchema, { name: a.name, type: T.STRING, s: utf8.encode(a.value) });
    case 'strings':
      return create(AttributeProtoSchema, { name: a.name, type: T.STRINGS, strings: a.value.map((s) => utf8.encode(s)) });
    case 'tensor':
      return create(AttributeProtoSchema, { name: a.name, type: T.TENSOR, t: tensorToProto(a.value, true) });
  }
}

function valueInfoToProto(v: IrValueInfo): ValueInfoProto {
  const dim = v.dims.map((d) =>
    create(
      TensorShapeProto_DimensionSchema,
      typeof d === 'number'
        ? { value: { case: 'dimValue', value: BigInt(d) } }
        : d === ''
          ? {}
          : { value: { case: 'dimParam', value: d } },
    ),
  );
  const info = create(ValueInfoProtoSchema, {
    name: v.name,
    type: { value: { case: 'tensorType', value: v.shapeUnknown ? { elemType: v.elemType } : { elemType: v.elemType, shape: { dim } } } },
  });
  if (v.docString) info.docString = v.docString;
  return info;
}

function tensorToProto(t: IrTensor, withData: boolean): TensorProto {
  const proto = create(TensorProtoSchema, {
    name: t.name,
    dims: t.dims.map((d) => BigInt(d)),
    dataType: t.dataType,
  });
  if (t.docString) proto.docString = t.docString;
  if (withData) proto.rawData = tensorBytes(t);
  return proto;
}

/** Element size in bytes of each IR data type. */
const ELEM_SIZE = ELEMENT_BYTES;

/** The tensor's elements as little-endian bytes: a view, no copy, on little-endian hosts. */
function tensorBytes(t: IrTensor): Uint8Array {
  const elements = t.dims.reduce((a, b) => a * b, 1);
  const size = ELEM_SIZE[t.dataType];
  if (size === undefined) throw new Error(`serializeModel: tensor '${t.name}' has unsupported data type ${t.dataType}`);
  const d = tensorData(t);
  const expected =
    t.dataType === DataType.FLOAT ? d instanceof Float32Array
    : t.dataType === DataType.INT64 ? d instanceof BigInt64Array
    : t.dataType === DataType.INT32 ? d instanceof Int32Array
    : d instanceof Uint8Array;
  if (!expected) throw new Error(`serializeModel: tensor '${t.name}' data is a ${d.constructor.name}, which does not fit data type ${t.dataType}`);
  if (d.byteLength !== elements * size) {
    throw new Error(`serializeModel: tensor '${t.name}' has ${d.byteLength} bytes of data but dims [${t.dims.join(', ')}] need ${elements * size}`);
  }
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (HOST_LITTLE_ENDIAN || size === 1) return bytes;
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) swapped[i + j] = bytes[i + size - 1 - j]!;
  return swapped;
}

/** Tag and length varint of a length-delimited field. */
function lengthPrefix(fieldNo: number, length: number): Uint8Array {
  return new BinaryWriter().tag(fieldNo, WireType.LengthDelimited).uint32(length).finish();
}
