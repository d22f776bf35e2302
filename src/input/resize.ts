import type { RgbaImage } from './image.ts';

/** One output sample of a 1-D resampling: which source samples it reads, with what weights. */
export interface Taps {
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/**
 * 1-D resampling weights from `inSize` samples to `outSize` samples.
 * Shrinking averages the source area each output pixel covers (a box filter, so fine detail is
 * averaged rather than aliased); enlarging interpolates linearly between pixel centres
 * (half-pixel convention, edges clamped). Weights of every output sample sum to 1.
 *
 * @example
 * resampleTaps(4, 2); // output 0 = mean of inputs 0,1; output 1 = mean of inputs 2,3
 */
export function resampleTaps(inSize: number, outSize: number): Taps[] {
  if (inSize <= 0 || outSize <= 0) throw new RangeError(`sizes must be positive (got ${inSize} → ${outSize})`);
  const scale = inSize / outSize;
  const taps: Taps[] = [];
  for (let o = 0; o < outSize; o++) {
    const idx: number[] = [];
    const w: number[] = [];
    if (scale >= 1) {
      const x0 = o * scale;
      const x1 = x0 + scale;
      for (let i = Math.floor(x0); i < Math.ceil(x1) && i < inSize; i++) {
        const cover = Math.min(x1, i + 1) - Math.max(x0, i);
        if (cover > 1e-9) {
          idx.push(i);
          w.push(cover / scale);
        }
      }
    } else {
      const c = (o + 0.5) * scale - 0.5;
      const i0 = Math.floor(c);
      const f = c - i0;
      const a = Math.min(Math.max(i0, 0), inSize - 1);
      const b = Math.min(Math.max(i0 + 1, 0), inSize - 1);
      idx.push(a, b);
      w.push(1 - f, f);
    }
    taps.push({ index: Int32Array.from(idx), weight: Float32Array.from(w) });
  }
  return taps;
}

/**
 * A crop window on the source image, in pixels: what part of the picture the model will see.
 * `cover` keeps the aspect ratio and cuts the longer side symmetrically (ImageNet-style centre
 * crop); `stretch` uses the whole image and distorts it to the target aspect.
 */
export function cropWindow(width: number, height: number, outW: number, outH: number, fit: 'cover' | 'stretch'): { x: number; y: number; w: number; h: number } {
  if (fit === 'stretch') return { x: 0, y: 0, w: width, h: height };
  const target = outW / outH;
  if (width / height > target) {
    const w = Math.max(1, Math.round(height * target));
    return { x: Math.floor((width - w) / 2), y: 0, w, h: height };
  }
  const h = Math.max(1, Math.round(width / target));
  return { x: 0, y: Math.floor((height - h) / 2), w: width, h };
}

/**
 * Resamples the planes of an image to `outW × outH` floats in [0, 255], channel-planar.
 * Colour is composited over black using alpha (Fashion-MNIST is light-on-black).
 * Returns `channels` planes: 1 (luma, ITU-R BT.601 weights as PIL's "L" mode) or 3 (R, G, B).
 */
export function resamplePlanes(img: RgbaImage, outW: number, outH: number, channels: 1 | 3, fit: 'cover' | 'stretch' = 'cover'): Float32Array {
  const win = cropWindow(img.width, img.height, outW, outH, fit);
  const src = img.data;
  // Source planes of the crop window, alpha-premultiplied.
  const n = win.w * win.h;
  const planes = new Float32Array(channels * n);
  for (let y = 0; y < win.h; y++) {
    for (let x = 0; x < win.w; x++) {
      const p = ((win.y + y) * img.width + (win.x + x)) * 4;
      const a = src[p + 3]! / 255;
      const r = src[p]! * a;
      const g = src[p + 1]! * a;
      const b = src[p + 2]! * a;
      const q = y * win.w + x;
      if (channels === 1) planes[q] = 0.299 * r + 0.587 * g + 0.114 * b;
      else {
        planes[q] = r;
        planes[n + q] = g;
        planes[2 * n + q] = b;
      }
    }
  }
  const tx = resampleTaps(win.w, outW);
  const ty = resampleTaps(win.h, outH);
  const out = new Float32Array(channels * outW * outH);
  const rows = new Float32Array(win.h * outW);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let y = 0; y < win.h; y++) {
      for (let ox = 0; ox < outW; ox++) {
        const t = tx[ox]!;
        let s = 0;
        for (let k = 0; k < t.index.length; k++) s += planes[base + y * win.w + t.index[k]!]! * t.weight[k]!;
        rows[y * outW + ox] = s;
      }
    }
    for (let oy = 0; oy < outH; oy++) {
      const t = ty[oy]!;
      for (let ox = 0; ox < outW; ox++) {
        let s = 0;
        for (let k = 0; k < t.index.length; k++) s += rows[t.index[k]! * outW + ox]! * t.weight[k]!;
        out[c * outW * outH + oy * outW + ox] = s;
      }
    }
  }
  return out;
}
