import { aFloat, numel } from './common.ts';
import type { OpDef } from './types.ts';

const sameShape: Pick<OpDef, 'inputCount' | 'infer' | 'cost'> = {
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost: (inputs) => ({ params: 0, macs: 0, otherOps: numel(inputs[0]!) }),
};

/** ReLU: max(0, x). */
export const relu: OpDef = {
  kind: 'ReLU',
  category: 'activation',
  summary: 'ReLU: keeps positive values, zeroes the rest.',
  params: [],
  ...sameShape,
  lower: (ctx, [x]) => ctx.emit('Relu', [x!]),
};

/** LeakyReLU: x for x > 0, alpha·x otherwise. */
export const leakyRelu: OpDef = {
  kind: 'LeakyReLU',
  category: 'activation',
  summary: 'Leaky ReLU: a small slope instead of zero for negative values.',
  params: [{ name: 'alpha', type: 'float', default: 0.01, min: 0, max: 1 }],
  ...sameShape,
  lower: (ctx, [x], _i, _o, p) => ctx.emit('LeakyRelu', [x!], [aFloat('alpha', Number(p['alpha']))]),
};

/** Logistic sigmoid. */
export const sigmoid: OpDef = {
  kind: 'Sigmoid',
  category: 'activation',
  summary: 'Sigmoid: squashes values into (0, 1).',
  params: [],
  ...sameShape,
  lower: (ctx, [x]) => ctx.emit('Sigmoid', [x!]),
};

/** Softmax over the channel/feature axis (axis 1 of the batched tensor). */
export const softmax: OpDef = {
  kind: 'Softmax',
  category: 'activation',
  summary: 'Softmax over channels: turns scores into probabilities.',
  params: [],
  ...sameShape,
  lower: (ctx, [x]) => ctx.emit('Softmax', [x!], [{ name: 'axis', kind: 'int', value: 1 }]),
};

/** Dropout: the identity at inference; exported as ONNX Dropout so other runtimes can train it. */
export const dropout: OpDef = {
  kind: 'Dropout',
  category: 'other',
  summary: 'Dropout: randomly zeroes values while training; the identity at inference.',
  params: [{ name: 'p', type: 'float', default: 0.5, min: 0, max: 0.99 }],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower: (ctx, [x], _i, _o, p) => ctx.emit('Dropout', [x!, ctx.float('ratio', [], [Number(p['p'])])]),
};

/** Identity: passes its input through. */
export const identity: OpDef = {
  kind: 'Identity',
  category: 'other',
  summary: 'Identity: passes the tensor through unchanged.',
  params: [],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower: (ctx, [x]) => ctx.emit('Identity', [x!]),
};
