/** Colour maps and canvas painting for activation heatmaps (no React). */

type Rgb = readonly [number, number, number];
const lerp = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

const SEQ: readonly Rgb[] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

/** Sequential map (black → purple → orange → pale yellow) for t in [0, 1]. */
export function sequential(t: number): Rgb {
  const x = Math.min(1, Math.max(0, t)) * (SEQ.length - 1);
  const i = Math.min(SEQ.length - 2, Math.floor(x));
  return lerp(SEQ[i]!, SEQ[i + 1]!, x - i);
}

/** Diverging map (blue ← white → red) for t in [-1, 1]. */
export function diverging(t: number): Rgb {
  const x = Math.min(1, Math.max(-1, t));
  return x < 0 ? lerp([255, 255, 255], [33, 102, 172], -x) : lerp([255, 255, 255], [178, 24, 43], x);
}

/** A value → colour mapping shared by several maps, so they can be compared. */
export interface Scale {
  readonly lo: number;
  readonly hi: number;
}

/** Colour of `v` under `scale`: diverging around 0 when the range crosses zero, else sequential. */
export function colourOf(v: number, s: Scale): Rgb {
  if (!Number.isFinite(v)) return [0, 255, 0];
  if (s.lo < 0 && s.hi > 0) return diverging(v / Math.max(-s.lo, s.hi));
  return sequential(s.hi > s.lo ? (v - s.lo) / (s.hi - s.lo) : 0.5);
}

/** Paints channel `m` of an `[1, C, h, w]` tensor into `img` with its top-left corner at (ox, oy). */
function paintMap(img: ImageData, data: Float32Array, m: number, h: number, w: number, ox: number, oy: number, scale: Scale): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = colourOf(data[m * h * w + y * w + x]!, scale);
      const p = ((oy + y) * img.width + ox + x) * 4;
      img.data[p] = r;
      img.data[p + 1] = g;
      img.data[p + 2] = b;
      img.data[p + 3] = 255;
    }
  }
}

/**
 * Paints up to `maxMaps` channel maps of a `[1, C, H, W]` tensor as a grid of heatmaps on a canvas,
 * `cell` CSS pixels per map. Returns the number of channels drawn.
 */
export function paintGrid(canvas: HTMLCanvasElement, data: Float32Array, dims: readonly number[], scale: Scale, opts: { cell: number; maxMaps: number; cols: number }): number {
  const [, c = 1, h = 1, w = 1] = dims.length === 4 ? dims : [1, 1, 1, data.length];
  const maps = Math.min(c, opts.maxMaps);
  const cols = Math.min(opts.cols, maps);
  const rows = Math.ceil(maps / cols);
  const gap = 2;
  canvas.width = cols * (w + gap);
  canvas.height = rows * (h + gap);
  canvas.style.width = `min(100%, ${cols * (opts.cell + gap)}px)`;
  canvas.style.imageRendering = 'pixelated';
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let m = 0; m < maps; m++) {
    const ox = (m % cols) * (w + gap);
    const oy = Math.floor(m / cols) * (h + gap);
    paintMap(img, data, m, h, w, ox, oy, scale);
  }
  ctx.putImageData(img, 0, 0);
  return maps;
}

/**
 * Paints a residual block's tensors side by side, one row per channel: F(x)_c | x_c | F(x)+x_c,
 * all under one scale. Returns the number of channel rows drawn.
 */
export function paintSideBySide(canvas: HTMLCanvasElement, tensors: readonly { data: Float32Array; dims: readonly number[] }[], scale: Scale, maxRows: number): number {
  const first = tensors[0];
  if (!first || first.dims.length !== 4) return 0;
  const [, c = 1, h = 1, w = 1] = first.dims;
  const rows = Math.min(c, maxRows);
  const gap = Math.max(1, Math.round(w / 8));
  canvas.width = tensors.length * (w + gap) - gap;
  canvas.height = rows * (h + gap) - gap;
  canvas.style.width = '100%';
  canvas.style.imageRendering = 'pixelated';
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  const img = ctx.createImageData(canvas.width, canvas.height);
  // Grey gaps: white is a value (zero) in the diverging map.
  for (let i = 0; i < img.data.length; i += 4) img.data.set([190, 194, 202, 255], i);
  tensors.forEach((t, col) => {
    const [, tc = 1, th = 1, tw = 1] = t.dims;
    if (th !== h || tw !== w) return;
    for (let m = 0; m < Math.min(rows, tc); m++) paintMap(img, t.data, m, h, w, col * (w + gap), m * (h + gap), scale);
  });
  ctx.putImageData(img, 0, 0);
  return rows;
}
