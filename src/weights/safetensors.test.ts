import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../diagnostics/catalogue.ts';
import { decodeSafetensors, encodeSafetensors, PROVENANCE_KEY } from './safetensors.ts';
import type { StoredTensor, WeightStore } from './types.ts';

const store = (): WeightStore =>
  new Map<string, StoredTensor>([
    ['layer1.0.conv1.weight', { dims: [2, 1, 2, 2], data: new Float32Array([1, 2, 3, 4, 5, 6, 7, -8.5]), owner: 'conv:abc123', origin: 'trained' }],
    ['fc.bias', { dims: [3], data: new Float32Array([0.1, 0.2, 0.3]), owner: 'linear:def', origin: 'imported' }],
    ['scalar', { dims: [], data: new Float32Array([42]), owner: '', origin: 'imported' }],
    ['empty', { dims: [0, 3], data: new Float32Array(0), owner: 'x', origin: 'trained' }],
  ]);

/** Builds a safetensors file from a header object and a data section, for hostile cases. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: number): Uint8Array {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, lengthOverride ?? h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const errorCodes = (r: ReturnType<typeof decodeSafetensors>): string[] => r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

describe('safetensors', () => {
  it('round-trips tensors, owners, origins and metadata', () => {
    const s = store();
    const r = decodeSafetensors(encodeSafetensors(s, { document: 'doc-1', 'résumé': 'ü' }));
    expect(r.diagnostics).toEqual([]);
    expect(r.metadata).toEqual({ document: 'doc-1', 'résumé': 'ü' });
    expect(new Map([...r.store!].sort())).toEqual(new Map([...s].sort()));
  });

  it('writes the public format: u64 header length, F32 entries, 8-byte aligned data, provenance in __metadata__', () => {
    const bytes = encodeSafetensors(store());
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header['fc.bias']).toEqual({ dtype: 'F32', shape: [3], data_offsets: [0, 12] });
    expect(JSON.parse(header.__metadata__[PROVENANCE_KEY])['fc.bias']).toEqual({ owner: 'linear:def', origin: 'imported' });
    expect(view.getFloat32(8 + n, true)).toBeCloseTo(0.1);
    expect(encodeSafetensors(store())).toEqual(bytes); // deterministic
  });

  it('reads files from elsewhere: no provenance, F16/BF16/F64 converted, integer tensors skipped with a warning', () => {
    const data = new Uint8Array(2 + 2 + 8 + 8);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3c00, true); // f16 1.0
    v.setUint16(2, 0xc000, true); // bf16 -2.0
    v.setFloat64(4, 0.25, true);
    v.setBigInt64(12, 7n, true);
    const r = decodeSafetensors(
      file({
        h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
        b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
        d: { dtype: 'F64', shape: [1], data_offsets: [4, 12] },
        'bn.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [12, 20] },
      }, data),
    );
    expect(errorCodes(r)).toEqual([]);
    expect(r.diagnostics.some((d) => d.message.includes('num_batches_tracked'))).toBe(true);
    expect(Array.from(r.store!.get('h')!.data)).toEqual([1]);
    expect(Array.from(r.store!.get('b')!.data)).toEqual([-2]);
    expect(Array.from(r.store!.get('d')!.data)).toEqual([0.25]);
    expect(r.store!.get('h')!.origin).toBe('imported');
    expect(r.store!.has('bn.num_batches_tracked')).toBe(false);
  });

  it.each<[string, Uint8Array]>([
    ['too short', new Uint8Array(5)],
    ['header length past the end', file({}, new Uint8Array(0), 1000)],
    ['header length over the limit', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setUint32(4, 1, true); return b; })()],
    ['not JSON', file('{"a": ')],
    ['not UTF-8', file('\u00ff').map((b, i) => (i === 8 ? 0xff : b))],
    ['JSON array', file([1, 2])],
    ['unknown dtype', file({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4))],
    ['negative shape', file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4))],
    ['offsets outside', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(2))],
    ['offsets reversed', file({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4))],
    ['size not matching shape', file({ a: { dtype: 'F32', shape: [100000, 100000], data_offsets: [0, 8] } }, new Uint8Array(8))],
    ['overlapping tensors', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8))],
    ['metadata not strings', file({ __metadata__: { a: 1 } })],
  ])('refuses %s with RS501', (_, bytes) => {
    const r = decodeSafetensors(bytes);
    expect(r.store).toBeUndefined();
    expect(errorCodes(r)).toContain('RS501');
  });

  it('refuses weights over the size limit with RS401', () => {
    const r = decodeSafetensors(encodeSafetensors(store()), { maxTensorBytes: 8 });
    expect(r.store).toBeUndefined();
    expect(errorCodes(r)).toEqual(['RS401']);
  });

  it('keeps a tensor called __proto__ as data, not as a prototype', () => {
    const r = decodeSafetensors(file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)));
    expect(errorCodes(r)).toEqual([]);
    expect(r.store!.get('__proto__')!.dims).toEqual([1]);
  });

  it('fuzz: random bytes, truncations and mutations never throw and are well-formed answers', () => {
    const valid = encodeSafetensors(store(), { a: 'b' });
    const check = (b: Uint8Array): void => {
      const r = decodeSafetensors(b);
      expect(r.store !== undefined).toBe(!hasErrors(r.diagnostics));
      if (r.store) for (const t of r.store.values()) expect(t.data.length).toBe(t.dims.reduce((x, y) => x * y, 1));
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), check), { numRuns: 1000 });
    for (let n = 0; n <= valid.length; n++) check(valid.subarray(0, n));
    const mutation = fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(mutation, (edits) => {
        const b = valid.slice();
        for (const [i, v] of edits) b[i] = v;
        check(b);
      }),
      { numRuns: 2000 },
    );
    // Headers that are valid JSON with hostile values.
    const hostile = fc.dictionary(fc.string(), fc.record({ dtype: fc.constantFrom('F32', 'F16', 'I64', 'X'), shape: fc.array(fc.integer({ min: -2, max: 2 ** 40 }), { maxLength: 4 }), data_offsets: fc.array(fc.integer({ min: -1, max: 64 }), { maxLength: 3 }) }));
    fc.assert(fc.property(hostile, (h) => check(file(h, new Uint8Array(64)))), { numRuns: 1000 });
  });
});
