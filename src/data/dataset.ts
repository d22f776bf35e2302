/**
 * Labelled grey image data sets (MNIST, Fashion-MNIST) and how a batch of them becomes the
 * network's input: float32 NCHW, resized or padded to the document's input size, grey copied to
 * every channel, `pixels / 255` normalised with the document's mean and std — what a torch user
 * gets from `Resize`/`CenterCrop`, `Grayscale(num_output_channels)`, `ToTensor()` and
 * `Normalize(mean, std)`. Framework-free: reading a directory from disk is `./directory.ts`.
 */
import type { InputSpec } from '../graph/types.ts';
import { normalisation } from '../input/preprocess.ts';
import { resampleTaps, type Taps } from '../input/resize.ts';
import type { Xoshiro128 } from '../weights/random.ts';
import type { DataProblem, DataResult, IdxArray } from './idx.ts';

/** A labelled set of grey images, `count × height × width` bytes (0 is black), one label each. */
export interface ImageDataset {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** Number of classes: labels are `0 … classes - 1`. */
  readonly classes: number;
}

/** Names of the two files, for messages. */
export interface DatasetFileNames {
  readonly images?: string;
  readonly labels?: string;
}

const fail = (code: DataProblem['code'], message: string): { ok: false; problem: DataProblem } => ({ ok: false, problem: { code, message } });

/**
 * Pairs an images file (`[count, height, width]` uint8) with a labels file (`[count]` of an
 * integer type). `classes` defaults to the largest label + 1; when given, a label at or past it
 * is refused.
 *
 * @example
 * ```ts
 * const ds = datasetFromIdx(imagesIdx, labelsIdx, { classes: 10 });
 * if (ds.ok) ds.value.count; // 60000
 * ```
 */
export function datasetFromIdx(images: IdxArray, labels: IdxArray, opts: { readonly classes?: number; readonly names?: DatasetFileNames } = {}): DataResult<ImageDataset> {
  const imgName = opts.names?.images ?? 'the images file';
  const labName = opts.names?.labels ?? 'the labels file';
  if (images.dims.length === 1) return fail('wrong-kind', `${imgName}: holds ${images.dims[0]} labels (1 dim), not images (3 dims: count, height, width)`);
  if (images.dims.length !== 3) return fail('wrong-kind', `${imgName}: holds a [${images.dims.join(', ')}] array, not grey images (3 dims: count, height, width)`);
  if (images.type !== 'uint8') return fail('wrong-kind', `${imgName}: images of ${images.type}, not 8-bit pixels (uint8)`);
  if (labels.dims.length !== 1) return fail('wrong-kind', `${labName}: holds a [${labels.dims.join(', ')}] array, not labels (1 dim: count)`);
  if (labels.type === 'float32' || labels.type === 'float64') return fail('wrong-kind', `${labName}: labels of ${labels.type}, not whole numbers`);
  const [count, height, width] = images.dims as [number, number, number];
  if (height === 0 || width === 0) return fail('wrong-image-size', `${imgName}: images of ${height}×${width} pixels`);
  if (labels.dims[0] !== count) return fail('count-mismatch', `${imgName} holds ${count} images but ${labName} holds ${labels.dims[0]} labels`);
  let max = -1;
  let min = 0;
  for (let i = 0; i < count; i++) {
    const l = labels.data[i]!;
    if (l > max) max = l;
    if (l < min) min = l;
  }
  if (min < 0) return fail('label-out-of-range', `${labName}: label ${min} is negative`);
  const classes = opts.classes ?? max + 1;
  if (max >= classes) return fail('label-out-of-range', `${labName}: label ${max} is out of range for ${classes} classes (0–${classes - 1})`);
  if (max > 255) return fail('label-out-of-range', `${labName}: label ${max} is over 255`);
  return { ok: true, value: { images: images.data as Uint8Array, labels: Uint8Array.from(labels.data as ArrayLike<number>), count, height, width, classes } };
}

/**
 * Checks that a data set's labels fit a network with `classes` outputs; returns the problem if not.
 */
export function checkClasses(ds: ImageDataset, classes: number, name = 'the data set'): DataProblem | undefined {
  let max = -1;
  for (let i = 0; i < ds.count; i++) if (ds.labels[i]! > max) max = ds.labels[i]!;
  if (max >= classes) return { code: 'label-out-of-range', message: `${name} has label ${max}, but the network has ${classes} classes (0–${classes - 1}): give its final Linear at least ${max + 1} outputs` };
  return undefined;
}

/** The first `n` items of a data set (all of them when it has fewer). */
export function takeFirst(ds: ImageDataset, n: number): ImageDataset {
  const count = Math.min(ds.count, Math.max(0, Math.floor(n)));
  if (count === ds.count) return ds;
  const px = ds.height * ds.width;
  return { ...ds, count, images: ds.images.subarray(0, count * px), labels: ds.labels.subarray(0, count) };
}

/**
 * How pictures of another size are fitted to the input:
 * - `resize`: bilinear to the input's size, as torchvision's `transforms.Resize((H, W))`
 *   (enlarging, the usual case, gives the same numbers up to float rounding; shrinking averages
 *   the covered area, where torchvision's antialiased bilinear uses a triangle filter);
 * - `pad`: centred zero (black) padding, or a centred crop where the input is smaller, as
 *   `transforms.CenterCrop((H, W))` — the 28 → 32 padding LeNet-5 used.
 */
export type InputFit = 'resize' | 'pad';

/** Random training augmentation, drawn per image from a seeded generator. */
export interface Augmentation {
  /**
   * Random crop with this much zero padding on each side (`transforms.RandomCrop(size,
   * padding=p)`), on the source pictures before any resize. 0 or absent: none.
   */
  readonly cropPadding?: number;
  /** Horizontal flip with probability 1/2 (`transforms.RandomHorizontalFlip()`). */
  readonly flip?: boolean;
}

/** Turns source pictures into the network's input layout; made by {@link inputAdapter}. */
export interface InputAdapter {
  /** Source picture size. */
  readonly source: { readonly height: number; readonly width: number };
  /** The network's input. */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** What is done to the pictures, in plain words with the torchvision equivalent. */
  readonly note: string;
  /** Writes one source picture (`source.height × source.width` bytes) as `C × H × W` floats at `out[offset]`. */
  write(pixels: Uint8Array, out: Float32Array, offset: number): void;
}

/**
 * How pictures of `source`'s size become inputs of `spec` (channels, size, mean, std).
 *
 * @example
 * ```ts
 * const a = inputAdapter({ height: 28, width: 28 }, tinyResnet.input); // 3×32×32, CIFAR mean/std
 * a.note; // "28×28 grey pictures → 3×32×32 input: resized to 32×32 (bilinear, …), grey copied to 3 channels (…), …"
 * ```
 */
export function inputAdapter(source: { readonly height: number; readonly width: number }, spec: InputSpec, opts: { readonly fit?: InputFit } = {}): InputAdapter {
  const fit = opts.fit ?? 'resize';
  const { channels: C, height: H, width: W } = spec;
  const h0 = source.height;
  const w0 = source.width;
  const { mean, std } = normalisation(spec);
  const scale = std.map((s) => 1 / (255 * s));
  const shift = mean.map((m, c) => -m / std[c]!);
  const same = h0 === H && w0 === W;
  const plane = new Float32Array(H * W); // the fitted grey picture, 0–255
  let fitPlane: (px: Uint8Array) => void;
  let fitWords: string;
  if (same) {
    fitPlane = (px) => plane.set(px);
    fitWords = '';
  } else if (fit === 'pad') {
    // CenterCrop's offsets: pad (H - h0) // 2 on top, or crop round((h0 - H) / 2) from it.
    const top = H >= h0 ? Math.floor((H - h0) / 2) : -Math.round((h0 - H) / 2);
    const left = W >= w0 ? Math.floor((W - w0) / 2) : -Math.round((w0 - W) / 2);
    fitPlane = (px) => {
      plane.fill(0);
      for (let y = 0; y < H; y++) {
        const sy = y - top;
        if (sy < 0 || sy >= h0) continue;
        for (let x = 0; x < W; x++) {
          const sx = x - left;
          if (sx >= 0 && sx < w0) plane[y * W + x] = px[sy * w0 + sx]!;
        }
      }
    };
    fitWords = `${H >= h0 && W >= w0 ? 'zero-padded (black) around the centre' : 'centre-cropped and padded'} to ${H}×${W} (torchvision transforms.CenterCrop((${H}, ${W})))`;
  } else {
    const rows = resampleTaps(h0, H);
    const cols = resampleTaps(w0, W);
    const tmp = new Float32Array(h0 * W);
    fitPlane = (px) => {
      for (let y = 0; y < h0; y++) for (let x = 0; x < W; x++) tmp[y * W + x] = dot(cols[x]!, px, y * w0, 1);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) plane[y * W + x] = dot(rows[y]!, tmp, x, W);
    };
    fitWords = `resized to ${H}×${W} (bilinear, as torchvision transforms.Resize((${H}, ${W})))`;
  }
  const hw = H * W;
  const steps = [fitWords, C > 1 ? `grey copied to ${C} channels (transforms.Grayscale(num_output_channels=${C}))` : ''].filter(Boolean);
  const norm = `pixels / 255 normalised with mean [${mean.join(', ')}] and std [${std.join(', ')}] (ToTensor + Normalize)`;
  const note = `${h0}×${w0} grey pictures → ${C}×${H}×${W} input: ${[...steps, norm].join(', ')}`;
  return {
    source: { height: h0, width: w0 },
    channels: C,
    height: H,
    width: W,
    note,
    write(px, out, offset) {
      fitPlane(px);
      for (let c = 0; c < C; c++) {
        const a = scale[c]!;
        const b = shift[c]!;
        const o = offset + c * hw;
        for (let i = 0; i < hw; i++) out[o + i] = plane[i]! * a + b;
      }
    },
  };
}

/** Σ weight·src over one output sample's taps; `stride` steps between source samples. */
function dot(t: Taps, src: ArrayLike<number>, base: number, stride: number): number {
  let s = 0;
  for (let k = 0; k < t.index.length; k++) s += t.weight[k]! * src[base + t.index[k]! * stride]!;
  return s;
}

/** An input batch: float32 `[N, C, H, W]` and int64 labels `[N]`. */
export interface Batch {
  readonly input: { readonly data: Float32Array; readonly dims: readonly [number, number, number, number] };
  readonly target: { readonly data: BigInt64Array; readonly dims: readonly [number] };
}

/** Options of {@link makeBatch}. */
export interface MakeBatchOptions {
  /** Random crop/flip per image; needs `rng`. */
  readonly augment?: Augmentation;
  readonly rng?: Xoshiro128;
  /** Buffers to fill instead of allocating (reused across steps). */
  readonly into?: { readonly input: Float32Array; readonly target: BigInt64Array };
}

/**
 * Builds the batch of the items `indices` of `ds`, through `adapter`.
 *
 * @example
 * ```ts
 * const { input, target } = makeBatch(train, order.subarray(0, 64), adapter, { augment: { cropPadding: 2, flip: true }, rng });
 * ```
 */
export function makeBatch(ds: ImageDataset, indices: ArrayLike<number>, adapter: InputAdapter, opts: MakeBatchOptions = {}): Batch {
  const { height: h0, width: w0 } = ds;
  if (adapter.source.height !== h0 || adapter.source.width !== w0) throw new RangeError(`makeBatch: the adapter is for ${adapter.source.height}×${adapter.source.width} pictures, the data set's are ${h0}×${w0}`);
  const n = indices.length;
  const per = adapter.channels * adapter.height * adapter.width;
  const input = opts.into?.input ?? new Float32Array(n * per);
  const target = opts.into?.target ?? new BigInt64Array(n);
  if (input.length !== n * per || target.length !== n) throw new RangeError(`makeBatch: buffers for ${input.length / per} images given for a batch of ${n}`);
  const pad = Math.max(0, Math.floor(opts.augment?.cropPadding ?? 0));
  const flip = opts.augment?.flip === true;
  const augmenting = pad > 0 || flip;
  if (augmenting && !opts.rng) throw new RangeError('makeBatch: augmentation needs a seeded rng');
  const px = h0 * w0;
  const scratch = new Uint8Array(px);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < ds.count)) throw new RangeError(`makeBatch: index ${i} outside the data set's ${ds.count} items`);
    let src = ds.images.subarray(i * px, (i + 1) * px);
    if (augmenting) {
      // Offsets in the padded picture, 0 … 2·pad, then the flip: the order of torchvision's
      // RandomCrop(padding) followed by RandomHorizontalFlip, drawn in that order per image.
      const oy = pad > 0 ? below(opts.rng!, 2 * pad + 1) - pad : 0;
      const ox = pad > 0 ? below(opts.rng!, 2 * pad + 1) - pad : 0;
      const mirrored = flip && (opts.rng!.nextUint32() & 1) === 1;
      cropFlip(src, scratch, h0, w0, oy, ox, mirrored);
      src = scratch;
    }
    adapter.write(src, input, k * per);
    target[k] = BigInt(ds.labels[i]!);
  }
  return { input: { data: input, dims: [n, adapter.channels, adapter.height, adapter.width] }, target: { data: target, dims: [n] } };
}

/** out(y, x) = src(y + oy, x' + ox) with x' = x or mirrored; black outside the picture. */
function cropFlip(src: Uint8Array, out: Uint8Array, h: number, w: number, oy: number, ox: number, mirrored: boolean): void {
  for (let y = 0; y < h; y++) {
    const sy = y + oy;
    const row = y * w;
    if (sy < 0 || sy >= h) {
      out.fill(0, row, row + w);
      continue;
    }
    for (let x = 0; x < w; x++) {
      const sx = (mirrored ? w - 1 - x : x) + ox;
      out[row + x] = sx >= 0 && sx < w ? src[sy * w + sx]! : 0;
    }
  }
}

/** A uniform whole number in [0, n), without modulo bias (n ≤ 2^32). */
export function below(rng: Xoshiro128, n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const r = rng.nextUint32();
    if (r < limit) return r % n;
  }
}
