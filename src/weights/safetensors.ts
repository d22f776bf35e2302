/**
 * Weights as safetensors files (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header mapping each tensor name to `{dtype, shape, data_offsets}` plus an
 * optional `__metadata__` string map, then the tensors' bytes.
 *
 * What the format has no field for (each tensor's `owner` fingerprint and `origin`) travels in
 * `__metadata__` under {@link PROVENANCE_KEY} as one JSON string, so any safetensors reader can
 * still open the file and this one gets everything back.
 *
 * The decoder treats the file as hostile: every length and offset is checked against the bytes
 * present before anything is allocated from it, and problems are diagnostics, never throws.
 */
import { diag, msg, type Diagnostic, type MessageRef } from '../diagnostics/catalogue.ts';
import type { StoredTensor, WeightStore } from './types.ts';
import { halfToFloat } from './float16.ts';

/** The `__metadata__` key holding `{ [tensorName]: { owner, origin } }` as JSON. */
export const PROVENANCE_KEY = 'residual_studio.tensors';

/** What {@link decodeSafetensors} will accept. */
export interface SafetensorsLimits {
  /** Largest JSON header, in bytes. Default 100 MB, the reference implementation's cap. */
  readonly maxHeaderBytes: number;
  /** Most tensor data, in bytes after conversion to float32. Default 1 GiB. */
  readonly maxTensorBytes: number;
  /** Highest tensor rank accepted. Default 16. */
  readonly maxRank: number;
}

/** The defaults documented on {@link SafetensorsLimits}. */
export const DEFAULT_SAFETENSORS_LIMITS: SafetensorsLimits = Object.freeze({
  maxHeaderBytes: 100_000_000,
  maxTensorBytes: 1024 * 1024 * 1024,
  maxRank: 16,
});

/** What {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** Present exactly when no diagnostic is an error. */
  readonly store?: WeightStore;
  /** The file's `__metadata__`, without {@link PROVENANCE_KEY}. */
  readonly metadata: Record<string, string>;
  readonly diagnostics: Diagnostic[];
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes a weight store as a safetensors file. Tensors are written as `F32` in name order (so
 * equal stores give equal bytes); `metadata` goes to `__metadata__` next to the provenance entry,
 * which wins if `metadata` uses {@link PROVENANCE_KEY} itself.
 *
 * Throws `RangeError` if a tensor's data length does not match its dims (a bug in whoever built
 * the store).
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors(store, { document: doc.id });
 * download(new Blob([bytes]), 'weights.safetensors');
 * ```
 */
export function encodeSafetensors(store: WeightStore, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const names = [...store.keys()].sort();
  const provenance: Record<string, { owner: string; origin: StoredTensor['origin'] }> = {};
  const entries: string[] = [];
  let offset = 0;
  for (const name of names) {
    const t = store.get(name)!;
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== elements) {
      throw new RangeError(`encodeSafetensors: tensor '${name}' has ${t.data.length} elements but dims [${t.dims.join(', ')}]`);
    }
    const end = offset + t.data.byteLength;
    entries.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":${JSON.stringify(t.dims)},"data_offsets":[${offset},${end}]}`);
    provenance[name] = { owner: t.owner, origin: t.origin };
    offset = end;
  }
  const meta: Record<string, string> = { ...metadata, [PROVENANCE_KEY]: JSON.stringify(provenance) };
  const metaJson = `{${Object.keys(meta)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(meta[k])}`)
    .join(',')}}`;
  let header = new TextEncoder().encode(`{"__metadata__":${metaJson}${entries.map((e) => `,${e}`).join('')}}`);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(header);
    header = p;
  }

  const out = new Uint8Array(8 + header.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  view.setUint32(4, Math.floor(header.length / 2 ** 32), true);
  out.set(header, 8);
  let pos = 8 + header.length;
  for (const name of names) {
    const d = store.get(name)!.data;
    if (HOST_LITTLE_ENDIAN) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    else for (let i = 0; i < d.length; i++) view.setFloat32(pos + i * 4, d[i]!, true);
    pos += d.byteLength;
  }
  return out;
}

/** Bytes per element of the float dtypes we read; all become float32. */
const FLOAT_DTYPES: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
/** Integer and bool dtypes: skipped with a warning (e.g. BatchNorm's `num_batches_tracked`). */
const OTHER_DTYPES: Readonly<Record<string, number>> = { I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };

interface Entry {
  readonly name: string;
  readonly dtype: string;
  readonly dims: number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Decodes a safetensors file into a weight store, checking it as untrusted input: header length
 * within the file and the limit, valid UTF-8 JSON, every tensor's offsets inside the data and
 * not overlapping another's, and every byte range exactly the size its dtype and shape need.
 * Malformed files give RS501; tensor data over the limit RS401. F16, BF16 and F64 tensors are
 * converted to float32; integer tensors are skipped with a warning. Tensors without provenance
 * (files from elsewhere) get `owner: ''` and `origin: 'imported'`.
 *
 * @example
 * ```ts
 * const { store, diagnostics } = decodeSafetensors(new Uint8Array(await file.arrayBuffer()));
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, limits: Partial<SafetensorsLimits> = {}): DecodedSafetensors {
  const lim = { ...DEFAULT_SAFETENSORS_LIMITS, ...limits };
  const diagnostics: Diagnostic[] = [];
  const fail = (problem: MessageRef, field?: string): DecodedSafetensors => {
    diagnostics.push(diag('RS501', msg('safetensors-invalid', { problem }), field === undefined ? {} : { field }));
    return { metadata: {}, diagnostics };
  };
  try {
    return decode(bytes, lim, diagnostics, fail);
  } catch (err) {
    // A throw is a bug in this reader; the contract is still "never throw".
    return fail(msg('onnx-reader-crashed', { error: err instanceof Error ? err.message : String(err) }));
  }
}

function decode(
  bytes: Uint8Array,
  lim: SafetensorsLimits,
  diagnostics: Diagnostic[],
  fail: (problem: MessageRef, field?: string) => DecodedSafetensors,
): DecodedSafetensors {
  if (bytes.length < 8) return fail(msg('safetensors-too-short', { bytes: bytes.length }));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLen > lim.maxHeaderBytes) return fail(msg('safetensors-header-over-limit', { bytes: headerLen, limit: lim.maxHeaderBytes }));
  if (8 + headerLen > bytes.length) return fail(msg('safetensors-header-past-end', { bytes: headerLen, available: bytes.length - 8 }));

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail(msg('safetensors-header-not-utf8'));
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    return fail(msg('safetensors-header-not-json', { error: err instanceof Error ? err.message : String(err) }));
  }
  if (!isObject(header)) return fail(msg('safetensors-header-not-object'));

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  let provenanceText: string | undefined;
  const entries: Entry[] = [];
  const skipped: string[] = [];
  let errors = 0;
  const error = (problem: MessageRef, field: string): void => {
    diagnostics.push(diag('RS501', msg('safetensors-invalid', { problem }), { field }));
    errors++;
  };

  for (const name of Object.keys(header)) {
    const value = header[name];
    if (name === '__metadata__') {
      if (!isObject(value)) {
        error(msg('safetensors-metadata-not-object'), '__metadata__');
        continue;
      }
      for (const k of Object.keys(value)) {
        const v = value[k];
        if (typeof v !== 'string') error(msg('safetensors-metadata-not-string', { key: k }), '__metadata__');
        else if (k === PROVENANCE_KEY) provenanceText = v;
        else if (k !== '__proto__') metadata[k] = v;
      }
      continue;
    }
    if (!isObject(value)) {
      error(msg('safetensors-tensor-not-object', { name }), name);
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = value;
    if (typeof dtype !== 'string' || (FLOAT_DTYPES[dtype] === undefined && OTHER_DTYPES[dtype] === undefined)) {
      error(msg('safetensors-bad-dtype', { name, dtype: String(JSON.stringify(dtype)) }), name);
      continue;
    }
    if (!Array.isArray(shape) || shape.length > lim.maxRank || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      error(msg('safetensors-bad-shape', { name, shape: String(JSON.stringify(shape)), max: lim.maxRank }), name);
      continue;
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      error(msg('safetensors-bad-offsets', { name, offsets: String(JSON.stringify(offsets)) }), name);
      continue;
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) {
      error(msg('safetensors-offsets-outside', { name, begin, end, bytes: dataLen }), name);
      continue;
    }
    // Element count from the shape, checked against the byte range before anything is allocated.
    const size = FLOAT_DTYPES[dtype] ?? OTHER_DTYPES[dtype]!;
    let elements = 1;
    for (const d of shape as number[]) elements *= d;
    if (elements * size !== end - begin) {
      error(msg('safetensors-size-mismatch', { name, shape: (shape as number[]).join(', '), elements, dtype, bytes: elements * size, span: end - begin }), name);
      continue;
    }
    if (FLOAT_DTYPES[dtype] === undefined) {
      skipped.push(`'${name}' (${dtype})`);
      entries.push({ name, dtype, dims: [], begin, end }); // still takes part in the overlap check
      continue;
    }
    entries.push({ name, dtype, dims: shape as number[], begin, end });
  }

  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.begin < prev.end) {
      error(msg('safetensors-overlap', { first: prev.name, firstBegin: prev.begin, firstEnd: prev.end, second: cur.name, secondBegin: cur.begin, secondEnd: cur.end }), cur.name);
    }
  }

  const floatEntries = entries.filter((e) => FLOAT_DTYPES[e.dtype] !== undefined);
  const total = floatEntries.reduce((a, e) => a + ((e.end - e.begin) / FLOAT_DTYPES[e.dtype]!) * 4, 0);
  if (total > lim.maxTensorBytes) {
    diagnostics.push(diag('RS401', msg('safetensors-over-limit', { bytes: total, limit: lim.maxTensorBytes })));
    errors++;
  }

  let provenance: Record<string, unknown> = {};
  if (provenanceText !== undefined) {
    try {
      const p: unknown = JSON.parse(provenanceText);
      if (isObject(p)) provenance = p;
      else throw new Error('not an object');
    } catch {
      diagnostics.push({ ...diag('RS501', msg('safetensors-provenance', { key: PROVENANCE_KEY }), { field: '__metadata__' }), severity: 'warning' });
    }
  }
  if (skipped.length > 0) {
    diagnostics.push({ ...diag('RS501', msg('safetensors-skipped', { n: skipped.length, names: `${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}` })), severity: 'warning' });
  }
  if (errors > 0) return { metadata, diagnostics };

  const store = new Map<string, StoredTensor>();
  for (const e of floatEntries) {
    const p = Object.hasOwn(provenance, e.name) ? provenance[e.name] : undefined;
    const owner = isObject(p) && typeof p.owner === 'string' ? p.owner : '';
    const origin = isObject(p) && p.origin === 'trained' ? 'trained' : 'imported';
    store.set(e.name, { dims: e.dims, data: toFloat32(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype), owner, origin });
  }
  return { store, metadata, diagnostics };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Copies little-endian element bytes into a fresh, aligned Float32Array. */
function toFloat32(raw: Uint8Array, dtype: string): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.length / FLOAT_DTYPES[dtype]!;
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(raw);
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        bits.setUint32(0, view.getUint16(i * 2, true) << 16);
        out[i] = bits.getFloat32(0);
      }
      break;
    }
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
  }
  return out;
}
