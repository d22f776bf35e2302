/**
 * An image as the browser's canvas hands it over: 8-bit RGBA, row-major, no DOM types needed.
 * Everything in `src/input` works on this, so the pipeline runs in Node as well as in the page.
 */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** `width * height * 4` bytes: R, G, B, A per pixel, rows top to bottom. */
  readonly data: Uint8ClampedArray;
}

/** Allocates a black, opaque image. */
export function blankImage(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
}
