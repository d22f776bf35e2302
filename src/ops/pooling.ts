import { diag, fixLabel, msg } from '../diagnostics/catalogue.ts';
import { aInt, aInts, bool, fail, int, needMap, numel, P, windowShape } from './common.ts';
import type { OpDef } from './types.ts';

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
  params: poolParams,
  ...windowed('MaxPool2d'),
  lower: (ctx, [x], _i, _o, params) => ctx.emit('MaxPool', [x!], windowAttrs(params), { outputCount: 1 }),
};

/** Average pooling over k×k windows; padding counts as zeros by default, as in PyTorch. */
export const avgPool2d: OpDef = {
  kind: 'AvgPool2d',
  category: 'pooling',
  summary: 'Average pooling: the mean of each window.',
  params: [P.kernel(2), P.stride(2), P.padding(0), { name: 'ceilMode', type: 'bool', default: false }, { name: 'countIncludePad', type: 'bool', default: true }],
  ...windowed('AvgPool2d'),
  lower: (ctx, [x], _i, _o, params) =>
    ctx.emit('AveragePool', [x!], [...windowAttrs(params), aInt('count_include_pad', bool(params, 'countIncludePad') ? 1 : 0)]),
};

/** Global average pooling: one mean per channel, output C×1×1. */
export const globalAvgPool: OpDef = {
  kind: 'GlobalAvgPool',
  category: 'pooling',
  summary: 'Global average pooling: averages each channel to a single value.',
  params: [],
  inputCount: () => 1,
  infer({ node, inputs }) {
    const bad = needMap(node, inputs[0]);
    return bad ? fail(bad) : { outputs: [[inputs[0]![0]!, 1, 1]] };
  },
  cost: (inputs) => ({ params: 0, macs: 0, otherOps: numel(inputs[0]!) }),
  lower: (ctx, [x]) => ctx.emit('GlobalAveragePool', [x!]),
};
