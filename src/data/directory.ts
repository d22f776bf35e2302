/**
 * Loads an MNIST-layout directory from disk (Node only: the CLI and tests use it; the browser
 * reads the same files through `readIdx` and `datasetFromIdx`). Debian's `dataset-fashion-mnist`
 * installs one at {@link DEBIAN_FASHION_MNIST}.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetFromIdx, type ImageDataset } from './dataset.ts';
import { readIdx, type DataProblem, type DataResult, type IdxArray } from './idx.ts';

/** Where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** A directory's training set and, when its files are there, its test set. */
export interface DatasetSplits {
  readonly train: ImageDataset;
  readonly test?: ImageDataset;
  /** The files read, by role. */
  readonly files: { readonly trainImages: string; readonly trainLabels: string; readonly testImages?: string; readonly testLabels?: string };
}

/**
 * The file names accepted for a split's images or labels: LeCun's (`train-images-idx3-ubyte`),
 * the dotted variant some mirrors use (`train-images.idx3-ubyte`), each optionally `.gz`; the
 * test split is `t10k-…` (or `test-…`).
 */
function candidates(split: 'train' | 'test', what: 'images' | 'labels'): string[] {
  const prefixes = split === 'train' ? ['train'] : ['t10k', 'test'];
  const idx = what === 'images' ? 'idx3' : 'idx1';
  return prefixes.flatMap((p) => [`${p}-${what}-${idx}-ubyte`, `${p}-${what}.${idx}-ubyte`]).flatMap((n) => [n, `${n}.gz`]);
}

/**
 * Reads `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]` (and the `t10k-` test
 * pair when present) from `dir`. `classes` defaults to the largest label of either split + 1.
 *
 * @example
 * ```ts
 * const r = loadDatasetDirectory(DEBIAN_FASHION_MNIST);
 * if (r.ok) r.value.train.count; // 60000
 * ```
 */
export function loadDatasetDirectory(dir: string, opts: { readonly classes?: number } = {}): DataResult<DatasetSplits> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    return { ok: false, problem: { code: 'missing-file', message: `cannot read the directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` } };
  }
  const find = (split: 'train' | 'test', what: 'images' | 'labels') => candidates(split, what).find((n) => names.includes(n));
  const trainImages = find('train', 'images');
  const trainLabels = find('train', 'labels');
  if (!trainImages || !trainLabels) {
    const missing = [!trainImages ? 'train-images-idx3-ubyte[.gz]' : '', !trainLabels ? 'train-labels-idx1-ubyte[.gz]' : ''].filter(Boolean).join(' and ');
    return { ok: false, problem: { code: 'missing-file', message: `${dir} has no ${missing} (an MNIST-layout directory, e.g. ${DEBIAN_FASHION_MNIST} from Debian's dataset-fashion-mnist)` } };
  }
  const testImages = find('test', 'images');
  const testLabels = find('test', 'labels');
  if (!testImages !== !testLabels) {
    return { ok: false, problem: { code: 'missing-file', message: `${dir} has ${testImages ?? testLabels} but not its ${testImages ? 'labels (t10k-labels-idx1-ubyte[.gz])' : 'images (t10k-images-idx3-ubyte[.gz])'}` } };
  }
  const read = (name: string): DataResult<IdxArray> => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(dir, name));
    } catch (e) {
      return { ok: false, problem: { code: 'missing-file', message: `cannot read ${join(dir, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` } };
    }
    return readIdx(bytes, { name });
  };
  const pair = (images: string, labels: string, classes?: number): DataResult<ImageDataset> => {
    const i = read(images);
    if (!i.ok) return i;
    const l = read(labels);
    if (!l.ok) return l;
    return datasetFromIdx(i.value, l.value, { ...(classes !== undefined ? { classes } : {}), names: { images, labels } });
  };
  const train = pair(trainImages, trainLabels, opts.classes);
  if (!train.ok) return train;
  let test: ImageDataset | undefined;
  if (testImages && testLabels) {
    const t = pair(testImages, testLabels, opts.classes);
    if (!t.ok) return t;
    if (t.value.height !== train.value.height || t.value.width !== train.value.width) {
      return { ok: false, problem: sizeProblem(testImages, t.value, trainImages, train.value) };
    }
    test = t.value;
  }
  // One class count for both splits, so the network is checked against the larger.
  const classes = opts.classes ?? Math.max(train.value.classes, test?.classes ?? 0);
  return {
    ok: true,
    value: {
      train: { ...train.value, classes },
      ...(test ? { test: { ...test, classes } } : {}),
      files: { trainImages: join(dir, trainImages), trainLabels: join(dir, trainLabels), ...(testImages && testLabels ? { testImages: join(dir, testImages), testLabels: join(dir, testLabels) } : {}) },
    },
  };
}

const sizeProblem = (a: string, da: ImageDataset, b: string, db: ImageDataset): DataProblem => ({
  code: 'wrong-image-size',
  message: `${a} holds ${da.height}×${da.width} images but ${b} holds ${db.height}×${db.width}`,
});
