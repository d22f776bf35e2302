import type { RgbaImage } from './image.ts';

/** The synthetic inputs: probes that show how a network reacts to no content, noise, and a ramp. */
export type SyntheticKind = 'noise' | 'constant' | 'gradient';

/** Options of {@link synthetic}. */
export interface SyntheticOptions {
  /** Seed of the noise (same seed, same picture). */
  readonly seed?: number;
  /** Grey level 0–255 of `constant` (default 128). */
  readonly level?: number;
}

/** mulberry32: a tiny deterministic PRNG; quality is ample for test pictures. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Makes a synthetic picture: uniform colour noise, a constant grey, or a horizontal black-to-white
 * gradient (vertical hue change in colour channels so 3-channel models see structure too).
 *
 * @example
 * synthetic('gradient', 28, 28).data[0]; // 0 (left edge is black)
 */
export function synthetic(kind: SyntheticKind, width: number, height: number, opts: SyntheticOptions = {}): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  const rand = prng(opts.seed ?? 1);
  const level = opts.level ?? 128;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      if (kind === 'noise') {
        data[p] = rand() * 256;
        data[p + 1] = rand() * 256;
        data[p + 2] = rand() * 256;
      } else if (kind === 'constant') {
        data[p] = data[p + 1] = data[p + 2] = level;
      } else {
        const v = width > 1 ? (x / (width - 1)) * 255 : 0;
        data[p] = data[p + 1] = data[p + 2] = v;
      }
      data[p + 3] = 255;
    }
  }
  return { width, height, data };
}
