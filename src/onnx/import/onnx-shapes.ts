/**
 * ONNX's own shape rules, for the ops an imported file uses that the editor does not model.
 *
 * PyTorch writes no `value_info`, so an op kept as in the file (Opaque) has no declared output
 * shape; without one, everything after it would be unknown. These rules follow the operator
 * specifications (onnx.ai/onnx/operators), over full shapes *with* the batch dimension, and they
 * propagate the values of small integer tensors — `Shape(x)`, `Gather`, `Slice`, `Concat` and
 * the arithmetic torch builds from them — so that a `Reshape` or `Resize` whose target is
 * computed from the input's shape (as torch exports `x.view(x.size(0), -1)` or
 * `F.interpolate(size=x.shape[-2:])`) still gets its shape. A symbolic dimension (the batch `N`,
 * or `H` in a file exported with dynamic axes) is a string and travels as one.
 */
import { DataType, type IrAttribute, type IrNode, type IrTensor } from '../ir.ts';

/** A dimension: a size, or a symbol such as `N`. */
export type Dim = number | string;

/** What is known of one tensor: its full shape (batch included) and, for small integer tensors, its values. */
export interface TensorFacts {
  readonly dims: readonly Dim[];
  /** Elements in row-major order, for integer tensors of at most {@link MAX_VALUES} elements. */
  readonly values?: readonly Dim[];
  /** Elements of a small float constant (Resize's scales). */
  readonly floatValues?: readonly number[];
  /** False for integer and boolean tensors (Shape's output, indices), which are never activations. */
  readonly float: boolean;
}

const MAX_VALUES = 64;

/** Facts of a constant tensor. */
export function constantFacts(t: IrTensor): TensorFacts {
  const float = t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16 || t.dataType === DataType.DOUBLE;
  const n = t.dims.reduce((a, b) => a * b, 1);
  const ints = t.dataType === DataType.INT64 || t.dataType === DataType.INT32;
  const small = n <= MAX_VALUES && t.data.length === n;
  return {
    dims: [...t.dims],
    float,
    ...(ints && small ? { values: Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)) } : {}),
    ...(t.dataType === DataType.FLOAT && small ? { floatValues: Array.from(t.data as Float32Array) } : {}),
  };
}

const attr = (n: IrNode, name: string): IrAttribute | undefined => n.attributes.find((a) => a.name === name);
function int(n: IrNode, name: string, def: number): number {
  const a = attr(n, name);
  return a?.kind === 'int' ? a.value : def;
}
function ints(n: IrNode, name: string): readonly number[] | undefined {
  const a = attr(n, name);
  return a?.kind === 'ints' ? a.value : undefined;
}
function floats(n: IrNode, name: string): readonly number[] | undefined {
  const a = attr(n, name);
  return a?.kind === 'floats' ? a.value : undefined;
}
function str(n: IrNode, name: string, def: string): string {
  const a = attr(n, name);
  return a?.kind === 'string' ? a.value : def;
}

const isNum = (d: Dim | undefined): d is number => typeof d === 'number';
const allNum = (ds: readonly Dim[] | undefined): ds is readonly number[] => !!ds && ds.every(isNum);
const numel = (ds: readonly Dim[]): Dim => (allNum(ds) ? ds.reduce((a, b) => a * b, 1) : '?');
const axis = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** Ops whose single output has the shape of their first input. */
const SAME_SHAPE = new Set(
  'Abs Neg Exp Log Sqrt Tanh Elu Selu Relu HardSigmoid HardSwish Softplus Softsign Clip Erf Ceil Floor Round Reciprocal Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Not Gelu Mish Celu ThresholdedRelu LRN InstanceNormalization LpNormalization MeanVarianceNormalization Identity BatchNormalization LayerNormalization GroupNormalization Softmax LogSoftmax Hardmax Shrink LeakyRelu Sigmoid PRelu IsNaN IsInf Dropout Swish'.split(' '),
);
/** Ops that broadcast their inputs numpy-style. */
const BROADCAST = new Set('Add Sub Mul Div Pow Max Min Mean Sum Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Mod BitShift Where'.split(' '));
const BOOL_OUT = new Set('Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Not IsNaN IsInf'.split(' '));

/** Numpy broadcasting of shapes; undefined when they do not broadcast. */
export function broadcast(shapes: readonly (readonly Dim[])[]): Dim[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const x = s[s.length - rank + i] ?? 1;
      if (x === 1) continue;
      if (d === 1) d = x;
      else if (d !== x) return undefined;
    }
    out.push(d);
  }
  return out;
}

function arith(op: string, a: Dim, b: Dim): Dim {
  if (!isNum(a) || !isNum(b)) {
    // A symbol survives the identities: N + 0 (no padding on the batch axis), N · 1.
    if (op === 'Add' && a === 0) return b;
    if ((op === 'Add' || op === 'Sub') && b === 0) return a;
    if (op === 'Mul' && a === 1) return b;
    if ((op === 'Mul' || op === 'Div') && b === 1) return a;
    return '?';
  }
  switch (op) {
    case 'Add':
      return a + b;
    case 'Sub':
      return a - b;
    case 'Mul':
      return a * b;
    case 'Div':
      return b === 0 ? '?' : Math.trunc(a / b);
    case 'Max':
      return Math.max(a, b);
    case 'Min':
      return Math.min(a, b);
    case 'Equal':
      return a === b ? 1 : 0;
    default:
      return '?';
  }
}

/** Per-axis output size of a sliding window (Conv, pooling). */
function windowSize(size: Dim, k: number, s: number, d: number, p0: number, p1: number, autoPad: string, ceil: boolean): Dim {
  if (!isNum(size)) return '?';
  const eff = d * (k - 1) + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / s);
  if (autoPad === 'VALID') return Math.floor((size - eff) / s) + 1;
  const span = size + p0 + p1 - eff;
  return (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
}

/** Reshape's target with ONNX's 0 (copy, unless allowzero) and -1 (infer) rules. */
function reshapeTarget(input: readonly Dim[], target: readonly Dim[], allowZero: boolean): Dim[] | undefined {
  const out = target.map((t, i) => (t === 0 && !allowZero ? (input[i] ?? '?') : t));
  const inferAt = out.indexOf(-1);
  if (inferAt < 0) return out;
  // Symbols on both sides cancel (N in `[N, -1]` from an input `[N, C, H, W]`).
  const rest = [...input];
  const known: Dim[] = [];
  out.forEach((d, i) => {
    if (i === inferAt) return;
    const j = typeof d === 'string' ? rest.indexOf(d) : -1;
    if (j >= 0) rest.splice(j, 1);
    else known.push(d);
  });
  if (!allNum(rest) || !allNum(known)) return out.map((d, i) => (i === inferAt ? '?' : d));
  const total = (rest as number[]).reduce((a, b) => a * b, 1);
  const part = (known as number[]).reduce((a, b) => a * b, 1);
  if (part === 0 || total % part !== 0) return undefined;
  out[inferAt] = total / part;
  return out;
}

/**
 * The output facts of one standard-domain node from the facts of its inputs, or undefined where
 * the rule is not known or an input it needs is unknown. Never throws on content.
 */
export function inferNode(n: IrNode, ins: readonly (TensorFacts | undefined)[], opset: number): (TensorFacts | undefined)[] | undefined {
  try {
    return inferUnsafe(n, ins, opset);
  } catch {
    return undefined;
  }
}

function inferUnsafe(n: IrNode, ins: readonly (TensorFacts | undefined)[], opset: number): (TensorFacts | undefined)[] | undefined {
  if (n.domain && n.domain !== 'ai.onnx') return undefined;
  const x = ins[0];
  const one = (dims: readonly Dim[] | undefined, float = x?.float ?? true, values?: readonly Dim[]): TensorFacts[] | undefined =>
    dims && dims.every((d) => d !== '?' && (typeof d === 'string' || (Number.isInteger(d) && d >= 0))) ? [{ dims, float, ...(values ? { values } : {}) }] : undefined;
  const op = n.opType;
  if (SAME_SHAPE.has(op)) return x ? one(x.dims, BOOL_OUT.has(op) ? false : x.float) : undefined;
  if (op === 'Cast') {
    const to = int(n, 'to', DataType.FLOAT);
    const float = to === DataType.FLOAT || to === DataType.FLOAT16 || to === DataType.DOUBLE;
    return x ? one(x.dims, float, !float ? x.values : undefined) : undefined;
  }
  if (BROADCAST.has(op)) {
    if (ins.some((t) => !t)) return undefined;
    const facts = ins as TensorFacts[];
    const dims = broadcast(facts.map((t) => t.dims));
    if (!dims) return undefined;
    let values: Dim[] | undefined;
    if (facts.length === 2 && facts.every((t) => t.values) && dims.length <= 1 && op !== 'Where') {
      const [a, b] = facts.map((t) => t.values!) as [readonly Dim[], readonly Dim[]];
      const len = Number(dims[0] ?? 1);
      values = Array.from({ length: len }, (_, i) => arith(op, a.length === 1 ? a[0]! : a[i]!, b.length === 1 ? b[0]! : b[i]!));
      if (values.includes('?')) values = undefined;
    }
    const float = op === 'Where' ? facts[1]!.float : BOOL_OUT.has(op) ? false : facts[0]!.float;
    return one(dims, float, values);
  }
  switch (op) {
    case 'Shape': {
      if (!x) return undefined;
      const r = x.dims.length;
      const start = axis(Math.max(-r, Math.min(r, int(n, 'start', 0))), r);
      const end = axis(Math.max(-r, Math.min(r, int(n, 'end', r))), r);
      const v = x.dims.slice(start, Math.max(start, end));
      return one([v.length], false, v);
    }
    case 'Size':
      return x ? one([], false, [numel(x.dims)]) : undefined;
    case 'Constant': {
      const a = n.attributes[0];
      if (a?.kind === 'tensor') return [constantFacts(a.value)];
      if (a?.kind === 'float') return one([], true);
      if (a?.kind === 'floats') return one([a.value.length], true);
      if (a?.kind === 'int') return one([], false, [a.value]);
      if (a?.kind === 'ints') return one([a.value.length], false, a.value);
      return undefined;
    }
    case 'ConstantOfShape': {
      const v = x?.values;
      const a = attr(n, 'value');
      const float = a?.kind !== 'tensor' || constantFacts(a.value).float;
      return v ? one(v, float) : undefined;
    }
    case 'Range': {
      const [s, l, d] = ins.map((t) => t?.values?.[0]);
      if (!isNum(s) || !isNum(l) || !isNum(d) || d === 0) return undefined;
      return one([Math.max(Math.ceil((l - s) / d), 0)], ins[0]!.float);
    }
    case 'Conv':
    case 'ConvTranspose':
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      if (!x) return undefined;
      const spatial = x.dims.length - 2;
      if (spatial < 1) return undefined;
      const w = ins[1];
      const ks = ints(n, 'kernel_shape') ?? (w && allNum(w.dims) ? w.dims.slice(2) : undefined);
      if (!ks || ks.length !== spatial) return undefined;
      const strides = ints(n, 'strides') ?? ks.map(() => 1);
      const dil = ints(n, 'dilations') ?? ks.map(() => 1);
      const pads = ints(n, 'pads') ?? ks.flatMap(() => [0, 0]);
      const autoPad = str(n, 'auto_pad', 'NOTSET');
      const ceil = int(n, 'ceil_mode', 0) === 1;
      let channels: Dim | undefined = x.dims[1];
      if (op === 'Conv') channels = w?.dims[0];
      if (op === 'ConvTranspose') channels = isNum(w?.dims[1]) ? w!.dims[1]! * int(n, 'group', 1) : undefined;
      if (channels === undefined) return undefined;
      const out: Dim[] = [x.dims[0]!, channels];
      for (let i = 0; i < spatial; i++) {
        const size = x.dims[i + 2]!;
        if (op === 'ConvTranspose') {
          const outShape = ints(n, 'output_shape');
          if (outShape) {
            out.push(outShape[i]!);
            continue;
          }
          const op_ = ints(n, 'output_padding')?.[i] ?? 0;
          out.push(isNum(size) ? strides[i]! * (size - 1) + op_ + (dil[i]! * (ks[i]! - 1) + 1) - pads[i]! - pads[i + spatial]! : '?');
          continue;
        }
        out.push(windowSize(size, ks[i]!, strides[i]!, dil[i]!, pads[i]!, pads[i + spatial]!, autoPad, ceil));
      }
      const res = one(out, true);
      // MaxPool's optional second output (indices) has the same shape.
      return res && n.outputs.length > 1 ? [res[0]!, { dims: out, float: false }] : res;
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'GlobalLpPool':
      return x ? one([...x.dims.slice(0, 2), ...x.dims.slice(2).map(() => 1)]) : undefined;
    case 'Gemm': {
      const b = ins[1];
      if (!x || !b || x.dims.length !== 2 || b.dims.length !== 2) return undefined;
      const m = int(n, 'transA', 0) ? x.dims[1]! : x.dims[0]!;
      const nn = int(n, 'transB', 0) ? b.dims[0]! : b.dims[1]!;
      return one([m, nn]);
    }
    case 'MatMul': {
      const b = ins[1];
      if (!x || !b) return undefined;
      const a = x.dims.length === 1 ? [1, x.dims[0]!] : x.dims;
      const c = b.dims.length === 1 ? [b.dims[0]!, 1] : b.dims;
      const batch = broadcast([a.slice(0, -2), c.slice(0, -2)]);
      if (!batch) return undefined;
      const out = [...batch, ...(x.dims.length === 1 ? [] : [a[a.length - 2]!]), ...(b.dims.length === 1 ? [] : [c[c.length - 1]!])];
      return one(out);
    }
    case 'Flatten': {
      if (!x) return undefined;
      const a = axis(int(n, 'axis', 1), x.dims.length);
      return one([numel(x.dims.slice(0, a)), numel(x.dims.slice(a))]);
    }
    case 'Reshape': {
      const target = ins[1]?.values;
      if (!x || !target) return undefined;
      const dims = reshapeTarget(x.dims, target, int(n, 'allowzero', 0) === 1);
      return one(dims, x.float, x.values && dims && dims.length <= 1 ? x.values : undefined);
    }
    case 'Transpose': {
      if (!x) return undefined;
      const perm = ints(n, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
      return one(perm.map((p) => x.dims[p]!));
    }
    case 'Squeeze':
    case 'Unsqueeze': {
      if (!x) return undefined;
      const axes = opset >= 13 ? ins[1]?.values : ints(n, 'axes');
      if (op === 'Squeeze') {
        const r = x.dims.length;
        const drop = axes ? new Set(axes.map((a) => axis(Number(a), r))) : new Set(x.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
        return one(
          x.dims.filter((_, i) => !drop.has(i)),
          x.float,
          x.values,
        );
      }
      if (!axes) return undefined;
      const r = x.dims.length + axes.length;
      const at = new Set(axes.map((a) => axis(Number(a), r)));
      const out: Dim[] = [];
      let k = 0;
      for (let i = 0; i < r; i++) out.push(at.has(i) ? 1 : x.dims[k++]!);
      return one(out, x.float, x.values);
    }
    case 'Concat': {
      if (ins.some((t) => !t) || ins.length === 0) return undefined;
      const facts = ins as TensorFacts[];
      const r = facts[0]!.dims.length;
      const a = axis(int(n, 'axis', 0), r);
      let size: Dim = 0;
      for (const f of facts) size = arith('Add', size, f.dims[a] ?? '?');
      const dims = facts[0]!.dims.map((d, i) => (i === a ? size : d));
      const values = r === 1 && facts.every((f) => f.values) ? facts.flatMap((f) => f.values!) : undefined;
      return one(dims, facts[0]!.float, values);
    }
    case 'Split': {
      if (!x) return undefined;
      const r = x.dims.length;
      const a = axis(int(n, 'axis', 0), r);
      const k = n.outputs.length;
      let parts = (opset >= 13 ? ins[1]?.values : ints(n, 'split')) as readonly Dim[] | undefined;
      const size = x.dims[a];
      if (!parts) {
        if (!isNum(size)) return undefined;
        const each = Math.ceil(size / k);
        parts = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(each, size - each * i)));
      }
      return parts.map((p) => ({ dims: x.dims.map((d, i) => (i === a ? p : d)), float: x.float }));
    }
    case 'Slice': {
      if (!x) return undefined;
      const r = x.dims.length;
      const starts = opset >= 10 ? ins[1]?.values : ints(n, 'starts');
      const ends = opset >= 10 ? ins[2]?.values : ints(n, 'ends');
      if (!starts || !ends) return undefined;
      const axes = (opset >= 10 ? (n.inputs[3] ? ins[3]?.values : undefined) : ints(n, 'axes')) ?? starts.map((_, i) => i);
      const steps = (n.inputs[4] ? ins[4]?.values : undefined) ?? starts.map(() => 1);
      if (n.inputs[3] && !ins[3]?.values) return undefined;
      if (n.inputs[4] && !ins[4]?.values) return undefined;
      const dims = [...x.dims];
      let values = x.values && r === 1 ? [...x.values] : undefined;
      for (let i = 0; i < axes.length; i++) {
        const a = axis(Number(axes[i]), r);
        const size = dims[a];
        const [s0, e0, st] = [starts[i], ends[i], steps[i]];
        if (!isNum(s0) || !isNum(e0) || !isNum(st) || st === 0) return undefined;
        if (!isNum(size)) {
          // Slicing a symbolic axis from 0 to its end keeps it.
          if (s0 === 0 && st === 1 && e0 >= 2 ** 31 - 1) continue;
          return undefined;
        }
        const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
        let s = s0 < 0 ? s0 + size : s0;
        let e = e0 < 0 ? e0 + size : e0;
        if (st > 0) {
          s = clamp(s, 0, size);
          e = clamp(e, 0, size);
        } else {
          s = clamp(s, -1, size - 1);
          e = clamp(e, -1, size - 1);
        }
        const len = Math.max(0, Math.ceil((e - s) / st));
        dims[a] = len;
        if (values && a === 0) values = Array.from({ length: len }, (_, j) => values![s + j * st]!);
      }
      return one(dims, x.float, values);
    }
    case 'Gather': {
      const idx = ins[1];
      if (!x || !idx) return undefined;
      const r = x.dims.length;
      const a = axis(int(n, 'axis', 0), r);
      const dims = [...x.dims.slice(0, a), ...idx.dims, ...x.dims.slice(a + 1)];
      let values: Dim[] | undefined;
      if (x.values && r === 1 && idx.values) values = idx.values.map((i) => (isNum(i) ? x.values![i < 0 ? i + x.values!.length : i] ?? '?' : '?'));
      return one(dims, x.float, values && !values.includes('?') ? values : undefined);
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL1':
    case 'ReduceL2':
    case 'ReduceLogSumExp':
    case 'ReduceSumSquare':
    case 'ArgMax':
    case 'ArgMin': {
      if (!x) return undefined;
      const r = x.dims.length;
      const keep = int(n, 'keepdims', 1) === 1;
      const arg = op === 'ArgMax' || op === 'ArgMin';
      const inputAxes = (op === 'ReduceSum' && opset >= 13) || opset >= 18;
      let axes: readonly Dim[] | undefined = arg ? [int(n, 'axis', 0)] : inputAxes ? (n.inputs[1] ? ins[1]?.values : undefined) : ints(n, 'axes');
      if (!arg && inputAxes && n.inputs[1] && !axes) return undefined;
      if (!axes || axes.length === 0) {
        if (!arg && inputAxes && int(n, 'noop_with_empty_axes', 0) === 1) return one(x.dims, x.float);
        axes = x.dims.map((_, i) => i);
      }
      const set = new Set(axes.map((v) => axis(Number(v), r)));
      const dims = keep ? x.dims.map((d, i) => (set.has(i) ? 1 : d)) : x.dims.filter((_, i) => !set.has(i));
      return one(dims, arg ? false : x.float);
    }
    case 'Resize':
    case 'Upsample': {
      if (!x) return undefined;
      const sizes = op === 'Resize' && opset >= 11 ? (n.inputs[3] ? ins[3]?.values : undefined) : undefined;
      if (sizes) {
        const ax = ints(n, 'axes');
        if (ax) {
          const dims = [...x.dims];
          ax.forEach((a, i) => (dims[axis(a, dims.length)] = sizes[i]!));
          return one(dims);
        }
        return one(sizes);
      }
      const scalesName = op === 'Resize' ? n.inputs[opset >= 11 ? 2 : 1] : n.inputs[1];
      const scalesIdx = op === 'Resize' ? (opset >= 11 ? 2 : 1) : 1;
      const scales = scalesName ? ins[scalesIdx]?.floatValues : floats(n, 'scales');
      if (!scales || scales.length !== x.dims.length) return undefined;
      return one(x.dims.map((d, i) => (isNum(d) ? Math.floor(d * scales[i]!) : scales[i] === 1 ? d : '?')));
    }
    case 'Pad': {
      if (!x) return undefined;
      const pads = opset >= 11 ? ins[1]?.values : ints(n, 'pads');
      if (!pads) return undefined;
      const r = x.dims.length;
      const axesIn = opset >= 18 && n.inputs[3] ? ins[3]?.values : undefined;
      const axes = axesIn ? axesIn.map((a) => axis(Number(a), r)) : x.dims.map((_, i) => i);
      const dims = [...x.dims];
      axes.forEach((a, i) => (dims[a] = arith('Add', arith('Add', dims[a]!, pads[i]!), pads[i + axes.length]!)));
      return one(dims);
    }
    case 'Expand': {
      const shape = ins[1]?.values;
      if (!x || !shape) return undefined;
      return one(broadcast([x.dims, shape]));
    }
    case 'Tile': {
      const reps = ins[1]?.values;
      if (!x || !reps || reps.length !== x.dims.length) return undefined;
      return one(x.dims.map((d, i) => arith('Mul', d, reps[i]!)));
    }
    case 'DepthToSpace':
    case 'SpaceToDepth': {
      if (!x || x.dims.length !== 4) return undefined;
      const b = int(n, 'blocksize', 1);
      const [nb, c, h, w] = x.dims as [Dim, Dim, Dim, Dim];
      if (op === 'DepthToSpace') return one([nb, arith('Div', c, b * b), arith('Mul', h, b), arith('Mul', w, b)]);
      return one([nb, arith('Mul', c, b * b), arith('Div', h, b), arith('Div', w, b)]);
    }
    default:
      return undefined;
  }
}

