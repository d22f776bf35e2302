import { describe, expect, it } from 'vitest';
import { histogram, tensorStats } from './tensor-stats.ts';

describe('tensorStats', () => {
  it('summarises finite values and counts NaN/Inf apart', () => {
    const s = tensorStats(Float32Array.from([1, 2, 3, 4, NaN, Infinity, -Infinity]));
    expect(s).toMatchObject({ count: 7, min: 1, max: 4, mean: 2.5, nan: 1, inf: 2 });
    expect(s.std).toBeCloseTo(Math.sqrt(1.25));
  });
  it('histograms into equal bins with the top edge included', () => {
    expect([...histogram([0, 0.5, 1, 1, NaN], 2, 0, 1)]).toEqual([1, 3]);
  });
});
