import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadData, roleOf, type LoadedData } from './train-run.ts';

const shipped = (name: string) => readFileSync(new URL(`../../public/data/train/${name}`, import.meta.url));
const file = (name: string, bytes: Uint8Array) => new File([new Uint8Array(bytes)], name);
const subset = () => ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((n) => file(n, shipped(n)));

describe('the training worker reads a data set from opened files', () => {
  let all: LoadedData;
  beforeAll(async () => {
    all = await loadData({ kind: 'files', files: subset() });
  }, 120_000);

  it('knows the data set files by their names: LeCun’s, dotted, gzipped or not, t10k- or test-', () => {
    expect(['train-images-idx3-ubyte.gz', 'train-labels.idx1-ubyte', 't10k-images-idx3-ubyte', 'test-labels-idx1-ubyte.gz', 'notes.txt'].map(roleOf)).toEqual(['trainImages', 'trainLabels', 'testImages', 'testLabels', undefined]);
  });

  it('the shipped subset: 12,000 balanced training and 2,000 test images of 28×28, 10 classes', async () => {
    const d = all;
    expect(d.info.train).toEqual({ count: 12000, height: 28, width: 28, classes: 10 });
    expect(d.info.test).toEqual({ count: 2000, height: 28, width: 28, classes: 10 });
    const perClass = (labels: Uint8Array) => [...labels].reduce((a, l) => ((a[l] = (a[l] ?? 0) + 1), a), [] as number[]);
    expect(perClass(d.train.labels)).toEqual(Array(10).fill(1200));
    expect(perClass(d.test!.labels)).toEqual(Array(10).fill(200));
  });

  it('refuses a damaged or wrong file naming it, and a set without its training pair', async () => {
    const images = shipped('train-images-idx3-ubyte.gz');
    const labels = file('train-labels-idx1-ubyte.gz', shipped('train-labels-idx1-ubyte.gz'));
    await expect(loadData({ kind: 'files', files: [file('train-images-idx3-ubyte.gz', images.subarray(0, images.length >> 1)), labels] })).rejects.toThrow(/train-images-idx3-ubyte\.gz: the gzip data is truncated or damaged/);
    await expect(loadData({ kind: 'files', files: [file('train-images-idx3-ubyte.gz', shipped('t10k-images-idx3-ubyte.gz')), labels] })).rejects.toThrow(/2000 images but train-labels-idx1-ubyte\.gz holds 12000 labels/);
    await expect(loadData({ kind: 'files', files: [file('train-images-idx3-ubyte.gz', shipped('train-labels-idx1-ubyte.gz')), labels] })).rejects.toThrow(/train-images-idx3-ubyte\.gz: holds 12000 labels \(1 dim\), not images/);
    await expect(loadData({ kind: 'files', files: [labels] })).rejects.toThrow(/train-images-idx3-ubyte\[\.gz\] is missing/);
    await expect(loadData({ kind: 'files', files: [labels, file('cat.png', new Uint8Array(4))] })).rejects.toThrow(/cat\.png: not a file of the data set/);
  });

  it('opened training files without a test pair keep the test set loaded before', async () => {
    const d = await loadData({ kind: 'files', files: subset().slice(0, 2) }, all.test);
    expect(d.info.test).toEqual(all.info.test);
    expect(d.test!.images).toBe(all.test!.images);
  });
});
