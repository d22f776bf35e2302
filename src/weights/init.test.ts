import { describe, expect, it } from 'vitest';
import { initTensor } from './init.ts';
import type { InitSpec } from './types.ts';

function stats(a: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / a.length;
  let v2 = 0;
  for (const v of a) v2 += (v - mean) ** 2;
  return { mean, std: Math.sqrt(v2 / a.length), min, max };
}

const kaiming: InitSpec = { kind: 'kaiming-normal-fan-out', fanOut: 64 * 9 };

describe('initTensor', () => {
  it('gives the same bytes for the same spec, dims, seed and key', () => {
    const a = initTensor(kaiming, [64, 64, 3, 3], 11, 'layer1.0.conv1.weight');
    const b = initTensor(kaiming, [64, 64, 3, 3], 11, 'layer1.0.conv1.weight');
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('gives different tensors for a different key or seed', () => {
    const a = initTensor(kaiming, [64, 64, 3, 3], 11, 'layer1.0.conv1.weight');
    const b = initTensor(kaiming, [64, 64, 3, 3], 11, 'layer1.0.conv2.weight');
    const c = initTensor(kaiming, [64, 64, 3, 3], 12, 'layer1.0.conv1.weight');
    let same = 0;
    for (let i = 0; i < a.length; i++) same += (a[i] === b[i] ? 1 : 0) + (a[i] === c[i] ? 1 : 0);
    expect(same).toBeLessThan(5);
  });

  it('a larger tensor under the same key starts with the smaller one (streams, not shapes, are keyed)', () => {
    const small = initTensor({ kind: 'normal', std: 1 }, [10], 1, 'k');
    const large = initTensor({ kind: 'normal', std: 1 }, [20], 1, 'k');
    expect(Array.from(large.subarray(0, 10))).toEqual(Array.from(small));
  });

  it('kaiming-normal-fan-out has mean 0 and std sqrt(2 / fanOut)', () => {
    const s = stats(initTensor({ kind: 'kaiming-normal-fan-out', fanOut: 256 * 9 }, [256, 128, 3, 3], 5, 'w'));
    const expected = Math.sqrt(2 / (256 * 9));
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * expected);
    expect(Math.abs(s.std / expected - 1)).toBeLessThan(0.01);
  });

  it('normal uses the given std (VGG linear: 0.01)', () => {
    const s = stats(initTensor({ kind: 'normal', std: 0.01 }, [1000, 512], 5, 'classifier.weight'));
    expect(Math.abs(s.std / 0.01 - 1)).toBeLessThan(0.01);
  });

  it('uniform stays inside (-bound, bound) with variance bound^2 / 3', () => {
    const bound = 1 / Math.sqrt(512);
    const s = stats(initTensor({ kind: 'uniform', bound }, [1000, 512], 5, 'fc.weight'));
    expect(s.min).toBeGreaterThan(-bound);
    expect(s.max).toBeLessThan(bound);
    expect(s.max).toBeGreaterThan(bound * 0.999);
    expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.01);
  });

  it('constant fills every element (BN weight 1, bias 0)', () => {
    expect(Array.from(initTensor({ kind: 'constant', value: 1 }, [4], 0, 'bn.weight'))).toEqual([1, 1, 1, 1]);
    expect(Array.from(initTensor({ kind: 'constant', value: 0 }, [2, 2], 0, 'bn.bias'))).toEqual([0, 0, 0, 0]);
  });

  it('handles scalars and empty tensors', () => {
    expect(initTensor({ kind: 'constant', value: 3 }, [], 0, 's').length).toBe(1);
    expect(initTensor(kaiming, [0, 64], 0, 'e').length).toBe(0);
  });

  it('rejects impossible dims and specs (compiler bugs)', () => {
    expect(() => initTensor(kaiming, [-1], 0, 'k')).toThrow(RangeError);
    expect(() => initTensor(kaiming, [1.5], 0, 'k')).toThrow(RangeError);
    expect(() => initTensor({ kind: 'kaiming-normal-fan-out', fanOut: 0 }, [1], 0, 'k')).toThrow(RangeError);
    expect(() => initTensor({ kind: 'normal', std: -1 }, [1], 0, 'k')).toThrow(RangeError);
  });
});
