/**
 * The typed intermediate representation the compiler's passes work on. It mirrors the parts of
 * ONNX's ModelProto we use, with plain TypeScript values instead of protobuf messages, so that
 * passes (BN folding, exposing intermediates, opset legalisation, later autodiff) are ordinary
 * functions `IrModel -> IrModel`. Only `serialize.ts` knows about protobuf.
 */
import type { InitSpec } from '../weights/types.ts';

/** ONNX element types we emit or read. Values are TensorProto.DataType numbers. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** Bytes per element of each data type, as ONNX stores it in `raw_data`. */
export const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
};

/** A dimension: a fixed size, or a symbolic name such as `N`. */
export type IrDim = number | string;

/** A tensor's type and shape, as in ValueInfoProto. */
export interface IrValueInfo {
  readonly name: string;
  readonly elemType: DataTypeCode;
  readonly dims: readonly IrDim[];
  /** No shape at all (rank unknown): `dims` is then ignored and no shape is written. */
  readonly shapeUnknown?: boolean;
  readonly docString?: string;
}

/** A constant tensor (initializer or attribute value). */
export interface IrTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: DataTypeCode;
  /** Little-endian element data. float32 for FLOAT, BigInt64Array for INT64, Int32Array for INT32, raw bytes otherwise. */
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  /**
   * A FLOAT tensor whose values are generated on demand (fresh weights): when set, `data` may be
   * empty and `fill` writes all `product(dims)` values into the given buffer. Serialisers stream
   * such tensors through one scratch buffer, or generate them straight into the output; anything
   * that needs the values calls {@link tensorData}. `home`, when given, is where the values end
   * up in a finished model file that nothing writes again (`out`'s own bytes when they are
   * generated in place), so a cache may keep a view of it instead of a copy.
   */
  readonly deferred?: (out: Float32Array, home?: Uint8Array) => void;
  /**
   * What `deferred` computes, as data: `initTensorInto(spec, out, seed, key)` from `src/weights`
   * gives the same values. Set by the compiler with `deferred`, so that code which cannot call a
   * closure (a worker thread generating the tensor into its place in a file) can still make it.
   * A pass that replaces `deferred` must drop this field with it.
   */
  readonly freshInit?: FreshInit;
  readonly docString?: string;
}

/** The recipe of a fresh tensor: its initialisation, the document seed and its stream key. */
export interface FreshInit {
  readonly spec: InitSpec;
  readonly seed: number;
  readonly key: string;
}

/** The elements of a tensor, generating deferred ones. */
export function tensorData(t: IrTensor): IrTensor['data'] {
  if (!t.deferred || t.data.length > 0) return t.data;
  const out = new Float32Array(t.dims.reduce((a, b) => a * b, 1));
  t.deferred(out);
  return out;
}

/** The same tensor with its values materialised (no longer deferred). */
export function materialize(t: IrTensor): IrTensor {
  if (!t.deferred) return t;
  const { deferred: _d, freshInit: _f, ...rest } = t;
  return { ...rest, data: tensorData(t) };
}

/** An attribute of a node. `raw` carries an AttributeProto we do not model, byte for byte. */
export type IrAttribute =
  | { readonly name: string; readonly kind: 'int'; readonly value: number }
  | { readonly name: string; readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'float'; readonly value: number }
  | { readonly name: string; readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'string'; readonly value: string }
  | { readonly name: string; readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly name: string; readonly kind: 'tensor'; readonly value: IrTensor }
  | { readonly name: string; readonly kind: 'raw'; readonly bytes: Uint8Array };

/** One operator application. */
export interface IrNode {
  readonly name: string;
  readonly opType: string;
  readonly domain?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly IrAttribute[];
  readonly docString?: string;
}

/** A graph in topological order. */
export interface IrGraph {
  readonly name: string;
  readonly inputs: readonly IrValueInfo[];
  readonly outputs: readonly IrValueInfo[];
  readonly nodes: readonly IrNode[];
  readonly initializers: readonly IrTensor[];
  readonly valueInfo: readonly IrValueInfo[];
}

/** A whole model: a graph plus its opset and provenance. */
export interface IrModel {
  readonly irVersion: number;
  readonly opset: number;
  /** Opsets of other domains the graph's nodes use (custom ops kept from an import). */
  readonly extraOpsets?: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: IrGraph;
  /** Becomes ModelProto.metadata_props; the editor document travels here as `residual_studio.document`. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly docString?: string;
}

/** The IR version ONNX pairs with each opset we support (onnx/helper.py's VERSION_TABLE). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Lowest and highest opset the compiler emits. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
export const DEFAULT_OPSET = 17;
