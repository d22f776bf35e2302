import { describe, expect, it } from 'vitest';
import { createRng, detExp, detLog, fillNormal, fillUniform } from './random.ts';

/** Standard normal CDF via erf (Abramowitz & Stegun 7.1.26 is too coarse; use a series/continued fraction). */
function normalCdf(x: number): number {
  // erfc by continued fraction for large |x|, Taylor series for small.
  const z = Math.abs(x) / Math.SQRT2;
  let erf: number;
  if (z < 3) {
    let sum = z;
    let term = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    erf = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let n = 60; n >= 1; n--) f = (n / 2) / (z + f);
    erf = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
  }
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function moments(a: Float32Array): { mean: number; variance: number; skew: number; kurtosis: number } {
  let m = 0;
  for (const v of a) m += v;
  m /= a.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of a) {
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= a.length;
  m3 /= a.length;
  m4 /= a.length;
  return { mean: m, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) - 3 };
}

describe('detExp / detLog', () => {
  it('agree with Math.exp / Math.log to within a few ulp', () => {
    for (let x = -60; x <= 60; x += 0.0137) expect(Math.abs(detExp(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(4e-16);
    for (let e = -300; e <= 300; e += 0.173) {
      const x = 10 ** e;
      expect(Math.abs(detLog(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
    }
    expect(detLog(1)).toBe(0);
    expect(detExp(0)).toBe(1);
    expect(detLog(5e-324)).toBeCloseTo(Math.log(5e-324), 10);
  });
});

describe('createRng', () => {
  it('gives the same stream for the same seed and key', () => {
    const a = createRng(42, 'layer1.0.conv1.weight');
    const b = createRng(42, 'layer1.0.conv1.weight');
    for (let i = 0; i < 100; i++) expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('is pinned: saved documents regenerate the same weights forever', () => {
    const r = createRng(42, 'layer1.0.conv1.weight');
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toMatchInlineSnapshot(`
      [
        2352797400,
        1520319530,
        3200118463,
      ]
    `);
    // A checksum over enough samples to pass through the tail and wedge paths many times.
    const bytes = new Uint8Array(fillNormal(createRng(2024, 'quality'), new Float32Array(1_000_000)).buffer);
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
    expect(h >>> 0).toMatchInlineSnapshot(`2968843390`);
    const n = fillNormal(createRng(7, 'fc.weight'), new Float32Array(5));
    expect(Array.from(n)).toMatchInlineSnapshot(`
      [
        0.9459853768348694,
        1.4885735511779785,
        -0.817993700504303,
        0.1646953970193863,
        0.9825872778892517,
      ]
    `);
  });

  it('is pinned for scaled normals over a long stream and for uniforms (values from the single-loop sampler before the fast paths)', () => {
    const hash = (a: Float32Array) => {
      let h = 0x811c9dc5;
      for (const b of new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) h = Math.imul(h ^ b, 0x01000193);
      return h >>> 0;
    };
    // 3M draws: ~45 000 wedge decisions and ~1 500 tail samples, each of which must match.
    expect(hash(fillNormal(createRng(5, 'layer4.2.conv2.weight'), new Float32Array(3_000_000), 0, 0.0208))).toBe(2128499558);
    expect(hash(fillUniform(createRng(2024, 'uniform'), new Float32Array(100_000), -0.25, 0.25))).toBe(1524351247);
  });

  it('separates keys, seeds, and -0 from nothing', () => {
    const first = new Set<number>();
    for (let i = 0; i < 20000; i++) first.add(createRng(1, `k${i}`).nextUint32());
    expect(first.size).toBeGreaterThan(19990); // 32-bit birthday collisions: ~0.05 expected
    expect(createRng(1, 'a').nextUint32()).not.toBe(createRng(2, 'a').nextUint32());
    expect(createRng(0, 'a').nextUint32()).toBe(createRng(-0, 'a').nextUint32());
    expect(createRng(0.5, 'a').nextUint32()).not.toBe(createRng(0, 'a').nextUint32());
  });

  it('gives uncorrelated streams for neighbouring keys', () => {
    const n = 200_000;
    const a = fillNormal(createRng(3, 'layer1.0.conv1.weight'), new Float32Array(n));
    const b = fillNormal(createRng(3, 'layer1.0.conv2.weight'), new Float32Array(n));
    let dot = 0;
    for (let i = 0; i < n; i++) dot += a[i]! * b[i]!;
    expect(Math.abs(dot / n)).toBeLessThan(4 / Math.sqrt(n));
  });
});

describe('fillNormal', () => {
  const n = 1_000_000;
  const xs = fillNormal(createRng(2024, 'quality'), new Float32Array(n));

  it('has the moments of a standard normal', () => {
    const m = moments(xs);
    expect(Math.abs(m.mean)).toBeLessThan(0.004);
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.005);
    expect(Math.abs(m.skew)).toBeLessThan(0.01);
    expect(Math.abs(m.kurtosis)).toBeLessThan(0.02);
  });

  it('passes Kolmogorov-Smirnov against the normal CDF', () => {
    const sorted = Float64Array.from(xs).sort();
    let d = 0;
    for (let i = 0; i < n; i += 7) {
      const c = normalCdf(sorted[i]!);
      d = Math.max(d, Math.abs(c - i / n), Math.abs(c - (i + 1) / n));
    }
    expect(d).toBeLessThan(1.63 / Math.sqrt(n)); // 1% critical value
  });

  it('reaches the tails at the right rate (the tail and wedge paths)', () => {
    let beyond3 = 0;
    let beyondR = 0;
    for (const v of xs) {
      if (Math.abs(v) > 3) beyond3++;
      if (Math.abs(v) > 3.442619855899) beyondR++;
    }
    const p3 = 2 * (1 - normalCdf(3));
    const pR = 2 * (1 - normalCdf(3.442619855899));
    expect(Math.abs(beyond3 - n * p3)).toBeLessThan(4 * Math.sqrt(n * p3));
    expect(Math.abs(beyondR - n * pR)).toBeLessThan(4 * Math.sqrt(n * pR));
  });

  it('applies mean and std', () => {
    const m = moments(fillNormal(createRng(1, 'ms'), new Float32Array(200_000), 5, 0.1));
    expect(m.mean).toBeCloseTo(5, 2);
    expect(Math.sqrt(m.variance)).toBeCloseTo(0.1, 3);
  });
});

describe('fillUniform', () => {
  it('stays strictly inside the bounds and covers them evenly', () => {
    const u = fillUniform(createRng(9, 'u'), new Float32Array(200_000), -0.5, 0.5);
    let lo = Infinity;
    let hi = -Infinity;
    const bins = new Array<number>(10).fill(0);
    for (const v of u) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      bins[Math.floor((v + 0.5) * 10)]!++;
    }
    expect(lo).toBeGreaterThan(-0.5);
    expect(hi).toBeLessThan(0.5);
    expect(lo).toBeLessThan(-0.499);
    expect(hi).toBeGreaterThan(0.499);
    for (const b of bins) expect(Math.abs(b - 20_000)).toBeLessThan(4 * Math.sqrt(20_000));
  });
});
