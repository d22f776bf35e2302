import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { datasetFromIdx } from './dataset.ts';
import { DEBIAN_FASHION_MNIST, loadDatasetDirectory } from './directory.ts';
import { crc32, decodeIdx, encodeIdx, readIdx, type DataProblemCode, type IdxArray } from './idx.ts';

const images = (n: number, h = 4, w = 3): IdxArray => ({ type: 'uint8', dims: [n, h, w], data: Uint8Array.from({ length: n * h * w }, (_, i) => (i * 37) & 0xff) });
const labels = (values: number[]): IdxArray => ({ type: 'uint8', dims: [values.length], data: Uint8Array.from(values) });

const problem = (r: { ok: boolean; problem?: { code: DataProblemCode; message: string } }) => (r.ok ? undefined : r.problem);

describe('readIdx', () => {
  it('round-trips every element type, plain and gzipped', () => {
    const arrays: IdxArray[] = [
      images(2),
      { type: 'int8', dims: [3], data: Int8Array.from([-128, 0, 127]) },
      { type: 'int16', dims: [2, 2], data: Int16Array.from([-30000, 1, 2, 30000]) },
      { type: 'int32', dims: [2], data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1]) },
      { type: 'float32', dims: [2], data: Float32Array.from([1.5, -0.25]) },
      { type: 'float64', dims: [1, 1, 2], data: Float64Array.from([Math.PI, -1e300]) },
    ];
    for (const a of arrays) {
      const bytes = encodeIdx(a);
      for (const b of [bytes, gzipSync(bytes)]) {
        const r = readIdx(b);
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.value.type).toBe(a.type);
          expect(r.value.dims).toEqual(a.dims);
          expect([...r.value.data]).toEqual([...a.data]);
        }
      }
    }
  });

  it('is big-endian, as LeCun wrote it', () => {
    const r = decodeIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]));
    expect(r.ok && [...r.value.data]).toEqual([0x0102, -2]);
  });

  const good = encodeIdx(images(5));
  const gz = gzipSync(good);
  const flipped = Uint8Array.from(gz);
  flipped[Math.floor(gz.length / 2)]! ^= 0x40;
  const cases: [string, Uint8Array, DataProblemCode, RegExp][] = [
    ['an empty file', new Uint8Array(0), 'not-idx', /not an IDX file/],
    ['a text file', new TextEncoder().encode('hello, world\n'), 'not-idx', /not an IDX file.*68 65 6c 6c/],
    ['an unknown element type', Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), 'not-idx', /type code 0x07/],
    ['no dims', Uint8Array.from([0, 0, 0x08, 0]), 'not-idx', /0 dims/],
    ['a cut header', good.subarray(0, 9), 'truncated', /header declares 3 dims/],
    ['cut data', good.subarray(0, good.length - 1), 'truncated', /need 60 bytes of data, the file has 59/],
    ['extra bytes', Uint8Array.from([...good, 1, 2]), 'trailing-bytes', /2 more/],
    ['a huge header', Uint8Array.from([0, 0, 0x08, 3, 0, 1, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0]), 'too-large', /limit/],
    ['a cut gzip stream', gz.subarray(0, gz.length - 20), 'gzip-damaged', /truncated or damaged/],
    ['a gzip trailer cut short', gz.subarray(0, gz.length - 3), 'gzip-damaged', /truncated or damaged/],
    ['a gzip stream with a flipped bit', flipped, 'gzip-damaged', /truncated or damaged/],
    ['a gzip header alone', gz.subarray(0, 10), 'gzip-damaged', /truncated/],
  ];
  it.each(cases)('refuses %s with a clear message', (_, bytes, code, message) => {
    const p = problem(readIdx(bytes, { name: 'x-idx3-ubyte' }));
    expect(p?.code).toBe(code);
    expect(p?.message).toMatch(/^x-idx3-ubyte: /);
    expect(p?.message).toMatch(message);
  });

  it('computes gzip\'s CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('datasetFromIdx', () => {
  it('pairs images with labels; classes default to the largest label + 1', () => {
    const r = datasetFromIdx(images(3), labels([0, 4, 2]));
    expect(r.ok && { count: r.value.count, h: r.value.height, w: r.value.width, classes: r.value.classes, labels: [...r.value.labels] }).toEqual({ count: 3, h: 4, w: 3, classes: 5, labels: [0, 4, 2] });
  });

  const cases: [string, IdxArray, IdxArray, number | undefined, DataProblemCode, RegExp][] = [
    ['counts that differ', images(3), labels([0, 1]), undefined, 'count-mismatch', /3 images but .* 2 labels/],
    ['a label past the classes', images(3), labels([0, 10, 1]), 10, 'label-out-of-range', /label 10 is out of range for 10 classes/],
    ['labels where images belong', labels([1, 2]), labels([1, 2]), undefined, 'wrong-kind', /labels \(1 dim\), not images/],
    ['images where labels belong', images(2), images(2), undefined, 'wrong-kind', /not labels/],
    ['float images', { type: 'float32', dims: [1, 2, 2], data: new Float32Array(4) }, labels([0]), undefined, 'wrong-kind', /not 8-bit pixels/],
    ['empty images', { type: 'uint8', dims: [1, 0, 28], data: new Uint8Array(0) }, labels([0]), undefined, 'wrong-image-size', /0×28/],
    ['negative labels', images(1), { type: 'int8', dims: [1], data: Int8Array.from([-1]) }, undefined, 'label-out-of-range', /negative/],
  ];
  it.each(cases)('refuses %s', (_, i, l, classes, code, message) => {
    const p = problem(datasetFromIdx(i, l, { ...(classes !== undefined ? { classes } : {}), names: { images: 'imgs', labels: 'labs' } }));
    expect(p?.code).toBe(code);
    expect(p?.message).toMatch(message);
  });
});

describe('loadDatasetDirectory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-idx-'));
  const write = (sub: string, files: Record<string, Uint8Array>) => {
    const real = mkdtempSync(join(dir, `${sub}-`));
    for (const [n, b] of Object.entries(files)) writeFileSync(join(real, n), b);
    return real;
  };

  it('reads LeCun\'s names, gzipped or not, with the test split', () => {
    const d = write('ok', {
      'train-images-idx3-ubyte.gz': gzipSync(encodeIdx(images(4))),
      'train-labels-idx1-ubyte': encodeIdx(labels([0, 1, 2, 1])),
      't10k-images-idx3-ubyte': encodeIdx(images(2)),
      't10k-labels-idx1-ubyte.gz': gzipSync(encodeIdx(labels([3, 0]))),
    });
    const r = loadDatasetDirectory(d);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect([r.value.train.count, r.value.test?.count]).toEqual([4, 2]);
      // One class count for both splits: the test set's label 3 makes it 4.
      expect([r.value.train.classes, r.value.test?.classes]).toEqual([4, 4]);
    }
  });

  it('says which file is missing or broken', () => {
    const none = loadDatasetDirectory(write('empty', {}));
    expect(problem(none)?.code).toBe('missing-file');
    expect(problem(none)?.message).toMatch(/train-images-idx3-ubyte\[\.gz\] and train-labels-idx1-ubyte\[\.gz\]/);
    expect(problem(loadDatasetDirectory(join(dir, 'nope')))?.message).toMatch(/cannot read the directory .*ENOENT/);
    const broken = loadDatasetDirectory(write('broken', { 'train-images-idx3-ubyte.gz': gzipSync(encodeIdx(images(4))).subarray(0, 30), 'train-labels-idx1-ubyte': encodeIdx(labels([0, 1, 2, 1])) }));
    expect(problem(broken)?.code).toBe('gzip-damaged');
    expect(problem(broken)?.message).toMatch(/^train-images-idx3-ubyte\.gz: /);
    const sizes = loadDatasetDirectory(
      write('sizes', { 'train-images-idx3-ubyte': encodeIdx(images(1)), 'train-labels-idx1-ubyte': encodeIdx(labels([0])), 't10k-images-idx3-ubyte': encodeIdx(images(1, 5, 5)), 't10k-labels-idx1-ubyte': encodeIdx(labels([0])) }),
    );
    expect(problem(sizes)?.code).toBe('wrong-image-size');
    const half = loadDatasetDirectory(write('half', { 'train-images-idx3-ubyte': encodeIdx(images(1)), 'train-labels-idx1-ubyte': encodeIdx(labels([0])), 't10k-images-idx3-ubyte': encodeIdx(images(1)) }));
    expect(problem(half)?.message).toMatch(/not its labels/);
  });

  it.runIf(existsSync(DEBIAN_FASHION_MNIST))('reads Debian\'s Fashion-MNIST: 60000 + 10000 pictures of 28×28, 10 balanced classes', () => {
    const r = loadDatasetDirectory(DEBIAN_FASHION_MNIST);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { train, test } = r.value;
    expect([train.count, train.height, train.width, train.classes, test?.count]).toEqual([60000, 28, 28, 10, 10000]);
    const perClass = new Array(10).fill(0);
    for (const l of train.labels) perClass[l]++;
    expect(perClass).toEqual(new Array(10).fill(6000));
  });
});
