/**
 * IDX files: the format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte[.gz]`,
 * `train-labels-idx1-ubyte[.gz]`, `t10k-…`), as LeCun's page defines it:
 *
 * ```
 * 0x00 0x00 <type> <ndims>           magic: two zero bytes, the element type, the number of dims
 * <dim 0> … <dim ndims-1>            each a big-endian uint32
 * <data>                             the elements, row-major, big-endian
 * ```
 *
 * Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 * Files may be gzipped (as distributed); gzip is recognised by its magic bytes, not the name,
 * and its CRC-32 and length are checked, so a damaged download is refused rather than read as
 * noise. Decompression uses fflate, which runs alike in browsers and Node.
 *
 * Nothing here throws on a bad file: every problem comes back as a {@link DataProblem} with a
 * stable code and a message that says what is wrong.
 */
import { Gunzip } from 'fflate';

/** What can be wrong with a data file or a data set. Tests assert the code, not the wording. */
export type DataProblemCode =
  /** The gzip stream is cut short or its checksum does not match. */
  | 'gzip-damaged'
  /** Not an IDX file (wrong magic, unknown element type, no dims). */
  | 'not-idx'
  /** Fewer bytes than the header's dims need. */
  | 'truncated'
  /** More bytes than the header's dims need. */
  | 'trailing-bytes'
  /** Bigger than the reader's limit. */
  | 'too-large'
  /** An IDX file, but not the kind expected here (labels where images belong, float images…). */
  | 'wrong-kind'
  /** The images file and the labels file hold different numbers of items. */
  | 'count-mismatch'
  /** A label is not a class the data set (or the network) has. */
  | 'label-out-of-range'
  /** Images of a size that does not fit (empty, or training and test sizes differ). */
  | 'wrong-image-size'
  /** A file the data set needs is not there, or cannot be read. */
  | 'missing-file';

/** One problem with a data file, with the file's name when known. */
export interface DataProblem {
  readonly code: DataProblemCode;
  readonly message: string;
}

/** A value, or the problem that stopped it. */
export type DataResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: DataProblem };

/** Element types of IDX files. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX file: its element type, its dims and its elements in host order. */
export interface IdxArray {
  readonly type: IdxType;
  readonly dims: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Limits of {@link readIdx}, so a hostile header cannot make it allocate without bound. */
export interface IdxLimits {
  /** Largest decompressed size, in bytes. Default 1 GiB (Fashion-MNIST's training images are 47 MB). */
  readonly maxBytes: number;
}

export const DEFAULT_IDX_LIMITS: IdxLimits = { maxBytes: 2 ** 30 };

const TYPES: Readonly<Record<number, { type: IdxType; size: number }>> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

const fail = (code: DataProblemCode, message: string): { ok: false; problem: DataProblem } => ({ ok: false, problem: { code, message } });
const where = (name: string | undefined) => (name ? `${name}: ` : '');

/** True when `bytes` start with gzip's magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads an IDX file, gzipped or not.
 *
 * @example
 * ```ts
 * const r = readIdx(readFileSync('train-labels-idx1-ubyte.gz'), { name: 'train-labels-idx1-ubyte.gz' });
 * if (!r.ok) throw new Error(r.problem.message);
 * r.value.dims; // [60000]
 * ```
 */
export function readIdx(bytes: Uint8Array, opts: { readonly name?: string; readonly limits?: Partial<IdxLimits> } = {}): DataResult<IdxArray> {
  const limits = { ...DEFAULT_IDX_LIMITS, ...opts.limits };
  let raw = bytes;
  if (isGzip(bytes)) {
    const g = gunzip(bytes, limits.maxBytes);
    if (!g.ok) return fail(g.problem.code, where(opts.name) + g.problem.message);
    raw = g.value;
  }
  return decodeIdx(raw, opts.name, limits);
}

/** Decodes uncompressed IDX bytes. */
export function decodeIdx(bytes: Uint8Array, name?: string, limits: IdxLimits = DEFAULT_IDX_LIMITS): DataResult<IdxArray> {
  const at = where(name);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    return fail('not-idx', `${at}not an IDX file (an IDX file starts with two zero bytes, a type code and the number of dims${bytes.length >= 2 ? `; this one starts with ${hex(bytes.subarray(0, 4))}` : `; this one is ${bytes.length} bytes long`})`);
  }
  const t = TYPES[bytes[2]!];
  if (!t) return fail('not-idx', `${at}not an IDX file: element type code 0x${bytes[2]!.toString(16).padStart(2, '0')} is none of IDX's (0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`);
  const ndims = bytes[3]!;
  if (ndims === 0) return fail('not-idx', `${at}not an IDX file: it declares 0 dims`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) return fail('truncated', `${at}truncated: the header declares ${ndims} dims but the file ends after ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let elements = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    elements *= d;
  }
  const dataBytes = elements * t.size;
  if (dataBytes > limits.maxBytes) return fail('too-large', `${at}dims [${dims.join(', ')}] of ${t.type} make ${dataBytes} bytes, over the ${limits.maxBytes}-byte limit`);
  const have = bytes.length - headerBytes;
  if (have < dataBytes) return fail('truncated', `${at}truncated: dims [${dims.join(', ')}] of ${t.type} need ${dataBytes} bytes of data, the file has ${have}`);
  if (have > dataBytes) return fail('trailing-bytes', `${at}damaged: dims [${dims.join(', ')}] of ${t.type} need ${dataBytes} bytes of data, the file has ${have - dataBytes} more`);
  return { ok: true, value: { type: t.type, dims, data: elementsOf(view, headerBytes, elements, t.type) } };
}

function elementsOf(view: DataView, offset: number, n: number, type: IdxType): IdxArray['data'] {
  switch (type) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + n));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + n));
    case 'int16':
      return Int16Array.from({ length: n }, (_, i) => view.getInt16(offset + 2 * i, false));
    case 'int32':
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(offset + 4 * i, false));
    case 'float32':
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(offset + 4 * i, false));
    case 'float64':
      return Float64Array.from({ length: n }, (_, i) => view.getFloat64(offset + 8 * i, false));
  }
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/**
 * Decompresses a gzip file, checking the last member's CRC-32 and length (fflate checks neither,
 * and a file cut short inside its trailer, or with a flipped byte, would otherwise decompress to
 * plausible-looking garbage).
 */
export function gunzip(bytes: Uint8Array, maxBytes: number = DEFAULT_IDX_LIMITS.maxBytes): DataResult<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let tooLarge = false;
  let memberStart = 0;
  const g = new Gunzip((chunk) => {
    if (tooLarge) return;
    total += chunk.length;
    if (total > maxBytes) {
      tooLarge = true;
      return;
    }
    chunks.push(chunk);
  });
  // Called at the start of each member after the first; the trailer checked is the last one's.
  g.onmember = () => {
    memberStart = total;
  };
  try {
    g.push(bytes, true);
  } catch (e) {
    return fail('gzip-damaged', `the gzip data is truncated or damaged (${(e as Error).message})`);
  }
  if (tooLarge) return fail('too-large', `decompresses to more than the ${maxBytes}-byte limit`);
  // The smallest gzip member is a 10-byte header, an empty deflate block and an 8-byte trailer.
  if (bytes.length < 20) return fail('gzip-damaged', `the gzip data is truncated (${bytes.length} bytes)`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wantCrc = view.getUint32(bytes.length - 8, true);
  const wantSize = view.getUint32(bytes.length - 4, true);
  const last = out.subarray(memberStart);
  const crc = crc32(last);
  if (wantSize !== last.length % 2 ** 32 || wantCrc !== crc) {
    return fail('gzip-damaged', `the gzip data is truncated or damaged (its trailer says ${wantSize} bytes with CRC-32 ${wantCrc.toString(16).padStart(8, '0')}, the data gives ${last.length} bytes with ${crc.toString(16).padStart(8, '0')})`);
  }
  return { ok: true, value: out };
}

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as gzip uses). */
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const T = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = T[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Encodes an IDX file (uncompressed); the inverse of {@link decodeIdx}. For writing small test
 * sets and fixtures.
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const code = Number(Object.keys(TYPES).find((k) => TYPES[Number(k)]!.type === array.type));
  const size = TYPES[code]!.size;
  const n = array.dims.reduce((a, b) => a * b, 1);
  if (array.data.length !== n) throw new RangeError(`encodeIdx: ${array.data.length} elements for dims [${array.dims.join(', ')}]`);
  const header = 4 + 4 * array.dims.length;
  const out = new Uint8Array(header + n * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.dims.length;
  array.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < n; i++) {
    const v = array.data[i]!;
    const o = header + i * size;
    if (array.type === 'uint8') view.setUint8(o, v);
    else if (array.type === 'int8') view.setInt8(o, v);
    else if (array.type === 'int16') view.setInt16(o, v, false);
    else if (array.type === 'int32') view.setInt32(o, v, false);
    else if (array.type === 'float32') view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  }
  return out;
}
