import type { RgbaImage } from '../../../src/input/index.ts';

/**
 * Reads a decoded picture into RGBA pixels, scaled down first (by the browser) to at most
 * `maxSide` so a large photo never costs the page more than a few milliseconds to resample.
 */
export function pixelsOf(src: CanvasImageSource & { width: number; height: number }, maxSide = 448): RgbaImage {
  const k = Math.min(1, maxSide / Math.max(src.width, src.height));
  const w = Math.max(1, Math.round(src.width * k));
  const h = Math.max(1, Math.round(src.height * k));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(src, 0, 0, w, h);
  const d = ctx.getImageData(0, 0, w, h);
  return { width: w, height: h, data: d.data };
}

/** Decodes an image file or URL into pixels. */
export async function loadPicture(source: Blob | string): Promise<RgbaImage> {
  const blob = typeof source === 'string' ? await (await fetch(source)).blob() : source;
  const bmp = await createImageBitmap(blob);
  try {
    return pixelsOf(bmp);
  } finally {
    bmp.close();
  }
}

/** Draws RGBA pixels onto a canvas at their own resolution (CSS scales them up, pixelated). */
export function paintImage(canvas: HTMLCanvasElement, img: RgbaImage) {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const data = new ImageData(img.width, img.height);
  data.data.set(img.data);
  ctx.putImageData(data, 0, 0);
}
