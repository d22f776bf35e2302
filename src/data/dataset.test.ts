import { describe, expect, it } from 'vitest';
import type { InputSpec } from '../graph/types.ts';
import { tensorFromGray } from '../input/preprocess.ts';
import { createRng } from '../weights/random.ts';
import { below, checkClasses, inputAdapter, makeBatch, takeFirst, type ImageDataset } from './dataset.ts';

/** Three 4×4 pictures: item i has pixel (y, x) = 16·i + 4·y + x (+ 10). */
const ds: ImageDataset = {
  images: Uint8Array.from({ length: 3 * 16 }, (_, k) => 10 + k),
  labels: Uint8Array.from([2, 0, 1]),
  count: 3,
  height: 4,
  width: 4,
  classes: 3,
};
const grey = (h: number, w: number, mean = 0, std = 1): InputSpec => ({ channels: 1, height: h, width: w, mean: [mean], std: [std] });

describe('inputAdapter and makeBatch', () => {
  it('a picture of the input\'s own size is ToTensor + Normalize, as the live run\'s preprocessing', () => {
    const spec = grey(4, 4, 0.286, 0.353);
    const a = inputAdapter(ds, spec);
    const { input, target } = makeBatch(ds, [2, 0], a);
    expect(input.dims).toEqual([2, 1, 4, 4]);
    const want = tensorFromGray(ds.images.subarray(32, 48), spec).data;
    expect([...input.data.subarray(0, 16)].map((v, i) => v - want[i]!).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    expect([...target.data]).toEqual([1n, 2n]);
    expect(a.note).toMatch(/4×4 grey pictures → 1×4×4 input: pixels \/ 255 normalised with mean \[0.286\] and std \[0.353\]/);
  });

  it('grey is copied to every channel, each normalised with its own mean and std', () => {
    const spec: InputSpec = { channels: 3, height: 4, width: 4, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 1] };
    const a = inputAdapter(ds, spec);
    const { input } = makeBatch(ds, [1], a);
    const p = ds.images[16]! / 255;
    expect([input.data[0], input.data[16], input.data[32]].map((v) => Number(v!.toFixed(5)))).toEqual([(p - 0.1) / 0.5, (p - 0.2) / 0.25, p - 0.3].map((v) => Number(v.toFixed(5))));
    expect(a.note).toMatch(/grey copied to 3 channels \(transforms.Grayscale\(num_output_channels=3\)\)/);
  });

  it('pad: black around the centre, as CenterCrop to a larger size', () => {
    const a = inputAdapter(ds, grey(8, 7), { fit: 'pad' });
    const { input } = makeBatch(ds, [0], a);
    // CenterCrop pads (8-4)//2 = 2 rows on top and (7-4)//2 = 1 column on the left.
    const at = (y: number, x: number) => Math.round(input.data[y * 7 + x]! * 255);
    expect([at(0, 0), at(1, 6), at(2, 0), at(2, 1), at(5, 4), at(6, 1), at(2, 5)]).toEqual([0, 0, 0, 10, 25, 0, 0]);
    expect(a.note).toMatch(/zero-padded \(black\) around the centre to 8×7 \(torchvision transforms.CenterCrop\(\(8, 7\)\)\)/);
    const crop = makeBatch(ds, [0], inputAdapter(ds, grey(2, 2), { fit: 'pad' })).input.data;
    expect([...crop].map((v) => Math.round(v * 255))).toEqual([15, 16, 19, 20]);
  });

  it('resize: bilinear with half-pixel centres and clamped edges, as torch\'s upsampling', () => {
    const a = inputAdapter(ds, grey(6, 8));
    const { input } = makeBatch(ds, [0], a);
    // torch.nn.functional.interpolate(mode='bilinear', align_corners=False), written out.
    const src = (y: number, x: number) => ds.images[y * 4 + x]!;
    const coord = (o: number, inSize: number, outSize: number) => {
      const c = Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5);
      const i0 = Math.min(Math.floor(c), inSize - 1);
      return [i0, Math.min(i0 + 1, inSize - 1), c - i0] as const;
    };
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 8; x++) {
        const [y0, y1, fy] = coord(y, 4, 6);
        const [x0, x1, fx] = coord(x, 4, 8);
        const v = (1 - fy) * ((1 - fx) * src(y0, x0) + fx * src(y0, x1)) + fy * ((1 - fx) * src(y1, x0) + fx * src(y1, x1));
        expect(input.data[y * 8 + x]! * 255).toBeCloseTo(v, 3);
      }
    expect(a.note).toMatch(/resized to 6×8 \(bilinear, as torchvision transforms.Resize\(\(6, 8\)\)\)/);
  });

  it('augmentation is seeded: the same seed gives the same batch; crops shift by at most the padding, flips mirror', () => {
    const a = inputAdapter(ds, grey(4, 4));
    const aug = { cropPadding: 1, flip: true };
    const b1 = makeBatch(ds, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], a, { augment: aug, rng: createRng(7, 'augment') }).input.data;
    const b2 = makeBatch(ds, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], a, { augment: aug, rng: createRng(7, 'augment') }).input.data;
    const b3 = makeBatch(ds, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], a, { augment: aug, rng: createRng(8, 'augment') }).input.data;
    expect(b1).toEqual(b2);
    expect(b1).not.toEqual(b3);
    // Every augmented picture is its source shifted by (dy, dx) in [-1, 1]², maybe mirrored, black outside.
    for (let k = 0; k < 12; k++) {
      const src = ds.images.subarray((k % 3) * 16, (k % 3) * 16 + 16);
      const got = [...b1.subarray(k * 16, k * 16 + 16)].map((v) => Math.round(v * 255));
      const fits = [-1, 0, 1].some((dy) =>
        [-1, 0, 1].some((dx) =>
          [false, true].some((m) => got.every((v, i) => {
            const sy = Math.floor(i / 4) + dy;
            const sx = (m ? 3 - (i % 4) : i % 4) + dx;
            return v === (sy >= 0 && sy < 4 && sx >= 0 && sx < 4 ? src[sy * 4 + sx]! : 0);
          })),
        ),
      );
      expect(fits).toBe(true);
    }
    const plain = makeBatch(ds, [0], a, { augment: { cropPadding: 0, flip: false } }).input.data;
    expect([...plain].map((v) => Math.round(v * 255))).toEqual([...ds.images.subarray(0, 16)]);
  });

  it('a random crop moves the picture by its drawn offset, every offset in ±padding turns up, and black comes in at the edge', () => {
    const a = inputAdapter(ds, grey(4, 4));
    const n = 300;
    const b = makeBatch(ds, Array.from({ length: n }, () => 0), a, { augment: { cropPadding: 1 }, rng: createRng(3, 'augment') }).input.data;
    const src = ds.images.subarray(0, 16);
    const seen = new Set<string>();
    for (let k = 0; k < n; k++) {
      const got = [...b.subarray(k * 16, k * 16 + 16)].map((v) => Math.round(v * 255));
      // The offset is where the source's top-left pixel (10) went, or what the crop shows at (0, 0).
      const shifts = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dy, dx] as const));
      const fit = shifts.filter(([dy, dx]) => got.every((v, i) => {
        const sy = Math.floor(i / 4) + dy;
        const sx = (i % 4) + dx;
        return v === (sy >= 0 && sy < 4 && sx >= 0 && sx < 4 ? src[sy * 4 + sx]! : 0);
      }));
      expect(fit).toHaveLength(1); // exactly one shift explains it: no flip, no other change
      seen.add(fit[0]!.join(','));
    }
    expect(seen.size).toBe(9);
    // Moved down by one (dy = -1): the top row is the padding's black, row 1 is the source's row 0.
    const down = Array.from({ length: n }, (_, k) => [...b.subarray(k * 16, k * 16 + 16)].map((v) => Math.round(v * 255))).find((g) => g[4] === src[0] && g[5] === src[1]);
    expect(down?.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(down?.slice(4, 8)).toEqual([...src.subarray(0, 4)]);
  });

  it('a horizontal flip mirrors each row, about half the pictures, and leaves the rest as they are', () => {
    const a = inputAdapter(ds, grey(4, 4));
    const n = 400;
    const b = makeBatch(ds, Array.from({ length: n }, (_, k) => k % 3), a, { augment: { flip: true }, rng: createRng(5, 'augment') }).input.data;
    let mirrored = 0;
    for (let k = 0; k < n; k++) {
      const src = [...ds.images.subarray((k % 3) * 16, (k % 3) * 16 + 16)];
      const got = [...b.subarray(k * 16, k * 16 + 16)].map((v) => Math.round(v * 255));
      const mirror = src.map((_, i) => src[Math.floor(i / 4) * 4 + 3 - (i % 4)]!);
      if (got.every((v, i) => v === mirror[i])) mirrored++;
      else expect(got).toEqual(src);
    }
    expect(mirrored).toBeGreaterThan(n * 0.4);
    expect(mirrored).toBeLessThan(n * 0.6);
    // The seed decides: the same seed mirrors the same pictures.
    const again = makeBatch(ds, Array.from({ length: n }, (_, k) => k % 3), a, { augment: { flip: true }, rng: createRng(5, 'augment') }).input.data;
    expect(again).toEqual(b);
  });

  it('refuses augmentation without a generator, and indices outside the set', () => {
    const a = inputAdapter(ds, grey(4, 4));
    expect(() => makeBatch(ds, [0], a, { augment: { flip: true } })).toThrow(/seeded rng/);
    expect(() => makeBatch(ds, [3], a)).toThrow(/index 3 outside/);
  });
});

describe('data set helpers', () => {
  it('checkClasses says when labels do not fit the network', () => {
    expect(checkClasses(ds, 3)).toBeUndefined();
    expect(checkClasses(ds, 2)?.message).toMatch(/label 2, but the network has 2 classes/);
  });

  it('takeFirst keeps the first n items', () => {
    const t = takeFirst(ds, 2);
    expect([t.count, t.images.length, [...t.labels]]).toEqual([2, 32, [2, 0]]);
    expect(takeFirst(ds, 10)).toBe(ds);
  });

  it('below is uniform without modulo bias', () => {
    const rng = createRng(1, 'below');
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[below(rng, 3)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });
});
