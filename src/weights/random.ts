/**
 * Seeded random numbers that give the same bits on every machine and every JavaScript engine.
 *
 * - Streams are xoshiro128** (Blackman & Vigna), seeded from `(docSeed, key)` by a string hash, so
 *   each initializer name gets its own independent stream and editing one block never shifts the
 *   numbers of another.
 * - Normals come from the ziggurat method (Marsaglia & Tsang, 128 layers, with Doornik's
 *   independent layer/position draws): exact up to the 2^-24 resolution of the uniform it scales.
 * - Only integer ops, IEEE-exact float arithmetic (+ - * /, sqrt) and this file's own `exp`/`log`
 *   are used. Engines may differ in the last bit of `Math.exp`/`Math.log`, which would make a
 *   ziggurat table or an accept/reject decision differ between Chrome and Firefox; the versions
 *   here are polynomial evaluations with the same result everywhere. (The wedge test asks
 *   `Math.exp` first, but only takes its answer where a last-bit difference cannot change it.)
 */

/** A xoshiro128** generator; state is four 32-bit words, never all zero. */
export class Xoshiro128 {
  /**
   * The four state words. A typed array rather than fields: the bulk fillers copy it into locals
   * and back, and int32 values stored in object fields would be boxed on every write.
   */
  readonly state = new Int32Array(4);

  /** Starts from an explicit state; use {@link createRng} to seed from a document seed and key. */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    if ((s0 | s1 | s2 | s3) === 0) s0 = 0x9e3779b9;
    this.state.set([s0, s1, s2, s3]);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.state;
    const s0 = s[0]!;
    const s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    s2 ^= s0;
    s3 ^= s1;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ (s1 << 9);
    s[3] = rotl(s3, 11);
    return r >>> 0;
  }

  /** A uniform number in the open interval (0, 1), with 32 random bits. */
  nextFloat(): number {
    return (this.nextUint32() + 0.5) * 2 ** -32;
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

const utf8 = new TextEncoder();

/**
 * A generator seeded from a document seed and a key (typically the initializer name). The same
 * pair always gives the same stream; different keys give unrelated streams. `docSeed` may be any
 * number: its 64 IEEE bits are hashed together with the UTF-8 bytes of `key`.
 *
 * @example
 * ```ts
 * const rng = createRng(42, 'layer1.0.conv1.weight');
 * const normals = fillNormal(rng, new Float32Array(64 * 64 * 9));
 * ```
 */
export function createRng(docSeed: number, key: string): Xoshiro128 {
  const seedBits = new DataView(new ArrayBuffer(8));
  seedBits.setFloat64(0, docSeed === 0 ? 0 : docSeed, true); // -0 and 0 are one seed
  const bytes = utf8.encode(key);
  // Two differently-mixed 32-bit lanes over (seed, key): a 64-bit hash.
  let a = 0x811c9dc5 ^ seedBits.getUint32(0, true);
  let b = 0x6a09e667 ^ seedBits.getUint32(4, true);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(rotl(b, 5) ^ c, 0x5bd1e995);
  }
  a = fmix32(a ^ bytes.length);
  b = fmix32(b ^ Math.imul(bytes.length, 0x27d4eb2f) ^ a);
  // Expand to 128 bits of state, splitmix style, then discard a few outputs.
  const s: number[] = [];
  for (let i = 0; i < 4; i++) {
    a = (a + 0x9e3779b9) | 0;
    const z = fmix32(a ^ Math.imul(rotl(b, 7 * i + 3), 0xcc9e2d51));
    s.push(z);
    b = rotl(b, 13) ^ z;
  }
  const rng = new Xoshiro128(s[0]!, s[1]!, s[2]!, s[3]!);
  for (let i = 0; i < 8; i++) rng.nextUint32();
  return rng;
}

// ---------------------------------------------------------------------------------------------
// Deterministic exp and log. Argument reduction by powers of two, then a short series; accurate
// to about one ulp, which is far below anything the sampler can see, and bit-identical across
// engines because it uses only correctly rounded IEEE operations.

const LN2_HI = 6.93147180369123816490e-1; // ln 2 rounded to 32 significant bits: k * LN2_HI is exact
const LN2_LO = 1.90821492927058770002e-10; // ln 2 - LN2_HI
const scratch = new DataView(new ArrayBuffer(8));

/** POW2[k + 1022] = 2^k for k in [-1022, 1023], by exact doubling and halving. */
const POW2 = new Float64Array(2046);
POW2[1022] = 1;
for (let k = 1; k <= 1023; k++) POW2[1022 + k] = POW2[1021 + k]! * 2;
for (let k = 1; k <= 1022; k++) POW2[1022 - k] = POW2[1023 - k]! / 2;
const pow2 = (k: number): number => POW2[k + 1022]!;

/** 1/n for the exp series; reciprocals are correctly rounded, so identical everywhere. */
const INV = Float64Array.from({ length: 15 }, (_, n) => (n === 0 ? 0 : 1 / n));

/** e^x, deterministic across engines. */
export function detExp(x: number): number {
  if (x !== x) return NaN;
  if (x < -745.2) return 0;
  if (x > 709.8) return Infinity;
  const k = Math.round(x * Math.LOG2E);
  const r = x - k * LN2_HI - k * LN2_LO; // |r| <= ln2 / 2
  // Taylor series to r^14 (remainder < 1e-18 for |r| <= 0.35), Horner form.
  let p = 1;
  for (let n = 14; n >= 1; n--) p = 1 + r * p * INV[n]!;
  // Scale in two steps so that subnormal results are reached without overflowing pow2's range.
  if (k < -1020) return p * pow2(k + 1000) * pow2(-1000);
  if (k > 1023) return p * pow2(k - 1000) * pow2(1000);
  return p * pow2(k);
}

/** ln x for x > 0, deterministic across engines. */
export function detLog(x: number): number {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  if (x < 2 ** -1022) {
    x *= 2 ** 64; // subnormal: make it normal first
    e = -64;
  }
  scratch.setFloat64(0, x, true);
  const hi = scratch.getUint32(4, true);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  scratch.setUint32(4, (hi & 0x000fffff) | 0x3ff00000, true);
  let m = scratch.getFloat64(0, true); // mantissa in [1, 2)
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716.
  const s = (m - 1) / (m + 1);
  const z = s * s;
  let p = 1 / 25;
  for (let n = 23; n >= 1; n -= 2) p = 1 / n + z * p;
  return e * LN2_HI + (e * LN2_LO + 2 * s * p);
}

// ---------------------------------------------------------------------------------------------
// Ziggurat tables: 128 layers of equal area V under exp(-x^2/2); layer 0 is the base strip plus
// the tail beyond R.

const ZIG_LAYERS = 128;
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
/** X[i]: right edge of layer i (X[0] is the base strip's notional width V / f(R)); X[128] = 0. */
const ZIG_X = new Float64Array(ZIG_LAYERS + 1);
/** X[i+1] / X[i]: inside this fraction of a layer, a point is under the curve for sure. */
const ZIG_RATIO = new Float64Array(ZIG_LAYERS);
/**
 * The rectangle test |u| < RATIO[i] in integers: with u = (j + 0.5) 2^-24 and a = |j + 0.5| - 0.5,
 * it is exactly a < K[i]. W[i] = X[i] 2^-24, so (j + 0.5) W[i] is exactly u X[i].
 */
const ZIG_K = new Int32Array(ZIG_LAYERS);
const ZIG_W = new Float64Array(ZIG_LAYERS);
{
  let f = detExp(-0.5 * ZIG_R * ZIG_R);
  ZIG_X[0] = ZIG_V / f;
  ZIG_X[1] = ZIG_R;
  ZIG_X[ZIG_LAYERS] = 0;
  for (let i = 2; i < ZIG_LAYERS; i++) {
    ZIG_X[i] = Math.sqrt(-2 * detLog(ZIG_V / ZIG_X[i - 1]! + f));
    f = detExp(-0.5 * ZIG_X[i]! * ZIG_X[i]!);
  }
  for (let i = 0; i < ZIG_LAYERS; i++) {
    ZIG_RATIO[i] = ZIG_X[i + 1]! / ZIG_X[i]!;
    ZIG_K[i] = Math.ceil(ZIG_RATIO[i]! * 2 ** 24 - 0.5);
    ZIG_W[i] = ZIG_X[i]! * 2 ** -24;
  }
}

/**
 * Fills `out` with independent Normal(mean, std) samples drawn from `rng` and returns it.
 * Deterministic: the same generator state gives the same float32 bits on every engine.
 *
 * @example
 * ```ts
 * const w = fillNormal(createRng(seed, 'fc.weight'), new Float32Array(1000 * 2048), 0, 0.01);
 * ```
 */
export function fillNormal(rng: Xoshiro128, out: Float32Array, mean = 0, std = 1): Float32Array {
  const n = out.length;
  let k = 0;
  for (;;) {
    k = fillNormalFast(rng.state, out, k, mean, std);
    if (k >= n) return out;
    // About 1.5% of draws land outside their layer's rectangle. They are finished here, drawing
    // further uniforms from the same stream exactly where the fast loop stopped, so the stream
    // is consumed in the same order as by a single loop that handled both cases.
    const w = REJECTED[0]!;
    const i = w & 0x7f;
    const j = w >> 7;
    if (i === 0 ? tail(rng, j < 0) : wedge(rng, i, j)) out[k++] = mean + std * SLOW_OUT[0]!;
  }
}

/** The draw {@link fillNormalFast} stopped at. */
const REJECTED = new Int32Array(1);

/**
 * The ziggurat's fast path: fills `out` from index `k` while each draw falls inside its layer's
 * rectangle, and returns the index of the first draw that does not (its bits in REJECTED, the
 * generator already past it) or `out.length`. Kept free of calls: a loop that contains even a
 * rarely taken call keeps its generator state in memory rather than registers in V8, which
 * halves its speed.
 */
function fillNormalFast(st: Int32Array, out: Float32Array, k: number, mean: number, std: number): number {
  let s0 = st[0]!;
  let s1 = st[1]!;
  let s2 = st[2]!;
  let s3 = st[3]!;
  const K = ZIG_K;
  const W = ZIG_W;
  const n = out.length;
  for (; k < n; k++) {
    // One xoshiro128** step, inlined.
    const w = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    // Low 7 bits pick the layer, the other 25 (signed) the position u = (j + 0.5) 2^-24 in (-1, 1).
    const i = w & 0x7f;
    const j = w >> 7;
    if ((j ^ (j >> 31)) >= K[i]!) {
      REJECTED[0] = w;
      break;
    }
    out[k] = mean + std * ((j + 0.5) * W[i]!);
  }
  st[0] = s0;
  st[1] = s1;
  st[2] = s2;
  st[3] = s3;
  return k;
}

/** Where the slow paths leave their sample. */
const SLOW_OUT = new Float64Array(1);

/** A sample from the tail beyond R (Marsaglia's method), on the side `u` fell on, into SLOW_OUT. */
function tail(rng: Xoshiro128, negative: boolean): boolean {
  let x: number;
  let y: number;
  do {
    x = detLog(rng.nextFloat()) / ZIG_R;
    y = detLog(rng.nextFloat());
  } while (-2 * y < x * x);
  SLOW_OUT[0] = negative ? x - ZIG_R : ZIG_R - x;
  return true;
}

/** The wedge of layer i between the rectangle and the curve: true (x in SLOW_OUT) or redraw. */
function wedge(rng: Xoshiro128, i: number, j: number): boolean {
  const x = (j + 0.5) * ZIG_W[i]!;
  const xi = ZIG_X[i]!;
  const xj = ZIG_X[i + 1]!;
  const a = -0.5 * (xi * xi - x * x);
  const b = -0.5 * (xj * xj - x * x);
  const u = rng.nextFloat();
  SLOW_OUT[0] = x;
  // The decision is defined by detExp, but Math.exp (within an ulp or two on every engine, and
  // five times faster) decides it whenever the result is further than WEDGE_MARGIN from the
  // boundary: f0 <= 1 <= f1 < 3 here, so an engine's last-bit error moves the left side by
  // under 1e-14, far inside the margin, and the answer is detExp's either way.
  const approx = Math.exp(b) + u * (Math.exp(a) - Math.exp(b));
  if (approx < 1 - WEDGE_MARGIN) return true;
  if (approx > 1 + WEDGE_MARGIN) return false;
  const f0 = detExp(a);
  const f1 = detExp(b);
  return f1 + u * (f0 - f1) < 1;
}

/** How close to the wedge's boundary the fast test may come before detExp decides. */
const WEDGE_MARGIN = 1e-9;

/**
 * Fills `out` with Uniform(low, high) samples (24 random bits each, strictly inside the
 * interval when `low < high`) and returns it.
 */
export function fillUniform(rng: Xoshiro128, out: Float32Array, low: number, high: number): Float32Array {
  const span = high - low;
  // Xoshiro128.nextUint32 inlined on local state: a method call per element that writes the
  // state array back each time runs at a third of the speed.
  const st = rng.state;
  let s0 = st[0]!;
  let s1 = st[1]!;
  let s2 = st[2]!;
  let s3 = st[3]!;
  const n = out.length;
  for (let k = 0; k < n; k++) {
    const w = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    out[k] = low + span * (((w >>> 8) + 0.5) * 2 ** -24);
  }
  st[0] = s0;
  st[1] = s1;
  st[2] = s2;
  st[3] = s3;
  return out;
}
