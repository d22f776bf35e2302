/**
 * A deliberately naive reference evaluator over the IR, written from the operators' definitions
 * (NCHW, float64 accumulation), used only by tests to check what onnxruntime computes from our
 * compiled models. It shares no code with the lowering it checks, beyond the IR types.
 */
import { tensorData, type IrAttribute, type IrModel, type IrNode } from '../ir.ts';

/** A dense tensor. */
export interface RefTensor {
  readonly dims: number[];
  readonly data: Float64Array;
}

const attr = (n: IrNode, name: string): IrAttribute | undefined => n.attributes.find((a) => a.name === name);
const ints = (n: IrNode, name: string, d: number[]): number[] => {
  const a = attr(n, name);
  return a && a.kind === 'ints' ? [...a.value] : d;
};
const int = (n: IrNode, name: string, d: number): number => {
  const a = attr(n, name);
  return a && a.kind === 'int' ? a.value : d;
};
const float = (n: IrNode, name: string, d: number): number => {
  const a = attr(n, name);
  return a && a.kind === 'float' ? a.value : d;
};

function conv(x: RefTensor, w: RefTensor, b: RefTensor | undefined, n: IrNode): RefTensor {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const [M, Cg, KH, KW] = w.dims as [number, number, number, number];
  const [sh, sw] = ints(n, 'strides', [1, 1]) as [number, number];
  const [ph, pw] = ints(n, 'pads', [0, 0, 0, 0]) as [number, number];
  const [dh, dw] = ints(n, 'dilations', [1, 1]) as [number, number];
  const g = int(n, 'group', 1);
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const out = new Float64Array(N * M * OH * OW);
  const mPerG = M / g;
  for (let b0 = 0; b0 < N; b0++)
    for (let m = 0; m < M; m++) {
      const gi = Math.floor(m / mPerG);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          let s = b ? b.data[m]! : 0;
          for (let c = 0; c < Cg; c++)
            for (let ky = 0; ky < KH; ky++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix < 0 || ix >= W) continue;
                s += x.data[((b0 * C + gi * Cg + c) * H + iy) * W + ix]! * w.data[((m * Cg + c) * KH + ky) * KW + kx]!;
              }
            }
          out[((b0 * M + m) * OH + oy) * OW + ox] = s;
        }
    }
  return { dims: [N, M, OH, OW], data: out };
}

function pool(x: RefTensor, n: IrNode, kind: 'max' | 'avg'): RefTensor {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const [k] = ints(n, 'kernel_shape', [1, 1]) as [number];
  const [s] = ints(n, 'strides', [1, 1]) as [number];
  const [p] = ints(n, 'pads', [0, 0, 0, 0]) as [number];
  const ceil = int(n, 'ceil_mode', 0) === 1;
  const incl = int(n, 'count_include_pad', 0) === 1;
  const size = (L: number) => {
    const span = L + 2 * p - k;
    let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (o - 1) * s >= L + p) o--;
    return o;
  };
  const OH = size(H);
  const OW = size(W);
  const out = new Float64Array(N * C * OH * OW);
  for (let b = 0; b < N * C; b++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let m = -Infinity;
        let sum = 0;
        let cnt = 0;
        let padCnt = 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = oy * s - p + ky;
            const ix = ox * s - p + kx;
            const inPadded = iy < H + p && ix < W + p;
            if (iy < 0 || ix < 0 || iy >= H || ix >= W) {
              if (inPadded) padCnt++;
              continue;
            }
            const v = x.data[(b * H + iy) * W + ix]!;
            m = Math.max(m, v);
            sum += v;
            cnt++;
          }
        out[(b * OH + oy) * OW + ox] = kind === 'max' ? m : sum / (incl ? cnt + padCnt : cnt);
      }
  return { dims: [N, C, OH, OW], data: out };
}

function broadcastSame(a: RefTensor, b: RefTensor, f: (x: number, y: number) => number): RefTensor {
  if (a.dims.join() !== b.dims.join()) throw new Error(`reference: shapes differ ${a.dims} vs ${b.dims}`);
  return { dims: a.dims, data: a.data.map((v, i) => f(v, b.data[i]!)) };
}

/** Multidirectional (numpy) broadcasting of a binary op, written out index by index. */
function broadcast(a: RefTensor, b: RefTensor, f: (x: number, y: number) => number): RefTensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const dims = da.map((x, k) => {
    const y = db[k]!;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`reference: shapes do not broadcast ${a.dims} vs ${b.dims}`);
    return Math.max(x, y);
  });
  const total = dims.reduce((p, q) => p * q, 1);
  const out = new Float64Array(total);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < rank; k++) {
      ia = ia * da[k]! + (da[k] === 1 ? 0 : idx[k]!);
      ib = ib * db[k]! + (db[k] === 1 ? 0 : idx[k]!);
    }
    out[o] = f(a.data[ia]!, b.data[ib]!);
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < dims[k]!) break;
      idx[k] = 0;
    }
  }
  return { dims, data: out };
}

/** erf to about 1e-13, by its Maclaurin series near 0 and a continued fraction of erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let k = 1; k < 200; k++) {
      term *= (-ax * ax) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated from the tail.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f);
}

const gelu = (v: number, tanh: boolean) => (tanh ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))) : 0.5 * v * (1 + erf(v / Math.SQRT2)));
const hardSigmoid = (v: number, alpha: number, beta: number) => Math.max(0, Math.min(1, alpha * v + beta));

/** Evaluates the model's graph on `input`, returning every tensor by name. */
export function evaluate(model: IrModel, input: RefTensor): Map<string, RefTensor> {
  const env = new Map<string, RefTensor>();
  env.set(model.graph.inputs[0]!.name, input);
  for (const t of model.graph.initializers) {
    const d = tensorData(t);
    const data = d instanceof BigInt64Array ? Float64Array.from(d, (v) => Number(v)) : Float64Array.from(d as Float32Array);
    env.set(t.name, { dims: [...t.dims], data });
  }
  const get = (name: string) => {
    const t = env.get(name);
    if (!t) throw new Error(`reference: missing tensor ${name}`);
    return t;
  };
  for (const n of model.graph.nodes) {
    const i = n.inputs.map((x) => (x ? get(x) : undefined));
    const x = i[0]!;
    let y: RefTensor;
    switch (n.opType) {
      case 'Conv':
        y = conv(x, i[1]!, i[2], n);
        break;
      case 'BatchNormalization': {
        const [N, C] = x.dims as [number, number];
        const hw = x.data.length / N / C;
        const eps = float(n, 'epsilon', 1e-5);
        const [g, b, m, v] = i.slice(1) as RefTensor[];
        y = { dims: x.dims, data: x.data.map((val, k) => { const c = Math.floor(k / hw) % C; return ((val - m!.data[c]!) / Math.sqrt(v!.data[c]! + eps)) * g!.data[c]! + b!.data[c]!; }) };
        break;
      }
      case 'Relu':
        y = { dims: x.dims, data: x.data.map((v) => Math.max(0, v)) };
        break;
      case 'LeakyRelu': {
        const a = float(n, 'alpha', 0.01);
        y = { dims: x.dims, data: x.data.map((v) => (v > 0 ? v : a * v)) };
        break;
      }
      case 'Sigmoid':
        y = { dims: x.dims, data: x.data.map((v) => 1 / (1 + Math.exp(-v))) };
        break;
      case 'MaxPool':
        y = pool(x, n, 'max');
        break;
      case 'AveragePool':
        y = pool(x, n, 'avg');
        break;
      case 'GlobalAveragePool': {
        const [N, C, H, W] = x.dims as [number, number, number, number];
        const out = new Float64Array(N * C);
        for (let k = 0; k < N * C; k++) {
          let s = 0;
          for (let j = 0; j < H * W; j++) s += x.data[k * H * W + j]!;
          out[k] = s / (H * W);
        }
        y = { dims: [N, C, 1, 1], data: out };
        break;
      }
      case 'Flatten':
        y = { dims: [x.dims[0]!, x.data.length / x.dims[0]!], data: x.data };
        break;
      case 'Gemm': {
        const [N, I] = x.dims as [number, number];
        const w = i[1]!;
        const O = w.dims[0]!;
        const out = new Float64Array(N * O);
        for (let b = 0; b < N; b++)
          for (let o = 0; o < O; o++) {
            let s = i[2] ? i[2].data[o]! : 0;
            for (let k = 0; k < I; k++) s += x.data[b * I + k]! * w.data[o * I + k]!;
            out[b * O + o] = s;
          }
        y = { dims: [N, O], data: out };
        break;
      }
      case 'Add':
        // Same shapes except where the other input is a scalar constant (GELU's `+ 1`): a residual sum must not broadcast.
        y = i[1]!.data.length === 1 || x.data.length === 1 ? broadcast(x, i[1]!, (a, b) => a + b) : broadcastSame(x, i[1]!, (a, b) => a + b);
        break;
      case 'Mul':
        y = broadcast(x, i[1]!, (a, b) => a * b);
        break;
      case 'Div':
        y = broadcast(x, i[1]!, (a, b) => a / b);
        break;
      case 'Erf':
        y = { dims: x.dims, data: x.data.map(erf) };
        break;
      case 'Tanh':
        y = { dims: x.dims, data: x.data.map(Math.tanh) };
        break;
      case 'Clip': {
        const lo = i[1] ? i[1].data[0]! : -Infinity;
        const hi = i[2] ? i[2].data[0]! : Infinity;
        y = { dims: x.dims, data: x.data.map((v) => Math.min(hi, Math.max(lo, v))) };
        break;
      }
      case 'HardSigmoid': {
        const a = float(n, 'alpha', 0.2);
        const b = float(n, 'beta', 0.5);
        y = { dims: x.dims, data: x.data.map((v) => hardSigmoid(v, a, b)) };
        break;
      }
      case 'HardSwish':
        y = { dims: x.dims, data: x.data.map((v) => v * hardSigmoid(v, 1 / 6, 0.5)) };
        break;
      case 'Gelu': {
        const a = attr(n, 'approximate');
        const tanh = a?.kind === 'string' && a.value === 'tanh';
        y = { dims: x.dims, data: x.data.map((v) => gelu(v, tanh)) };
        break;
      }
      case 'Concat': {
        const [N] = x.dims as [number];
        const parts = i as RefTensor[];
        const C = parts.reduce((c, p) => c + p.dims[1]!, 0);
        const rest = x.data.length / N / x.dims[1]!;
        const out = new Float64Array(N * C * rest);
        for (let b = 0; b < N; b++) {
          let off = 0;
          for (const p of parts) {
            const len = p.dims[1]! * rest;
            out.set(p.data.subarray(b * len, (b + 1) * len), (b * C + off) * rest);
            off += p.dims[1]!;
          }
        }
        y = { dims: [N, C, ...x.dims.slice(2)], data: out };
        break;
      }
      case 'Softmax': {
        const [N, C] = x.dims as [number, number];
        const rest = x.data.length / N / C;
        const out = new Float64Array(x.data.length);
        for (let b = 0; b < N; b++)
          for (let r = 0; r < rest; r++) {
            let m = -Infinity;
            for (let c = 0; c < C; c++) m = Math.max(m, x.data[(b * C + c) * rest + r]!);
            let s = 0;
            for (let c = 0; c < C; c++) s += Math.exp(x.data[(b * C + c) * rest + r]! - m);
            for (let c = 0; c < C; c++) out[(b * C + c) * rest + r] = Math.exp(x.data[(b * C + c) * rest + r]! - m) / s;
          }
        y = { dims: x.dims, data: out };
        break;
      }
      case 'Identity':
      case 'Dropout':
        y = x;
        break;
      case 'Slice': {
        // Only the form the zero-pad shortcut uses: every s-th row and column.
        const steps = i[4]!.data;
        const [N, C, H, W] = x.dims as [number, number, number, number];
        const s = steps[0]!;
        const OH = Math.ceil(H / s);
        const OW = Math.ceil(W / s);
        const out = new Float64Array(N * C * OH * OW);
        for (let b = 0; b < N * C; b++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) out[(b * OH + oy) * OW + ox] = x.data[(b * H + oy * s) * W + ox * s]!;
        y = { dims: [N, C, OH, OW], data: out };
        break;
      }
      case 'Pad': {
        const pads = i[1]!.data;
        const [N, C, H, W] = x.dims as [number, number, number, number];
        const before = pads[1]!;
        const OC = C + before + pads[5]!;
        const out = new Float64Array(N * OC * H * W);
        for (let b = 0; b < N; b++) out.set(x.data.subarray(b * C * H * W, (b + 1) * C * H * W), (b * OC + before) * H * W);
        y = { dims: [N, OC, H, W], data: out };
        break;
      }
      default:
        throw new Error(`reference: no implementation of ${n.opType}`);
    }
    env.set(n.outputs[0]!, y);
  }
  return env;
}
