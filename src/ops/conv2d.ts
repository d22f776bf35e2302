import { diag, fixLabel, msg } from '../diagnostics/catalogue.ts';
import { aInt, aInts, bool, fail, int, needMap, numel, P, windowShape } from './common.ts';
import { op1, reduce, reshape, slice, transpose } from './emit.ts';
import { pyArg } from './pytorch-form.ts';
import { asTensor, dataNode, floatConst, intAttr, squareWindow, weightHint } from '../onnx/import/match.ts';
import type { BackwardArgs, BackwardContext, BackwardResult, OpDef } from './types.ts';

/** 2-D convolution, square kernel. torchvision init: Kaiming normal (fan_out), bias 0. */
export const conv2d: OpDef = {
  kind: 'Conv2d',
  needsInputShapes: true,
  category: 'convolution',
  summary: 'Convolution: slides learned k×k filters over the feature map.',
  labels: { en: 'Conv 2D', 'zh-CN': '二维卷积' },
  onnxTypes: ['Conv'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    const w = floatConst(ctx, n.inputs[1]);
    const b = n.inputs[2] ? floatConst(ctx, n.inputs[2]) : undefined;
    if (!d || !w || w.dims.length !== 4 || (n.inputs[2] && !b) || n.inputs.length > 3) return undefined;
    const win = squareWindow(n, w.dims.slice(2));
    const group = intAttr(n, 'group', 1);
    if (!win || group === undefined) return undefined;
    const cout = w.dims[0]!;
    if (b && b.data.length !== cout) return undefined;
    const weights = new Map([['weight', asTensor(w)]]);
    if (b) weights.set('bias', asTensor(b, [cout]));
    return d.layer('Conv2d', { outChannels: cout, kernel: win.kernel, stride: win.stride, padding: win.padding, dilation: win.dilation, groups: group, bias: !!b }, weights, weightHint(n.inputs[1]!));
  },
  pytorch: {
    module: ({ params: p, inputShapes }) => {
      const k = int(p, 'kernel');
      return (
        `nn.Conv2d(${inputShapes[0]![0]}, ${int(p, 'outChannels')}, kernel_size=${k}` +
        pyArg('stride', String(int(p, 'stride')), '1') +
        pyArg('padding', String(int(p, 'padding')), '0') +
        pyArg('dilation', String(int(p, 'dilation')), '1') +
        pyArg('groups', String(int(p, 'groups')), '1') +
        pyArg('bias', bool(p, 'bias') ? 'True' : 'False', 'True') +
        ')'
      );
    },
    state: ({ params: p, inputShapes }) => {
      const k = int(p, 'kernel');
      const out = int(p, 'outChannels');
      const w = [['weight', [out, inputShapes[0]![0]! / int(p, 'groups'), k, k]]] as const;
      return bool(p, 'bias') ? [...w, ['bias', [out]]] : w;
    },
  },
  params: [
    P.channels('outChannels', 64),
    P.kernel(3),
    P.stride(1),
    P.padding(1),
    { name: 'dilation', type: 'int', default: 1, min: 1, max: 16 },
    { name: 'groups', type: 'int', default: 1, min: 1, max: 65536 },
    { name: 'bias', type: 'bool', default: false },
  ],
  inputCount: () => 1,
  infer({ node, inputs, params }) {
    const bad = needMap(node, inputs[0]);
    if (bad) return fail(bad);
    const [c] = inputs[0] as [number, number, number];
    const g = int(params, 'groups');
    const out = int(params, 'outChannels');
    if (c % g !== 0 || out % g !== 0) {
      return fail(
        diag('RS302', c % g !== 0 ? msg('groups-input', { node: node.name, channels: c, groups: g }) : msg('groups-output', { node: node.name, channels: out, groups: g }), {
          nodeId: node.id,
          field: 'groups',
          fix: { kind: 'set-params', ...fixLabel(msg('fix-groups-1')), nodeId: node.id, params: { groups: 1 } },
        }),
      );
    }
    return windowShape(node, inputs[0]!, out, int(params, 'kernel'), int(params, 'stride'), int(params, 'padding'), int(params, 'dilation'));
  },
  cost(inputs, outputs, params) {
    const k = int(params, 'kernel');
    const cin = inputs[0]![0]! / int(params, 'groups');
    const out = outputs[0]!;
    const cout = out[0]!;
    const w = cout * cin * k * k;
    return { params: w + (bool(params, 'bias') ? cout : 0), macs: numel(out) * cin * k * k, otherOps: bool(params, 'bias') ? numel(out) : 0 };
  },
  lower(ctx, [x], inShapes, _out, params) {
    const k = int(params, 'kernel');
    const s = int(params, 'stride');
    const p = int(params, 'padding');
    const d = int(params, 'dilation');
    const g = int(params, 'groups');
    const cout = int(params, 'outChannels');
    const cin = inShapes[0]![0]! / g;
    const w = ctx.weight('weight', [cout, cin, k, k], { kind: 'kaiming-normal-fan-out', fanOut: cout * k * k });
    const ins = [x!, w];
    if (bool(params, 'bias')) ins.push(ctx.weight('bias', [cout], { kind: 'constant', value: 0 }));
    return ctx.emit('Conv', ins, [aInts('dilations', [d, d]), aInt('group', g), aInts('kernel_shape', [k, k]), aInts('pads', [p, p, p, p]), aInts('strides', [s, s])]);
  },
  backward(ctx, args) {
    if (ctx.target === 'cpu') return cpuBackward(ctx, args);
    return portableBackward(ctx, args);
  },
};

/** The gradient in forms every runtime computes right (onnxruntime-web's WebGPU EP included). */
/**
 * A convolution's window settings and shapes, as both gradient forms read them; `rh`, `rw` are
 * the rows (columns) of the padded input the last window does not reach (floor mode).
 */
function convOf({ inputShapes, outputShapes, params }: BackwardArgs) {
  const [cin, h, w] = inputShapes[0] as [number, number, number];
  const [cout, oh, ow] = outputShapes[0] as [number, number, number];
  const [k, s, p, d, g] = (['kernel', 'stride', 'padding', 'dilation', 'groups'] as const).map((n) => int(params, n)) as [number, number, number, number, number];
  const rh = h + 2 * p - d * (k - 1) - 1 - s * (oh - 1);
  const rw = w + 2 * p - d * (k - 1) - 1 - s * (ow - 1);
  return { k, s, p, d, g, cin, h, w, cout, oh, ow, rh, rw, cig: cin / g, cog: cout / g };
}

/**
 * dx as a transposed convolution of dy with the forward's kernel and window settings; the rows
 * (columns) the last window does not reach come back as its output padding.
 */
function transposedDx(ctx: BackwardContext, args: BackwardArgs): string {
  const { k, s, p, d, g, rh, rw } = convOf(args);
  const win = [aInts('dilations', [d, d]), aInt('group', g), aInts('kernel_shape', [k, k]), aInts('pads', [p, p, p, p]), aInts('strides', [s, s])];
  return op1(ctx, 'ConvTranspose', [args.gradOutput, args.weights['weight']!], [...win, aInts('output_padding', [rh, rw])]);
}

function portableBackward(ctx: BackwardContext, args: BackwardArgs): BackwardResult {
  const { inputs: [x], gradOutput: dy, params, needs } = args;
  const { k, s, p, d, g, h, w, oh, ow, rh, rw, cig } = convOf(args);
  const n = ctx.batch;
  const dx = needs[0] ? transposedDx(ctx, args) : undefined;
  // dW[o,i,a,b] = Σ dy[n,o,y,x]·x[n,i,y·s+a·d−p,x·s+b·d−p]: a convolution of the input (its
  // per-group channels as the batch, the images as channels) with dy as the kernel, strides
  // and dilations swapped. Groups stay groups: image n of group j is channel j·N+n.
  const xs = g === 1 ? transpose(ctx, x!, [1, 0, 2, 3]) : reshape(ctx, transpose(ctx, reshape(ctx, x!, [n, g, cig, h, w]), [2, 1, 0, 3, 4]), [cig, g * n, h, w]);
  const kern = transpose(ctx, dy, [1, 0, 2, 3]);
  const attrs = [aInts('dilations', [s, s]), aInt('group', g), aInts('kernel_shape', [oh, ow]), aInts('pads', [p, p, p, p]), aInts('strides', [d, d])];
  let dw = transpose(ctx, op1(ctx, 'Conv', [xs, kern], attrs), [1, 0, 2, 3]);
  // The correlation reaches k + ⌊r/d⌋ taps where r rows are left over: keep the kernel's k.
  if (Math.floor(rh / d) > 0 || Math.floor(rw / d) > 0) dw = slice(ctx, dw, [0, 0], [k, k], [2, 3]);
  const grads: Record<string, string> = { weight: dw };
  if (bool(params, 'bias')) grads['bias'] = reduce(ctx, 'ReduceSum', dy, [0, 2, 3], false);
  return { inputs: [dx], weights: grads };
}

/**
 * The gradient in forms about twice as fast in onnxruntime's CPU EP, which its WebGPU EP computes
 * wrongly (a conv whose weight is computed in the graph; columns times dy): target `cpu` only.
 */
function cpuBackward(ctx: BackwardContext, args: BackwardArgs): BackwardResult {
  const { inputs: [x], gradOutput: dy, params, weights, needs } = args;
  const { k, s, p, d, g, cin, cout, oh, ow, cig, cog } = convOf(args);
  const n = ctx.batch;
  const wt = weights['weight']!;
  let dx: string | undefined;
  if (needs[0] && s === 1 && p <= d * (k - 1)) {
    // Stride 1: dx is a plain convolution of dy with the kernel flipped in space and its
    // in/out channels swapped within each group (faster than ConvTranspose in onnxruntime).
    const swapped = g === 1 ? transpose(ctx, wt, [1, 0, 2, 3]) : reshape(ctx, transpose(ctx, reshape(ctx, wt, [g, cog, cig, k, k]), [0, 2, 1, 3, 4]), [cin, cog, k, k]);
    const flipped = slice(ctx, swapped, [-1, -1], [-k - 1, -k - 1], [2, 3], [-1, -1]);
    const q = d * (k - 1) - p;
    dx = op1(ctx, 'Conv', [dy, flipped], [aInts('dilations', [d, d]), aInt('group', g), aInts('kernel_shape', [k, k]), aInts('pads', [q, q, q, q]), aInts('strides', [1, 1])]);
  } else if (needs[0]) {
    dx = transposedDx(ctx, args);
  }
  // dW[o,i,a,b] = Σ dy[n,o,y,x]·x[n,i,y·s+a·d−p,x·s+b·d−p]. The columns of every window (each
  // input channel's k² taps as k² channels) come from a depthwise convolution with one-hot
  // kernels and the forward's window settings; then one MatMul per image (and group) with dy,
  // summed over the batch.
  const taps = k * k;
  const onehot = new Array<number>(cin * taps * taps).fill(0);
  for (let ch = 0; ch < cin; ch++) for (let t = 0; t < taps; t++) onehot[(ch * taps + t) * taps + t] = 1;
  const cols = op1(ctx, 'Conv', [x!, ctx.float(`onehot_${cin}x${k}`, [cin * taps, 1, k, k], onehot)], [
    aInts('dilations', [d, d]),
    aInt('group', cin),
    aInts('kernel_shape', [k, k]),
    aInts('pads', [p, p, p, p]),
    aInts('strides', [s, s]),
  ]);
  const l = oh * ow;
  const colsG = reshape(ctx, cols, [n, g, cig * taps, l]);
  const dyT = transpose(ctx, reshape(ctx, dy, [n, g, cog, l]), [0, 1, 3, 2]);
  const summed = reduce(ctx, 'ReduceSum', op1(ctx, 'MatMul', [colsG, dyT]), [0], false); // [g, cig·k², cog]
  const dw = reshape(ctx, transpose(ctx, reshape(ctx, summed, [g, cig, k, k, cog]), [0, 4, 1, 2, 3]), [cout, cig, k, k]);
  const grads: Record<string, string> = { weight: dw };
  if (bool(params, 'bias')) grads['bias'] = reduce(ctx, 'ReduceSum', dy, [0, 2, 3], false);
  return { inputs: [dx], weights: grads };
}
