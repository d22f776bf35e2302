import { diag, msg } from '../diagnostics/catalogue.ts';
import { aInts, fail, int, needMap } from './common.ts';
import { op1, reshape, slice } from './emit.ts';
import type { OpDef } from './types.ts';

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * The ResNet paper's option A shortcut: parameter-free. It keeps every `stride`-th pixel
 * (`x[:, :, ::s, ::s]`) and pads the extra channels with zeros, split evenly before and after,
 * as the CIFAR ResNets do.
 */
export const zeroPadShortcut: OpDef = {
  kind: 'ZeroPadShortcut',
  needsInputShapes: true,
  category: 'other',
  summary: 'Zero-padding shortcut (option A): subsample, then pad new channels with zeros.',
  labels: { en: 'Zero-pad shortcut', 'zh-CN': '补零快捷连接' },
  pytorch: {
    module: ({ params: p, inputShapes }) => `ZeroPadShortcut(${inputShapes[0]![0]}, ${int(p, 'outChannels')}, stride=${int(p, 'stride')})`,
    parts: ['ZeroPadShortcut'],
  },
  params: [
    { name: 'outChannels', type: 'int', default: 32, min: 1, max: 65536 },
    { name: 'stride', type: 'int', default: 2, min: 1, max: 16 },
  ],
  inputCount: () => 1,
  infer({ node, inputs, params }) {
    const bad = needMap(node, inputs[0]);
    if (bad) return fail(bad);
    const [c, h, w] = inputs[0] as [number, number, number];
    const out = int(params, 'outChannels');
    const s = int(params, 'stride');
    if (out < c) return fail(diag('RS205', msg('zero-pad-reduce', { node: node.name, channels: c, out }), { nodeId: node.id, field: 'outChannels' }));
    return { outputs: [[out, Math.ceil(h / s), Math.ceil(w / s)]] };
  },
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower(ctx, [x], inShapes, _o, params) {
    const c = inShapes[0]![0]!;
    const s = int(params, 'stride');
    let t = x!;
    if (s > 1) {
      t = ctx.emit('Slice', [t, ctx.int64('starts', [0, 0]), ctx.int64('ends', [INT64_MAX, INT64_MAX]), ctx.int64('axes', [2, 3]), ctx.int64('steps', [s, s])], [], { suffix: 'subsample' })[0]!;
    }
    const extra = int(params, 'outChannels') - c;
    // Nothing to do at stride 1 with no new channels: still a node of its own, since the layer's
    // output must be a tensor of this layer's, not the input passed through unnamed.
    if (extra === 0) return t === x ? ctx.emit('Identity', [t]) : [t];
    const before = Math.floor(extra / 2);
    return ctx.emit('Pad', [t, ctx.int64('pads', [0, before, 0, 0, 0, extra - before, 0, 0])], [{ name: 'mode', kind: 'string', value: 'constant' }], { suffix: 'pad' });
  },
  // The new channels get no gradient; the kept ones go back to the positions the stride kept.
  backward(ctx, { gradOutput: dy, inputShapes, outputShapes, params }) {
    const [c, h, w] = inputShapes[0] as [number, number, number];
    const [out, oh, ow] = outputShapes[0] as [number, number, number];
    const s = int(params, 'stride');
    const before = Math.floor((out - c) / 2);
    let g = out === c ? dy : slice(ctx, dy, [before], [before + c], [1]);
    if (s > 1) {
      // Interleave zeros: each image's channel as an image of its own, through a 1×1 transposed
      // convolution with weight 1 and stride s (its output padding fills up to H×W). onnxruntime
      // computes this ~3× faster than the equivalent 6-D Pad of [N,C,OH,1,OW,1].
      const n = ctx.batch;
      const one = ctx.float('one', [1, 1, 1, 1], [1]);
      const attrs = [aInts('kernel_shape', [1, 1]), aInts('strides', [s, s]), aInts('output_padding', [h - (oh - 1) * s - 1, w - (ow - 1) * s - 1])];
      g = reshape(ctx, op1(ctx, 'ConvTranspose', [reshape(ctx, g, [n * c, 1, oh, ow]), one], attrs), [n, c, h, w]);
    }
    return { inputs: [g] };
  },
};
