/** Summary statistics of a tensor, over finite values; NaN and ±Inf are counted apart. */
export interface TensorStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  readonly nan: number;
  readonly inf: number;
}

/** min/max/mean/std (population) over the finite values, with NaN/Inf counts. */
export function tensorStats(data: ArrayLike<number>): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      n++;
    }
  }
  const mean = n ? sum / n : NaN;
  let sq = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) sq += (v - mean) * (v - mean);
  }
  return { count: data.length, min: n ? min : NaN, max: n ? max : NaN, mean, std: n ? Math.sqrt(sq / n) : NaN, nan, inf };
}

/** Counts of finite values in `bins` equal-width bins over [lo, hi] (hi inclusive). */
export function histogram(data: ArrayLike<number>, bins: number, lo: number, hi: number): Uint32Array {
  const h = new Uint32Array(bins);
  const w = hi > lo ? (hi - lo) / bins : 1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)));
    h[b]!++;
  }
  return h;
}
