import type { InputSpec } from '../graph/types.ts';
import type { RgbaImage } from './image.ts';
import { resamplePlanes } from './resize.ts';

/** A model input tensor: float32 NCHW with batch 1. */
export interface InputTensor {
  readonly data: Float32Array;
  readonly dims: readonly [1, number, number, number];
}

/** What {@link preprocess} returns: the tensor the model gets and a picture of what it sees. */
export interface Preprocessed {
  readonly tensor: InputTensor;
  /** The resized image (grey for 1 channel) at the model's resolution, before normalisation. */
  readonly view: RgbaImage;
}

/** Options of {@link preprocess}. */
export interface PreprocessOptions {
  /** How a picture of another aspect ratio is fitted: centre crop (default) or stretch. */
  readonly fit?: 'cover' | 'stretch';
}

/** Per-channel mean/std for `channels`, broadcasting a single value; identity when absent. */
export function normalisation(spec: InputSpec): { mean: number[]; std: number[] } {
  const pick = (v: readonly number[] | undefined, dflt: number) =>
    Array.from({ length: spec.channels }, (_, c) => (v && v.length > 0 ? (v[c] ?? v[0]!) : dflt));
  const std = pick(spec.std, 1);
  if (std.some((s) => !(s > 0))) throw new RangeError(`std must be positive (got ${std.join(', ')})`);
  return { mean: pick(spec.mean, 0), std };
}

/**
 * Turns a picture into the model's input: resize (area average when shrinking, bilinear when
 * enlarging) to `spec.width × spec.height`, grayscale for one channel, scale to [0, 1], then
 * `(x - mean[c]) / std[c]`, laid out as `[1, C, H, W]` — what torchvision's
 * `ToTensor()` + `Normalize(mean, std)` give.
 *
 * @example
 * const { tensor } = preprocess(image, { channels: 1, height: 28, width: 28, mean: [0.286], std: [0.353] });
 * tensor.dims; // [1, 1, 28, 28]
 */
export function preprocess(img: RgbaImage, spec: InputSpec, opts: PreprocessOptions = {}): Preprocessed {
  const { channels, width, height } = spec;
  if (channels !== 1 && channels !== 3) throw new RangeError(`only 1- or 3-channel inputs can be made from a picture (got ${channels})`);
  if (img.width <= 0 || img.height <= 0 || img.data.length !== img.width * img.height * 4) throw new RangeError('not an RGBA image');
  const planes = resamplePlanes(img, width, height, channels, opts.fit ?? 'cover');
  const { mean, std } = normalisation(spec);
  const hw = width * height;
  const data = new Float32Array(channels * hw);
  const view = new Uint8ClampedArray(hw * 4);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < hw; i++) {
      const v = planes[c * hw + i]!;
      data[c * hw + i] = (v / 255 - mean[c]!) / std[c]!;
    }
  }
  for (let i = 0; i < hw; i++) {
    const r = planes[i]!;
    const g = channels === 3 ? planes[hw + i]! : r;
    const b = channels === 3 ? planes[2 * hw + i]! : r;
    view[i * 4] = r;
    view[i * 4 + 1] = g;
    view[i * 4 + 2] = b;
    view[i * 4 + 3] = 255;
  }
  return { tensor: { data, dims: [1, channels, height, width] }, view: { width, height, data: view } };
}

/**
 * Builds an input tensor straight from 8-bit grey pixels already at the model's size (the
 * Fashion-MNIST test file's layout), with the same normalisation as {@link preprocess}.
 */
export function tensorFromGray(pixels: Uint8Array, spec: InputSpec): InputTensor {
  const hw = spec.width * spec.height;
  if (spec.channels !== 1 || pixels.length !== hw) throw new RangeError(`expected ${hw} grey pixels for a 1-channel ${spec.height}×${spec.width} input`);
  const { mean, std } = normalisation(spec);
  const data = new Float32Array(hw);
  for (let i = 0; i < hw; i++) data[i] = (pixels[i]! / 255 - mean[0]!) / std[0]!;
  return { data, dims: [1, 1, spec.height, spec.width] };
}
