import { diag, msg } from '../diagnostics/catalogue.ts';
import { aInt, bool, fail, int, numel } from './common.ts';
import type { OpDef } from './types.ts';

/** Flatten everything after the batch dimension into one vector. */
export const flatten: OpDef = {
  kind: 'Flatten',
  category: 'reshape',
  summary: 'Flatten: turns a feature map into a vector.',
  params: [],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [[numel(inputs[0]!)]] }),
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower: (ctx, [x]) => ctx.emit('Flatten', [x!], [aInt('axis', 1)]),
};

/**
 * Fully connected layer y = x·Wᵀ + b, lowered to Gemm (transB = 1) so the weight keeps PyTorch's
 * [out, in] layout. Init as torch.nn.Linear: uniform(±1/sqrt(in)) for weight and bias.
 */
export const linear: OpDef = {
  kind: 'Linear',
  needsInputShapes: true,
  category: 'reshape',
  summary: 'Linear (fully connected): every output is a weighted sum of all inputs.',
  params: [
    { name: 'outFeatures', type: 'int', default: 10, min: 1, max: 1_000_000 },
    { name: 'bias', type: 'bool', default: true },
  ],
  inputCount: () => 1,
  infer({ node, inputs, params }) {
    if (inputs[0]!.length !== 1) {
      return fail(
        diag('RS203', msg('needs-vector', { node: node.name, shape: inputs[0]!.join('×') }), {
          nodeId: node.id,
          port: 0,
        }),
      );
    }
    return { outputs: [[int(params, 'outFeatures')]] };
  },
  cost(inputs, outputs, params) {
    const i = inputs[0]![0]!;
    const o = outputs[0]![0]!;
    return { params: i * o + (bool(params, 'bias') ? o : 0), macs: i * o, otherOps: bool(params, 'bias') ? o : 0 };
  },
  lower(ctx, [x], inShapes, _o, params) {
    const i = inShapes[0]![0]!;
    const o = int(params, 'outFeatures');
    const bound = 1 / Math.sqrt(i);
    const w = ctx.weight('weight', [o, i], { kind: 'uniform', bound });
    const ins = [x!, w];
    if (bool(params, 'bias')) ins.push(ctx.weight('bias', [o], { kind: 'uniform', bound }));
    return ctx.emit('Gemm', ins, [{ name: 'alpha', kind: 'float', value: 1 }, { name: 'beta', kind: 'float', value: 1 }, aInt('transB', 1)]);
  },
};
