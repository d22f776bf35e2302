import { describe, expect, it } from 'vitest';
import { blankImage, type RgbaImage } from './image.ts';
import { cropWindow, resampleTaps } from './resize.ts';
import { normalisation, preprocess, tensorFromGray } from './preprocess.ts';
import { synthetic } from './synthetic.ts';
import { softmax, topK, labelSource } from './labels.ts';

const gray = (w: number, h: number, f: (x: number, y: number) => number): RgbaImage => {
  const img = blankImage(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.fill(f(x, y), (y * w + x) * 4, (y * w + x) * 4 + 3);
  return img;
};

describe('resampleTaps', () => {
  it.each([
    [4, 2],
    [28, 28],
    [5, 3],
    [3, 7],
    [1, 4],
    [224, 28],
  ])('weights of %i → %i sum to one per output', (a, b) => {
    for (const t of resampleTaps(a, b)) {
      expect(t.weight.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 6);
      for (const i of t.index) expect(i >= 0 && i < a).toBe(true);
    }
  });

  it('averages the covered area when shrinking', () => {
    const t = resampleTaps(3, 2);
    // Output 0 covers [0, 1.5): pixel 0 fully, pixel 1 half.
    expect([...t[0]!.index]).toEqual([0, 1]);
    expect(t[0]!.weight[0]).toBeCloseTo(2 / 3);
    expect(t[0]!.weight[1]).toBeCloseTo(1 / 3);
  });

  it('is the identity at the same size', () => {
    resampleTaps(5, 5).forEach((t, i) => expect([...t.index].filter((_, k) => t.weight[k]! > 0)).toEqual([i]));
  });
});

describe('cropWindow', () => {
  it('centre-crops the longer side for cover', () => {
    expect(cropWindow(300, 200, 28, 28, 'cover')).toEqual({ x: 50, y: 0, w: 200, h: 200 });
    expect(cropWindow(200, 300, 28, 28, 'cover')).toEqual({ x: 0, y: 50, w: 200, h: 200 });
    expect(cropWindow(300, 200, 28, 28, 'stretch')).toEqual({ x: 0, y: 0, w: 300, h: 200 });
  });
});

describe('preprocess', () => {
  const fashion = { channels: 1, height: 28, width: 28, mean: [0.286], std: [0.353] };

  it('matches ToTensor + Normalize exactly on a picture already at the model size', () => {
    const img = gray(28, 28, (x, y) => (x * 9 + y * 3) % 256);
    const { tensor, view } = preprocess(img, fashion);
    expect(tensor.dims).toEqual([1, 1, 28, 28]);
    for (let i = 0; i < 28 * 28; i++) {
      const x = i % 28;
      const y = Math.floor(i / 28);
      const v = (x * 9 + y * 3) % 256;
      expect(tensor.data[i]).toBeCloseTo((v / 255 - 0.286) / 0.353, 5);
      expect(view.data[i * 4]).toBe(v);
    }
  });

  it('gives the same tensor as the raw grey-pixel path', () => {
    const pix = Uint8Array.from({ length: 784 }, (_, i) => (i * 37) % 256);
    const img = gray(28, 28, (x, y) => pix[y * 28 + x]!);
    const a = preprocess(img, fashion).tensor.data;
    const b = tensorFromGray(pix, fashion).data;
    for (let i = 0; i < 784; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });

  it('averages 2x2 blocks when halving', () => {
    const img = gray(4, 4, (x, y) => (x < 2 ? 0 : 200) + (y < 2 ? 0 : 40));
    const { view } = preprocess(img, { channels: 1, height: 2, width: 2 });
    expect([view.data[0], view.data[4], view.data[8], view.data[12]]).toEqual([0, 200, 40, 240]);
  });

  it('uses BT.601 luma for one channel and keeps planes for three', () => {
    const img = blankImage(1, 1);
    img.data.set([255, 0, 0, 255]);
    expect(preprocess(img, { channels: 1, height: 1, width: 1 }).tensor.data[0]).toBeCloseTo(0.299, 4);
    const rgb = preprocess(img, { channels: 3, height: 2, width: 2, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect(rgb.tensor.dims).toEqual([1, 3, 2, 2]);
    expect([...rgb.tensor.data].map((v) => Math.round(v))).toEqual([1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1]);
  });

  it('composites transparent pixels over black', () => {
    const img = blankImage(1, 1);
    img.data.set([255, 255, 255, 0]);
    expect(preprocess(img, { channels: 1, height: 1, width: 1 }).tensor.data[0]).toBe(0);
  });

  it('normalises per channel with ImageNet statistics', () => {
    const img = gray(8, 8, () => 255);
    const spec = { channels: 3, height: 4, width: 4, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const d = preprocess(img, spec).tensor.data;
    expect(d[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(d[16]).toBeCloseTo((1 - 0.456) / 0.224, 5);
    expect(d[47]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });

  it('broadcasts a single mean/std and rejects a non-positive std', () => {
    expect(normalisation({ channels: 3, height: 1, width: 1, mean: [0.5], std: [0.25] })).toEqual({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    expect(() => normalisation({ channels: 1, height: 1, width: 1, std: [0] })).toThrow(RangeError);
  });

  it('enlarges smoothly (bilinear) without overshoot', () => {
    const img = gray(2, 1, (x) => (x === 0 ? 0 : 255));
    const { view } = preprocess(img, { channels: 1, height: 1, width: 4 }, { fit: 'stretch' });
    const row = [0, 1, 2, 3].map((i) => view.data[i * 4]!);
    expect(row[0]).toBe(0);
    expect(row[3]).toBe(255);
    expect(row[1]! < row[2]!).toBe(true);
  });
});

describe('synthetic inputs', () => {
  it('are deterministic and span their range', () => {
    expect(synthetic('noise', 8, 8, { seed: 3 }).data).toEqual(synthetic('noise', 8, 8, { seed: 3 }).data);
    expect(synthetic('noise', 8, 8, { seed: 3 }).data).not.toEqual(synthetic('noise', 8, 8, { seed: 4 }).data);
    const g = synthetic('gradient', 28, 2);
    expect(g.data[0]).toBe(0);
    expect(g.data[27 * 4]).toBe(255);
    expect(new Set(synthetic('constant', 4, 4, { level: 7 }).data.filter((_, i) => i % 4 === 0))).toEqual(new Set([7]));
  });
});

describe('labels', () => {
  it('softmax sums to one and survives large logits', () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    expect(p[1]! > p[0]!).toBe(true);
  });
  it('topK orders by probability and names classes', () => {
    expect(topK([0.1, 3, -2, 2], 2, ['a', 'b', 'c', 'd']).map((x) => x.label)).toEqual(['b', 'd']);
    expect(topK([1, 2], 1)[0]!.label).toBe('class 1');
  });
  it('knows where each label set lives', () => {
    expect(labelSource('fashion-mnist').url).toBe('labels/fashion-mnist.json');
    expect(labelSource('cifar10').names).toHaveLength(10);
    expect(labelSource('none')).toEqual({});
  });
});
