import { diag, fixLabel, msg } from '../diagnostics/catalogue.ts';
import { aInt, aInts, bool, fail, int, needMap, numel, P, windowShape } from './common.ts';
import { concatAll, op1, pad, reshape, scalar, slice, unsqueeze, type Emitter } from './emit.ts';
import { DataType, type IrNode } from '../onnx/ir.ts';
import { noArgs, pyArg } from './pytorch-form.ts';
import { dataNode, intAttr, squareWindow, type DataNode, type ImportContext } from '../onnx/import/match.ts';
import type { BackwardArgs, OpDef } from './types.ts';
import type { ParamValue, Params, Shape } from '../graph/types.ts';

interface Window {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
  readonly k: number;
  readonly s: number;
  readonly p: number;
}

const lowerWindow = (inputShapes: readonly Shape[], outputShapes: readonly Shape[], params: Params): Window => {
  const [c, h, w] = inputShapes[0] as [number, number, number];
  const [, oh, ow] = outputShapes[0] as [number, number, number];
  return { c, h, w, oh, ow, k: int(params, 'kernel'), s: int(params, 'stride'), p: int(params, 'padding') };
};
const windowOf = ({ inputShapes, outputShapes, params }: BackwardArgs): Window => lowerWindow(inputShapes, outputShapes, params);

/** 1 / torch's divisor of each output position's window (ceil mode's clipped last windows included). */
function inverseDivisors({ h, w, k, s, p, oh, ow }: Window, includePad: boolean): number[] {
  const divisor = (o: number, len: number) => {
    const start = o * s - p;
    const end = Math.min(start + k, len + p);
    return includePad ? end - start : Math.min(end, len) - Math.max(start, 0);
  };
  const inv: number[] = [];
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) inv.push(1 / (divisor(i, h) * divisor(j, w)));
  return inv;
}

/** The input padded by `p` and out to where the last window ends (ceil mode's extra row and column), with `fill`. */
function ceilPad(ctx: Emitter, x: string, win: Window, fill: number): string {
  const eh = Math.max(0, span(win.oh, win) - win.p - win.h);
  const ew = Math.max(0, span(win.ow, win) - win.p - win.w);
  return pad(ctx, x, [0, 0, win.p, win.p, 0, 0, eh, ew], fill);
}

/** Extent of the padded input that the windows span, per axis: (O − 1)·s + k. */
const span = (o: number, win: Window) => (o - 1) * win.s + win.k;

/**
 * Sums window-shaped gradients back onto the input: `g` holds, for each output position, one
 * value per tap of its k×k window (channel c·k² + tap); a transposed convolution with a one-hot
 * kernel per tap (groups = channels) adds each into its place, then the padding is cut away.
 */
function scatterWindows(ctx: Emitter, g: string, win: Window, taps: number, perTap: (t: number) => number[]): string {
  const { c, h, w, k, s, p } = win;
  const kern = new Array<number>(c * taps * k * k).fill(0);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < taps; t++) perTap(t).forEach((v, i) => (kern[(ch * taps + t) * k * k + i] = v));
  const wt = ctx.float(`scatter_${taps}`, [c * taps, 1, k, k], kern);
  let full = op1(ctx, 'ConvTranspose', [g, wt], [aInt('group', c), aInts('kernel_shape', [k, k]), aInts('strides', [s, s])]);
  // The windows span (O − 1)·s + k of the padded input; rows past the last window get nothing.
  const eh = p + h - span(win.oh, win);
  const ew = p + w - span(win.ow, win);
  if (eh > 0 || ew > 0) full = pad(ctx, full, [0, 0, 0, 0, 0, 0, Math.max(0, eh), Math.max(0, ew)]);
  return slice(ctx, full, [p, p], [p + h, p + w], [2, 3]);
}

/** Each tap's strided view of the padded input: x[…, ty + s·i, tx + s·j] for every output (i, j). */
function tapViews(ctx: Emitter, x: string, win: Window, fill: number): string[] {
  const { h, w, k, s, p } = win;
  const eh = Math.max(0, span(win.oh, win) - p - h);
  const ew = Math.max(0, span(win.ow, win) - p - w);
  const xp = p > 0 || eh > 0 || ew > 0 ? pad(ctx, x, [0, 0, p, p, 0, 0, p + eh, p + ew], fill) : x;
  const views: string[] = [];
  for (let ty = 0; ty < k; ty++) for (let tx = 0; tx < k; tx++) views.push(slice(ctx, xp, [ty, tx], [ty + s * (win.oh - 1) + 1, tx + s * (win.ow - 1) + 1], [2, 3], [s, s]));
  return views;
}

const oneHot = (k: number) => (t: number) => Array.from({ length: k * k }, (_, i) => (i === t ? 1 : 0));

const poolParams = [P.kernel(3), P.stride(2), P.padding(1), { name: 'ceilMode', type: 'bool', default: false } as const];

const windowed = (kind: 'MaxPool2d' | 'AvgPool2d'): Pick<OpDef, 'inputCount' | 'infer' | 'cost'> => ({
  inputCount: () => 1,
  infer({ node, inputs, params }) {
    const bad = needMap(node, inputs[0]);
    if (bad) return fail(bad);
    const k = int(params, 'kernel');
    const p = int(params, 'padding');
    if (2 * p > k) {
      return fail(
        diag('RS301', msg('pool-padding', { node: node.name, padding: p, kernel: k, op: kind }), {
          nodeId: node.id,
          field: 'padding',
          fix: { kind: 'set-params', ...fixLabel(msg('fix-use-padding', { padding: Math.floor(k / 2) })), nodeId: node.id, params: { padding: Math.floor(k / 2) } },
        }),
      );
    }
    return windowShape(node, inputs[0]!, inputs[0]![0]!, k, int(params, 'stride'), p, 1, bool(params, 'ceilMode'));
  },
  cost: (_i, outputs, params) => ({ params: 0, macs: 0, otherOps: numel(outputs[0]!) * int(params, 'kernel') ** 2 }),
});

const windowAttrs = (params: Record<string, unknown>) => {
  const k = Number(params['kernel']);
  const s = Number(params['stride']);
  const p = Number(params['padding']);
  return [aInt('ceil_mode', params['ceilMode'] === true ? 1 : 0), aInts('kernel_shape', [k, k]), aInts('pads', [p, p, p, p]), aInts('strides', [s, s])];
};

/** Max pooling over k×k windows. */
export const maxPool2d: OpDef = {
  kind: 'MaxPool2d',
  category: 'pooling',
  summary: 'Max pooling: keeps the largest value of each window.',
  labels: { en: 'Max pool', 'zh-CN': '最大池化' },
  onnxTypes: ['MaxPool'],
  import(n, ctx) {
    const w = importWindow(n, ctx);
    return w && w.d.layer('MaxPool2d', w.params);
  },
  pytorch: {
    module: ({ params: p }) =>
      `nn.MaxPool2d(kernel_size=${int(p, 'kernel')}, stride=${int(p, 'stride')}${pyArg('padding', String(int(p, 'padding')), '0')}${bool(p, 'ceilMode') ? ', ceil_mode=True' : ''})`,
  },
  params: poolParams,
  ...windowed('MaxPool2d'),
  lower(ctx, [x], inShapes, outShapes, params) {
    if (ctx.mode === 'inference' || !bool(params, 'ceilMode')) return ctx.emit('MaxPool', [x!], windowAttrs(params), { outputCount: 1 });
    // onnxruntime-web's WebGPU EP has no ceil mode: pad explicitly (with −∞) to what the last window spans.
    const win = lowerWindow(inShapes, outShapes, params);
    return ctx.emit('MaxPool', [ceilPad(ctx, x!, win, -Infinity)], [aInts('kernel_shape', [win.k, win.k]), aInts('strides', [win.s, win.s])]);
  },
  /**
   * The gradient goes to the first maximum of each window in row-major order, as torch's CPU
   * kernel picks it. Without MaxPool's indices output (the WebGPU EP has none): compare each
   * tap's view with the output, keep the first tap that equals it, scatter dy there. Which tap is
   * first is tracked in floats (0/1 masks), not with And/Not/Where on booleans: onnxruntime-web's
   * WebGPU EP gets Where wrong on a condition made by And.
   */
  backward(ctx, args) {
    const win = windowOf(args);
    const views = tapViews(ctx, args.inputs[0]!, win, -Infinity);
    const one = scalar(ctx, 1);
    let free: string | undefined;
    const parts = views.map((v) => {
      const eq = op1(ctx, 'Cast', [op1(ctx, 'Equal', [v, args.output])], [aInt('to', DataType.FLOAT)]);
      const first = free === undefined ? eq : op1(ctx, 'Mul', [eq, free]);
      free = free === undefined ? op1(ctx, 'Sub', [one, eq]) : op1(ctx, 'Sub', [free, first]);
      return unsqueeze(ctx, op1(ctx, 'Mul', [first, args.gradOutput]), [2]);
    });
    const taps = win.k * win.k;
    const g = reshape(ctx, concatAll(ctx, parts, 2), [ctx.batch, win.c * taps, win.oh, win.ow]);
    return { inputs: [scatterWindows(ctx, g, win, taps, oneHot(win.k))] };
  },
};

/** Average pooling over k×k windows; padding counts as zeros by default, as in PyTorch. */
export const avgPool2d: OpDef = {
  kind: 'AvgPool2d',
  category: 'pooling',
  summary: 'Average pooling: the mean of each window.',
  labels: { en: 'Avg pool', 'zh-CN': '平均池化' },
  onnxTypes: ['AveragePool'],
  import(n, ctx) {
    const w = importWindow(n, ctx);
    const cip = intAttr(n, 'count_include_pad', 0);
    return w && cip !== undefined ? w.d.layer('AvgPool2d', { ...w.params, countIncludePad: cip === 1 }) : undefined;
  },
  pytorch: {
    module: ({ params: p }) =>
      `nn.AvgPool2d(kernel_size=${int(p, 'kernel')}, stride=${int(p, 'stride')}${pyArg('padding', String(int(p, 'padding')), '0')}${bool(p, 'ceilMode') ? ', ceil_mode=True' : ''}${bool(p, 'countIncludePad') ? '' : ', count_include_pad=False'})`,
  },
  params: [P.kernel(2), P.stride(2), P.padding(0), { name: 'ceilMode', type: 'bool', default: false }, { name: 'countIncludePad', type: 'bool', default: true }],
  ...windowed('AvgPool2d'),
  lower(ctx, [x], inShapes, outShapes, params) {
    const include = bool(params, 'countIncludePad');
    if (ctx.mode === 'inference' || !bool(params, 'ceilMode')) return ctx.emit('AveragePool', [x!], [...windowAttrs(params), aInt('count_include_pad', include ? 1 : 0)]);
    // onnxruntime-web's WebGPU EP has no ceil mode: pad explicitly with zeros, take the windows'
    // means over k², and rescale each by k² over torch's divisor.
    const win = lowerWindow(inShapes, outShapes, params);
    const mean = op1(ctx, 'AveragePool', [ceilPad(ctx, x!, win, 0)], [aInts('kernel_shape', [win.k, win.k]), aInts('strides', [win.s, win.s])]);
    return [op1(ctx, 'Mul', [mean, ctx.float('k2_over_divisor', [win.oh, win.ow], inverseDivisors(win, include).map((v) => v * win.k * win.k))])];
  },
  /** Each window's dy / its divisor, spread evenly over the window (torch's divisors, ceil mode included). */
  backward(ctx, args) {
    const win = windowOf(args);
    const inv = inverseDivisors(win, bool(args.params, 'countIncludePad'));
    const scaled = op1(ctx, 'Mul', [args.gradOutput, ctx.float('inv_divisor', [win.oh, win.ow], inv)]);
    return { inputs: [scatterWindows(ctx, scaled, win, 1, () => new Array<number>(win.k * win.k).fill(1))] };
  },
};

/** Global average pooling: one mean per channel, output C×1×1. */
export const globalAvgPool: OpDef = {
  kind: 'GlobalAvgPool',
  category: 'pooling',
  summary: 'Global average pooling: averages each channel to a single value.',
  labels: { en: 'Global avg pool', 'zh-CN': '全局平均池化' },
  onnxTypes: ['GlobalAveragePool'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    return d?.dataOnly(1) ? d.layer('GlobalAvgPool') : undefined;
  },
  pytorch: noArgs('nn.AdaptiveAvgPool2d((1, 1))'),
  params: [],
  inputCount: () => 1,
  infer({ node, inputs }) {
    const bad = needMap(node, inputs[0]);
    return bad ? fail(bad) : { outputs: [[inputs[0]![0]!, 1, 1]] };
  },
  cost: (inputs) => ({ params: 0, macs: 0, otherOps: numel(inputs[0]!) }),
  lower: (ctx, [x]) => ctx.emit('GlobalAveragePool', [x!]),
  backward(ctx, { gradOutput: dy, inputShapes }) {
    const [c, h, w] = inputShapes[0] as [number, number, number];
    const spread = op1(ctx, 'Expand', [dy, ctx.int64('shape', [ctx.batch, c, h, w])]);
    return { inputs: [op1(ctx, 'Mul', [spread, scalar(ctx, 1 / (h * w))])] };
  },
};

/** What MaxPool and AveragePool share on import: one data input and a square, undilated window. */
function importWindow(n: IrNode, ctx: ImportContext): { d: DataNode; params: Record<string, ParamValue> } | undefined {
  const d = dataNode(n, ctx);
  if (!d?.dataOnly(1)) return undefined;
  const win = squareWindow(n);
  const ceil = intAttr(n, 'ceil_mode', 0);
  if (!win || win.dilation !== 1 || ceil === undefined || intAttr(n, 'storage_order', 0) !== 0) return undefined;
  return { d, params: { kernel: win.kernel, stride: win.stride, padding: win.padding, ceilMode: ceil === 1 } };
}
