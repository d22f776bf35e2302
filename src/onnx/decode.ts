/**
 * ONNX bytes -> IR, for files that may be damaged or hostile. The reader never throws on bad
 * input: every problem becomes a diagnostic (RS601 not an ONNX model, RS602 unsupported construct,
 * RS603 over a limit, RS604 external data) that names the problem and where it is.
 *
 * Nothing a file declares is trusted before it is checked against the bytes actually present:
 * a tensor's element count is compared with the size of its data before any memory is allocated
 * for it, and totals are checked against {@link DecodeLimits}.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { diag, msg, type Diagnostic, type DiagnosticCode, type MessageArg, type MessageRef } from '../diagnostics/catalogue.ts';
import {
  AttributeProto_AttributeType as AttrType,
  AttributeProtoSchema,
  ModelProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './gen/onnx_pb.ts';
import {
  DataType,
  ELEMENT_BYTES,
  type DataTypeCode,
  type IrAttribute,
  type IrDim,
  type IrGraph,
  type IrModel,
  type IrNode,
  type IrTensor,
  type IrValueInfo,
} from './ir.ts';
import { PROTOBUF_MAX_BYTES, resolveLimits, type DecodeLimits } from './limits.ts';
import { halfToFloat } from '../weights/float16.ts';

/** What {@link decodeModel} returns: a model when nothing was an error, and what it found. */
export interface DecodeResult {
  /** Present exactly when no diagnostic has severity `error`. */
  readonly model?: IrModel;
  readonly diagnostics: Diagnostic[];
}

/**
 * Reads ONNX `ModelProto` bytes into the IR, checking everything a hostile file could lie about.
 *
 * - Not protobuf, not a model (no graph, no ir_version), or tensor data that does not match its
 *   declared dims: RS601.
 * - Sparse initializers, segmented tensors, non-tensor graph inputs, unsupported data types,
 *   a missing default-domain opset, dangling tensor names, cycles: RS602. Nodes out of order but
 *   acyclic are sorted topologically.
 * - File, node count, rank or total tensor data over {@link DecodeLimits}; negative dims: RS603.
 * - Tensors whose data lives in external files: RS604, naming the path.
 *
 * FLOAT16 and DOUBLE tensors are converted to FLOAT (the IR's float type), with a warning;
 * graph inputs and value infos naming a converted initializer follow. Attributes the IR does not
 * model (graphs, sparse tensors, type protos, references, int64 values beyond 2^53) are kept as
 * `raw` AttributeProto bytes. Warnings (severity `warning`) do not withhold the model.
 *
 * @example
 * ```ts
 * const { model, diagnostics } = decodeModel(await file.bytes());
 * if (!model) showProblems(diagnostics);
 * ```
 */
export function decodeModel(bytes: Uint8Array, limits?: Partial<DecodeLimits>): DecodeResult {
  const lim = resolveLimits(limits);
  const out = new Diagnostics(lim.maxDiagnostics);
  try {
    const model = decode(bytes, lim, out);
    const diagnostics = out.list();
    return out.errors === 0 && model ? { model, diagnostics } : { diagnostics };
  } catch (err) {
    // A throw here is a bug in this reader, but the contract is "never throw": report it as a
    // failure to read rather than crash the import.
    out.add('RS601', msg('onnx-not-model', { hint: '', problem: msg('onnx-reader-crashed', { error: errorText(err) }) }));
    return { diagnostics: out.list() };
  }
}

/** Collects diagnostics up to a cap, counting errors. */
class Diagnostics {
  private readonly items: Diagnostic[] = [];
  private dropped = 0;
  errors = 0;
  constructor(private readonly cap: number) {}
  /** Adds a problem. */
  add(code: DiagnosticCode, message: MessageRef, field?: string): void {
    this.push(diag(code, message, field === undefined ? {} : { field }));
  }
  /** A notice about something the reader changed: the code's category, at warning severity. */
  warn(code: DiagnosticCode, message: MessageRef, field?: string): void {
    this.push({ ...diag(code, message, field === undefined ? {} : { field }), severity: 'warning' });
  }
  private push(d: Diagnostic): void {
    if (d.severity === 'error') this.errors++;
    if (this.items.length < this.cap) this.items.push(d);
    else this.dropped++;
  }
  list(): Diagnostic[] {
    if (this.dropped === 0) return this.items;
    const last = diag('RS601', msg('more-problems', { n: this.dropped }));
    return [...this.items, this.errors > 0 ? last : { ...last, severity: 'warning' }];
  }
}

/** Names or phrases as one list, `a, b, c` in English (each item translated on its own). */
function listOf(items: readonly MessageArg[]): MessageArg {
  if (items.length === 0) return '';
  return items.slice(0, -1).reduceRight<MessageArg>((rest, first) => msg('onnx-list', { first, rest }), items[items.length - 1]!);
}

/** How a node is named in messages: by its name, else by its index (and op type, if any). */
const nodeLabel = (name: string, index: number, opType: string): MessageRef =>
  name ? msg('onnx-node-named', { name }) : opType ? msg('onnx-where-node-index-op', { index, opType }) : msg('onnx-where-node-index', { index });

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const IR_TYPES: ReadonlySet<number> = new Set(Object.values(DataType));

/** Bytes per element as stored in the file. */
const STORED_SIZE = ELEMENT_BYTES;

/** Bytes per element once decoded into the IR (FLOAT16 and DOUBLE become float32). */
const decodedSize = (t: number): number => (t === DataType.FLOAT16 || t === DataType.DOUBLE ? 4 : STORED_SIZE[t]!);

const typeName = (t: number): string => TensorProto_DataType[t] ?? `unknown (${t})`;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** State shared by the passes over one file. */
interface Ctx {
  readonly lim: DecodeLimits;
  readonly out: Diagnostics;
  tensorBytes: number;
  nodes: number;
  /** Tensors converted from FLOAT16/DOUBLE to FLOAT, reported together at the end. */
  readonly converted: { readonly where: MessageRef; readonly name: string; readonly from: number; readonly isInitializer: boolean }[];
}

function decode(bytes: Uint8Array, lim: DecodeLimits, out: Diagnostics): IrModel | undefined {
  if (bytes.length === 0) {
    out.add('RS601', msg('onnx-not-model', { hint: '', problem: msg('onnx-empty') }));
    return undefined;
  }
  if (bytes.length > PROTOBUF_MAX_BYTES) {
    out.add('RS603', msg('onnx-too-big-protobuf', { bytes: bytes.length }));
    return undefined;
  }
  if (bytes.length > lim.maxFileBytes) {
    out.add('RS603', msg('onnx-too-big', { bytes: bytes.length, limit: lim.maxFileBytes }));
    return undefined;
  }

  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes);
  } catch (err) {
    out.add('RS601', msg('onnx-not-model', { hint: sniff(bytes), problem: msg('onnx-parse-stopped', { error: errorText(err) }) }));
    return undefined;
  }
  if (!proto.graph) {
    out.add('RS601', msg('onnx-not-model', { hint: sniff(bytes), problem: msg('onnx-no-graph') }));
    return undefined;
  }
  const irVersion = proto.irVersion;
  if (irVersion <= 0n || irVersion > 1000n) {
    out.add('RS601', msg('onnx-not-model', { hint: sniff(bytes), problem: irVersion === 0n ? msg('onnx-ir-missing') : msg('onnx-ir-bad', { version: String(irVersion) }) }), 'ir_version');
    return undefined;
  }

  const ctx: Ctx = { lim, out, tensorBytes: 0, nodes: 0, converted: [] };
  const opset = readOpset(proto, ctx);
  const graph = readGraph(proto.graph, ctx);

  if (graph) {
    const foreign = [...new Set(graph.nodes.map((n) => n.domain).filter((d): d is string => !!d && d !== 'ai.onnx'))];
    if (foreign.length > 0) {
      const versions = foreign.map((domain): MessageArg => {
        const version = proto.opsetImport.find((o) => o.domain === domain)?.version;
        return version === undefined ? msg('onnx-domain-not-imported', { domain }) : `${domain} ${version}`;
      });
      out.warn('RS602', msg('onnx-foreign-domains', { domains: listOf(versions) }), 'opset_import');
    }
  }

  if (ctx.converted.length > 0) {
    const n = ctx.converted.length;
    const list = listOf(ctx.converted.slice(0, 5).map((c) => msg('onnx-converted-item', { where: c.where, type: typeName(c.from) })));
    out.warn('RS602', n > 5 ? msg('onnx-converted-more', { n, list, more: n - 5 }) : msg('onnx-converted', { n, list }), 'graph.initializer');
  }

  const metadata: Record<string, string> = {};
  for (const { key, value } of proto.metadataProps) {
    // A plain object: guard against keys that would reach the prototype.
    if (key === '__proto__') continue;
    metadata[key] = value;
  }

  if (!graph || opset === undefined) return undefined;
  return {
    irVersion: Number(irVersion),
    opset,
    producerName: proto.producerName,
    producerVersion: proto.producerVersion,
    graph,
    metadata,
    ...(proto.docString ? { docString: proto.docString } : {}),
  };
}

/** A hint about what the bytes look like when they are not a model. */
function sniff(bytes: Uint8Array): MessageRef | '' {
  const head = bytes.subarray(0, 64);
  if (head[0] === 0x50 && head[1] === 0x4b) return msg('onnx-hint-zip');
  if (head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46) return msg('onnx-hint-hdf5');
  let printable = 0;
  for (const b of head) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++;
  if (head.length >= 4 && printable === head.length) return msg('onnx-hint-text');
  return '';
}

function readOpset(proto: ModelProto, ctx: Ctx): number | undefined {
  const main = proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!main) {
    ctx.out.add('RS602', msg('onnx-no-default-opset'), 'opset_import');
    return undefined;
  }
  if (main.version <= 0n || main.version > 10_000n) {
    ctx.out.add('RS602', msg('onnx-opset-invalid', { version: String(main.version) }), 'opset_import');
    return undefined;
  }
  return Number(main.version);
}

function readGraph(g: GraphProto, ctx: Ctx): IrGraph | undefined {
  const { out, lim } = ctx;
  const errorsBefore = out.errors;

  if (g.sparseInitializer.length > 0) {
    const names = g.sparseInitializer.slice(0, 5).map((s) => msg('onnx-quoted', { name: s.values?.name ?? '' }));
    out.add('RS602', msg('onnx-sparse-initializers', { n: g.sparseInitializer.length, names: listOf(names) }), 'graph.sparse_initializer');
  }
  ctx.nodes += g.node.length;
  if (ctx.nodes > lim.maxNodes) {
    out.add('RS603', msg('onnx-nodes-over-limit', { n: g.node.length, limit: lim.maxNodes }), 'graph.node');
    return undefined;
  }

  const initializers: IrTensor[] = [];
  for (const [i, t] of g.initializer.entries()) {
    const ir = readTensor(t, msg('onnx-where-initializer', { name: t.name }), `graph.initializer[${i}]`, ctx, true);
    if (ir) initializers.push(ir);
  }

  const converted = new Set(ctx.converted.filter((c) => c.isInitializer).map((c) => c.name));
  const asConverted = (v: IrValueInfo): IrValueInfo =>
    converted.has(v.name) && (v.elemType === DataType.FLOAT16 || v.elemType === DataType.DOUBLE) ? { ...v, elemType: DataType.FLOAT } : v;

  const inputs = readValueInfos(g.input, (name) => msg('onnx-where-graph-input', { name }), 'graph.input', ctx, true).map(asConverted);
  const outputs = readValueInfos(g.output, (name) => msg('onnx-where-graph-output', { name }), 'graph.output', ctx, true);
  const valueInfo = readValueInfos(g.valueInfo, (name) => msg('onnx-where-value-info', { name }), 'graph.value_info', ctx, false).map(asConverted);

  const nodes = g.node.map((n, i) => readNode(n, i, ctx));
  if (out.errors > errorsBefore) return undefined;

  const ordered = checkAndOrder(nodes as IrNode[], inputs, initializers, outputs, ctx);
  if (!ordered) return undefined;
  return { name: g.name, inputs, outputs, nodes: ordered, initializers, valueInfo };
}

function readValueInfos(vs: readonly ValueInfoProto[], what: (name: string) => MessageRef, field: string, ctx: Ctx, required: boolean): IrValueInfo[] {
  const result: IrValueInfo[] = [];
  for (const [i, v] of vs.entries()) {
    const where = what(v.name);
    const f = `${field}[${i}]`;
    const type = v.type?.value;
    if (!type || type.case !== 'tensorType') {
      if (required) ctx.out.add('RS602', type ? msg('onnx-value-not-tensor', { where }) : msg('onnx-value-no-type', { where }), f);
      continue;
    }
    const elemType = type.value.elemType;
    if (!IR_TYPES.has(elemType)) {
      if (required) ctx.out.add('RS602', msg('onnx-value-elem-type', { where, type: typeName(elemType) }), f);
      continue;
    }
    const shape = type.value.shape;
    // No shape means its rank is unknown (legal: a graph output whose shape the exporter could not
    // infer), not a scalar; an input the importer needs with fixed dims is refused there.
    if (!shape && !required) continue;
    const dimsIn = shape?.dim ?? [];
    if (dimsIn.length > ctx.lim.maxRank) {
      ctx.out.add('RS603', msg('onnx-rank-over-limit', { where, rank: dimsIn.length, limit: ctx.lim.maxRank }), f);
      continue;
    }
    const dims: IrDim[] = [];
    let ok = true;
    for (const d of dimsIn) {
      if (d.value.case === 'dimValue') {
        const n = d.value.value;
        if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) {
          const dims = dimsText(dimsIn.map((x) => (x.value.case === 'dimValue' ? x.value.value : (x.value.value ?? '?'))));
          ctx.out.add('RS603', n < 0n ? msg('onnx-dim-negative', { where, dim: String(n), dims }) : msg('onnx-dim-too-large', { where, dim: String(n), dims }), f);
          ok = false;
          break;
        }
        dims.push(Number(n));
      } else {
        dims.push(d.value.case === 'dimParam' ? d.value.value : '');
      }
    }
    if (!ok) continue;
    result.push({ name: v.name, elemType: elemType as DataTypeCode, dims, ...(!shape ? { shapeUnknown: true } : {}), ...(v.docString ? { docString: v.docString } : {}) });
  }
  return result;
}

const dimsText = (dims: readonly (bigint | number | string)[]): string => dims.map(String).join(', ');

/** Where an external-data location would read from, and whether that leaves the model's folder. */
function externalPath(t: TensorProto): { path: string; climbs: boolean } {
  const path = t.externalData.find((e) => e.key === 'location')?.value ?? '';
  const parts = path.split(/[\\/]+/);
  let depth = 0;
  let climbs = /^([\\/]|[A-Za-z]:)/.test(path);
  for (const p of parts) {
    if (p === '..') depth--;
    else if (p !== '.' && p !== '') depth++;
    if (depth < 0) climbs = true;
  }
  return { path, climbs };
}

/** Why a tensor whose data lives in an external file is refused, naming the path. */
function externalMessage(where: MessageRef, t: TensorProto): MessageRef {
  const { path, climbs } = externalPath(t);
  if (!path) return msg('onnx-external-data', { where });
  return climbs ? msg('onnx-external-data-climbs', { where, path }) : msg('onnx-external-data-path', { where, path });
}

/**
 * Validates and decodes one tensor. Returns undefined (having reported why) when it cannot be
 * read. `isInitializer` decides whether a FLOAT16/DOUBLE conversion is recorded for renaming
 * value infos.
 */
function readTensor(t: TensorProto, where: MessageRef, field: string, ctx: Ctx, isInitializer: boolean): IrTensor | undefined {
  const { out, lim } = ctx;
  if (t.dataLocation === TensorProto_DataLocation.EXTERNAL || t.externalData.length > 0) {
    out.add('RS604', externalMessage(where, t), field);
    return undefined;
  }
  if (t.segment) {
    out.add('RS602', msg('onnx-tensor-segment', { where }), field);
    return undefined;
  }
  const dataType = t.dataType;
  const stored = STORED_SIZE[dataType];
  if (stored === undefined) {
    out.add('RS602', msg('onnx-data-type-unsupported', { where, type: typeName(dataType) }), field);
    return undefined;
  }
  if (t.dims.length > lim.maxRank) {
    out.add('RS603', msg('onnx-rank-over-limit', { where, rank: t.dims.length, limit: lim.maxRank }), field);
    return undefined;
  }
  let elements = 1n;
  for (const d of t.dims) {
    if (d < 0n) {
      out.add('RS603', msg('onnx-tensor-negative-dim', { where, dims: dimsText(t.dims) }), field);
      return undefined;
    }
    elements *= d;
  }

  // Where the elements are, and how many the file actually carries.
  const typedFields: [string, number][] = [
    ['float_data', t.floatData.length],
    ['int32_data', t.int32Data.length],
    ['int64_data', t.int64Data.length],
    ['double_data', t.doubleData.length],
    ['uint64_data', t.uint64Data.length],
    ['string_data', t.stringData.length],
  ];
  const expectedField =
    dataType === DataType.FLOAT ? 'float_data'
    : dataType === DataType.INT64 ? 'int64_data'
    : dataType === DataType.DOUBLE ? 'double_data'
    : 'int32_data';
  const used = typedFields.filter(([, n]) => n > 0);
  const wrong = used.find(([name]) => name !== expectedField);
  if (wrong) {
    out.add('RS602', msg('onnx-tensor-wrong-field', { where, type: typeName(dataType), field: wrong[0] }), field);
    return undefined;
  }
  const typedCount = used.length > 0 ? used[0]![1] : 0;
  const hasRaw = t.rawData.length > 0;
  if (hasRaw && typedCount > 0) {
    out.add('RS602', msg('onnx-tensor-data-twice', { where, field: expectedField }), field);
    return undefined;
  }

  const dims = dimsText(t.dims);
  if (hasRaw || typedCount === 0) {
    const need = elements * BigInt(stored);
    if (BigInt(t.rawData.length) !== need) {
      out.add('RS601', msg('onnx-tensor-raw-size', { where, elements: String(elements), dims, bytes: t.rawData.length, type: typeName(dataType), need: String(need) }), field);
      return undefined;
    }
  } else if (BigInt(typedCount) !== elements) {
    out.add('RS601', msg('onnx-tensor-value-count', { where, elements: String(elements), dims, values: typedCount, field: expectedField }), field);
    return undefined;
  }

  // The count matches bytes that exist, so it is bounded by the file size; now the budget.
  const n = Number(elements);
  const size = n * decodedSize(dataType);
  if (ctx.tensorBytes + size > lim.maxTensorBytes) {
    out.add('RS603', msg('onnx-tensor-bytes-over-limit', { where, dims, limit: lim.maxTensorBytes }), field);
    return undefined;
  }
  ctx.tensorBytes += size;

  const base = { name: t.name, dims: t.dims.map(Number), ...(t.docString ? { docString: t.docString } : {}) };
  const data = hasRaw ? fromRaw(t.rawData, dataType, n) : fromTyped(t, dataType, n);
  const conv = dataType === DataType.FLOAT16 || dataType === DataType.DOUBLE;
  if (conv) ctx.converted.push({ where, name: t.name, from: dataType, isInitializer });
  return { ...base, dataType: conv ? DataType.FLOAT : (dataType as DataTypeCode), data };
}

/** Copies little-endian raw bytes into a fresh, aligned typed array (raw_data may sit at any offset). */
function fromRaw(raw: Uint8Array, dataType: number, n: number): IrTensor['data'] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dataType) {
    case DataType.FLOAT: {
      const a = new Float32Array(n);
      if (HOST_LITTLE_ENDIAN) new Uint8Array(a.buffer).set(raw);
      else for (let i = 0; i < n; i++) a[i] = view.getFloat32(i * 4, true);
      return a;
    }
    case DataType.INT64: {
      const a = new BigInt64Array(n);
      if (HOST_LITTLE_ENDIAN) new Uint8Array(a.buffer).set(raw);
      else for (let i = 0; i < n; i++) a[i] = view.getBigInt64(i * 8, true);
      return a;
    }
    case DataType.INT32: {
      const a = new Int32Array(n);
      if (HOST_LITTLE_ENDIAN) new Uint8Array(a.buffer).set(raw);
      else for (let i = 0; i < n; i++) a[i] = view.getInt32(i * 4, true);
      return a;
    }
    case DataType.FLOAT16: {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = halfToFloat(view.getUint16(i * 2, true));
      return a;
    }
    case DataType.DOUBLE: {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat64(i * 8, true);
      return a;
    }
    default:
      return raw.slice();
  }
}

/** Decodes the typed repeated fields (float_data, int32_data, ...), already counted. */
function fromTyped(t: TensorProto, dataType: number, n: number): IrTensor['data'] {
  switch (dataType) {
    case DataType.FLOAT:
      return Float32Array.from(t.floatData);
    case DataType.INT64:
      return BigInt64Array.from(t.int64Data);
    case DataType.INT32:
      return Int32Array.from(t.int32Data);
    case DataType.DOUBLE:
      return Float32Array.from(t.doubleData);
    case DataType.FLOAT16: {
      // ONNX stores float16 bit patterns in the low 16 bits of int32_data.
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = halfToFloat(t.int32Data[i]! & 0xffff);
      return a;
    }
    default: {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = dataType === DataType.BOOL ? (t.int32Data[i] ? 1 : 0) : t.int32Data[i]! & 0xff;
      return a;
    }
  }
}

function readNode(n: NodeProto, i: number, ctx: Ctx): IrNode | undefined {
  const label = nodeLabel(n.name, i, n.opType);
  const field = `graph.node[${i}]`;
  if (!n.opType) {
    ctx.out.add('RS602', msg('onnx-node-no-op-type', { node: label }), field);
    return undefined;
  }
  const attributes: IrAttribute[] = [];
  for (const a of n.attribute) {
    const ir = readAttribute(a, msg('onnx-where-attribute-of', { name: a.name, node: label }), `${field}.attribute`, ctx);
    if (ir) attributes.push(ir);
  }
  return {
    name: n.name,
    opType: n.opType,
    ...(n.domain ? { domain: n.domain } : {}),
    inputs: n.input,
    outputs: n.output,
    attributes,
    ...(n.docString ? { docString: n.docString } : {}),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readAttribute(a: AttributeProto, where: MessageRef, field: string, ctx: Ctx): IrAttribute | undefined {
  const name = a.name;
  const raw = (): IrAttribute => {
    if (a.type === AttrType.GRAPH || a.type === AttrType.GRAPHS) {
      for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) scanSubgraph(g, where, field, ctx);
    }
    return { name, kind: 'raw', bytes: toBinary(AttributeProtoSchema, a) };
  };
  // Anything the typed forms would lose (references, unknown fields) travels as raw bytes.
  if (a.refAttrName || (a.$unknown?.length ?? 0) > 0 || a.docString) return raw();
  const safe = (v: bigint): boolean => v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
  const text = (b: Uint8Array): string | undefined => {
    try {
      return utf8.decode(b);
    } catch {
      return undefined;
    }
  };
  switch (a.type) {
    case AttrType.FLOAT:
      return { name, kind: 'float', value: a.f };
    case AttrType.INT:
      return safe(a.i) ? { name, kind: 'int', value: Number(a.i) } : raw();
    case AttrType.STRING: {
      const s = text(a.s);
      return s === undefined ? raw() : { name, kind: 'string', value: s };
    }
    case AttrType.FLOATS:
      return { name, kind: 'floats', value: a.floats };
    case AttrType.INTS:
      return a.ints.every(safe) ? { name, kind: 'ints', value: a.ints.map(Number) } : raw();
    case AttrType.STRINGS: {
      const ss = a.strings.map(text);
      return ss.every((s) => s !== undefined) ? { name, kind: 'strings', value: ss as string[] } : raw();
    }
    case AttrType.TENSOR: {
      if (!a.t) {
        ctx.out.add('RS601', msg('onnx-attribute-no-tensor', { where }), field);
        return undefined;
      }
      const t = readTensor(a.t, where, field, ctx, false);
      return t ? { name, kind: 'tensor', value: t } : undefined;
    }
    default:
      return raw();
  }
}

/**
 * Subgraphs stay opaque (raw attribute bytes), but what would be unsafe to pass on is still
 * refused: external data and sparse initializers anywhere inside, and node counts past the limit.
 */
function scanSubgraph(g: GraphProto, where: MessageRef, field: string, ctx: Ctx): void {
  const sub = msg('onnx-where-subgraph', { where, name: g.name });
  ctx.nodes += g.node.length;
  if (ctx.nodes > ctx.lim.maxNodes) {
    ctx.out.add('RS603', msg('onnx-subgraph-nodes-over-limit', { where: sub, limit: ctx.lim.maxNodes }), field);
    return;
  }
  if (g.sparseInitializer.length > 0) ctx.out.add('RS602', msg('onnx-subgraph-sparse', { where: sub }), field);
  const checkTensor = (t: TensorProto, what: MessageRef): void => {
    if (t.dataLocation === TensorProto_DataLocation.EXTERNAL || t.externalData.length > 0) {
      ctx.out.add('RS604', externalMessage(msg('onnx-where-in', { what, where: sub }), t), field);
    }
  };
  for (const t of g.initializer) checkTensor(t, msg('onnx-where-initializer', { name: t.name }));
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t) checkTensor(a.t, msg('onnx-where-attribute', { name: a.name }));
      for (const t of a.tensors) checkTensor(t, msg('onnx-where-attribute', { name: a.name }));
      for (const inner of a.g ? [a.g, ...a.graphs] : a.graphs) scanSubgraph(inner, msg('onnx-where-subgraph-node', { where: sub, name: n.name }), field, ctx);
    }
  }
}

/**
 * Checks that every tensor name resolves and orders the nodes topologically (stable: an already
 * ordered graph is returned as is). Reports dangling names, double producers and cycles.
 */
function checkAndOrder(
  nodes: readonly IrNode[],
  inputs: readonly IrValueInfo[],
  initializers: readonly IrTensor[],
  outputs: readonly IrValueInfo[],
  ctx: Ctx,
): IrNode[] | undefined {
  const { out } = ctx;
  const errorsBefore = out.errors;
  const label = (i: number): MessageRef => nodeLabel(nodes[i]!.name, i, nodes[i]!.opType);
  const given = new Set<string>([...inputs.map((v) => v.name), ...initializers.map((t) => t.name)]);
  const producer = new Map<string, number>();
  for (const [i, n] of nodes.entries()) {
    for (const o of n.outputs) {
      if (o === '') continue;
      const prev = producer.get(o);
      if (prev !== undefined) out.add('RS602', msg('onnx-tensor-two-producers', { tensor: o, first: label(prev), second: label(i) }), `graph.node[${i}]`);
      else if (given.has(o)) out.add('RS602', msg('onnx-node-writes-given', { node: label(i), tensor: o }), `graph.node[${i}]`);
      else producer.set(o, i);
    }
  }
  let sorted = true;
  for (const [i, n] of nodes.entries()) {
    for (const name of n.inputs) {
      if (name === '' || given.has(name)) continue;
      const p = producer.get(name);
      if (p === undefined) out.add('RS602', msg('onnx-node-reads-dangling', { node: label(i), tensor: name }), `graph.node[${i}]`);
      else if (p >= i) sorted = false;
    }
  }
  for (const o of outputs) {
    if (!given.has(o.name) && !producer.has(o.name)) out.add('RS602', msg('onnx-output-not-produced', { where: msg('onnx-where-graph-output', { name: o.name }) }), 'graph.output');
  }
  if (out.errors > errorsBefore) return undefined;
  if (sorted) return [...nodes];

  // Kahn's algorithm; the queue starts in file order so the result stays close to it.
  const consumers: number[][] = nodes.map(() => []);
  const pending = new Int32Array(nodes.length);
  for (const [i, n] of nodes.entries()) {
    const deps = new Set<number>();
    for (const name of n.inputs) {
      const p = producer.get(name);
      if (p !== undefined && !given.has(name)) deps.add(p);
    }
    pending[i] = deps.size;
    for (const p of deps) consumers[p]!.push(i);
  }
  const queue: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (pending[i] === 0) queue.push(i);
  const order: IrNode[] = [];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q]!;
    order.push(nodes[i]!);
    for (const c of consumers[i]!) if (--pending[c]! === 0) queue.push(c);
  }
  if (order.length < nodes.length) {
    const stuck = [...pending.keys()].filter((i) => pending[i]! > 0);
    const names: MessageArg[] = stuck.slice(0, 8).map(label);
    if (stuck.length > 8) names.push('…');
    out.add('RS602', msg('onnx-cycle', { n: stuck.length, nodes: listOf(names) }), 'graph.node');
    return undefined;
  }
  return order;
}
