/** Test support: runs compiled bytes in onnxruntime-web's WASM backend inside Node. */
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

/** Runs a model on one float32 input and returns every output as a Float32Array with dims. */
export async function runOrt(bytes: Uint8Array, input: Float32Array, dims: readonly number[]): Promise<Record<string, { dims: readonly number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input, dims) });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { dims: v.dims, data: v.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

/** Largest |a-b| / max(1e-3·scale, |b|) over the elements — a relative difference robust to zeros. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  const floor = Math.max(1e-6, scale * 1e-3);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(floor, Math.abs(b[i]!)));
  return m;
}

/**
 * The relative difference used for whole-model comparisons: max |a-b| over max |b|, i.e. the
 * largest error relative to the output's scale. Deep float32 nets accumulate in different orders
 * in different runtimes, so element-wise relative error on near-zero logits is not meaningful.
 */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-12);
}

/** A deterministic pseudo-random input in [-1, 1]. */
export function testInput(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 0xffffffff) * 2 - 1;
  }
  return out;
}
