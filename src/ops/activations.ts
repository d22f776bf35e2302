import { diag, fixLabel, msg } from '../diagnostics/catalogue.ts';
import { aFloat, fail, numel } from './common.ts';
import { op1, reduce, scalar, type Emitter } from './emit.ts';
import { noArgs, numParam, pyFloat } from './pytorch-form.ts';
import { dataNode, floatAttr, floatConst, intAttr, stringAttr, tidyFloat, type ImportContext } from '../onnx/import/match.ts';
import type { IrNode } from '../onnx/ir.ts';
import type { BackwardResult, LowerContext, OpDef } from './types.ts';

/** dy where `cond` holds, else 0. */
const gate = (ctx: Emitter, cond: string, dy: string, other?: string): string => op1(ctx, 'Where', [cond, dy, other ?? scalar(ctx, 0)]);
const one = (dx: string): BackwardResult => ({ inputs: [dx] });
/** `lo < x < hi` (or `lo <= x <= hi` when inclusive), as a bool tensor. */
function between(ctx: Emitter, x: string, lo: number, hi: number, inclusive: boolean): string {
  const [gt, lt] = inclusive ? ['GreaterOrEqual', 'LessOrEqual'] : ['Greater', 'Less'];
  return op1(ctx, 'And', [op1(ctx, gt, [x, scalar(ctx, lo)]), op1(ctx, lt, [x, scalar(ctx, hi)])]);
}

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
  labels: { en: 'ReLU', 'zh-CN': 'ReLU' },
  onnxTypes: ['Relu'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    return d?.dataOnly(1) ? d.layer('ReLU') : undefined;
  },
  pytorch: noArgs('nn.ReLU()'),
  params: [],
  ...sameShape,
  lower: (ctx, [x]) => ctx.emit('Relu', [x!]),
  // torch's threshold_backward: the gradient passes where the output is positive.
  backward: (ctx, { output, gradOutput }) => one(gate(ctx, op1(ctx, 'Greater', [output, scalar(ctx, 0)]), gradOutput)),
};

/** LeakyReLU: x for x > 0, alpha·x otherwise. */
export const leakyRelu: OpDef = {
  kind: 'LeakyReLU',
  category: 'activation',
  summary: 'Leaky ReLU: a small slope instead of zero for negative values.',
  labels: { en: 'Leaky ReLU', 'zh-CN': 'Leaky ReLU' },
  onnxTypes: ['LeakyRelu'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    const alpha = floatAttr(n, 'alpha', 0.01);
    return d?.dataOnly(1) && alpha !== undefined ? d.layer('LeakyReLU', { alpha: tidyFloat(alpha) }) : undefined;
  },
  pytorch: { module: ({ params }) => `nn.LeakyReLU(${pyFloat(numParam(params, 'alpha'))})` },
  params: [{ name: 'alpha', type: 'float', default: 0.01, min: 0, max: 1 }],
  ...sameShape,
  lower: (ctx, [x], _i, _o, p) => ctx.emit('LeakyRelu', [x!], [aFloat('alpha', Number(p['alpha']))]),
  backward: (ctx, { inputs: [x], gradOutput: dy, params }) => one(gate(ctx, op1(ctx, 'Greater', [x!, scalar(ctx, 0)]), dy, op1(ctx, 'Mul', [dy, scalar(ctx, Number(params['alpha']))]))),
};

/** Logistic sigmoid. */
export const sigmoid: OpDef = {
  kind: 'Sigmoid',
  category: 'activation',
  summary: 'Sigmoid: squashes values into (0, 1).',
  labels: { en: 'Sigmoid', 'zh-CN': 'Sigmoid' },
  onnxTypes: ['Sigmoid'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    return d?.dataOnly(1) ? d.layer('Sigmoid') : undefined;
  },
  pytorch: noArgs('nn.Sigmoid()'),
  params: [],
  ...sameShape,
  lower: (ctx, [x]) => ctx.emit('Sigmoid', [x!]),
  backward: (ctx, { output: y, gradOutput: dy }) => one(op1(ctx, 'Mul', [dy, op1(ctx, 'Mul', [y, op1(ctx, 'Sub', [scalar(ctx, 1), y])])])),
};

/** Softmax over the channel/feature axis (axis 1 of the batched tensor). */
export const softmax: OpDef = {
  kind: 'Softmax',
  category: 'activation',
  summary: 'Softmax over channels: turns scores into probabilities.',
  labels: { en: 'Softmax', 'zh-CN': 'Softmax' },
  onnxTypes: ['Softmax'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    if (!d?.dataOnly(1)) return undefined;
    const rank = (ctx.shapes.get(d.x)?.length ?? -2) + 1;
    const axis = intAttr(n, 'axis', ctx.opset < 13 ? 1 : -1);
    if (axis === undefined) return undefined;
    const ax = axis < 0 ? axis + rank : axis;
    // Before opset 13 Softmax flattened from its axis on: the same as ours only for N×F.
    return ax === 1 && (ctx.opset >= 13 || rank === 2) ? d.layer('Softmax') : undefined;
  },
  pytorch: noArgs('nn.Softmax(dim=1)'),
  params: [],
  ...sameShape,
  lower: (ctx, [x]) => ctx.emit('Softmax', [x!], [{ name: 'axis', kind: 'int', value: 1 }]),
  // dx = y·(dy − Σ_c dy·y)
  backward: (ctx, { output: y, gradOutput: dy }) => one(op1(ctx, 'Mul', [y, op1(ctx, 'Sub', [dy, reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [dy, y]), [1], true)])])),
};

/** Dropout: the identity at inference; exported as ONNX Dropout so other runtimes can train it. */
export const dropout: OpDef = {
  kind: 'Dropout',
  category: 'other',
  summary: 'Dropout: randomly zeroes values while training; the identity at inference.',
  labels: { en: 'Dropout', 'zh-CN': 'Dropout' },
  onnxTypes: ['Dropout'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    if (!d) return undefined;
    let p = floatAttr(n, 'ratio', 0.5);
    if (n.inputs[1]) {
      const r = floatConst(ctx, n.inputs[1]);
      if (!r || r.data.length !== 1) return undefined;
      p = Number(r.data[0]);
    }
    if (n.inputs[2]) {
      const t = ctx.consts.get(n.inputs[2]);
      if (!t || t.data.length !== 1 || Number(t.data[0]) !== 0) return undefined;
    }
    return p === undefined ? undefined : d.layer('Dropout', { p: tidyFloat(p) });
  },
  pytorch: { module: ({ params }) => `nn.Dropout(p=${pyFloat(numParam(params, 'p'))})` },
  params: [{ name: 'p', type: 'float', default: 0.5, min: 0, max: 0.99 }],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower(ctx, [x], _i, _o, params) {
    const p = Number(params['p']);
    if (ctx.mode === 'inference') return ctx.emit('Dropout', [x!, ctx.float('ratio', [], [p])]);
    if (p === 0) return ctx.emit('Identity', [x!]);
    // Training: keep each value with probability 1 − p and scale the kept ones by 1/(1 − p), as
    // torch does. The mask comes from a seeded uniform draw, a new one each step.
    const seed = ctx.dropoutSeed?.() ?? 0;
    const u = op1(ctx, 'RandomUniformLike', [x!], [aFloat('seed', seed)]);
    const mask = op1(ctx, 'Mul', [op1(ctx, 'Cast', [op1(ctx, 'Less', [u, scalar(ctx, 1 - p)])], [{ name: 'to', kind: 'int', value: 1 }]), scalar(ctx, 1 / (1 - p))]);
    ctx.save('mask', mask);
    return ctx.emit('Mul', [x!, mask]);
  },
  backward: (ctx, { gradOutput: dy, saved, params }) => one(Number(params['p']) === 0 ? dy : op1(ctx, 'Mul', [dy, saved['mask']!])),
};

/** Identity: passes its input through. */
export const identity: OpDef = {
  kind: 'Identity',
  category: 'other',
  summary: 'Identity: passes the tensor through unchanged.',
  labels: { en: 'Identity', 'zh-CN': '恒等映射' },
  onnxTypes: ['Identity'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    return d?.dataOnly(1) ? d.layer('Identity') : undefined;
  },
  pytorch: noArgs('nn.Identity()'),
  params: [],
  inputCount: () => 1,
  infer: ({ inputs }) => ({ outputs: [inputs[0]!] }),
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower: (ctx, [x]) => ctx.emit('Identity', [x!]),
  backward: (_ctx, { gradOutput }) => one(gradOutput),
};

/** The largest float32: what ONNX Clip uses for a bound that is left out. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Emits `Clip(x, min, max)` with its bounds as scalar constants (inputs since opset 11; we emit 13+). */
const emitClip = (ctx: LowerContext, x: string, min: number, max: number): string[] => ctx.emit('Clip', [x, ctx.float('min', [], [min]), ctx.float('max', [], [max])]);

/** Clip (torch.clamp): min(max(x, min), max). */
export const clip: OpDef = {
  kind: 'Clip',
  category: 'activation',
  summary: 'Clip: limits every value to the range [min, max] (torch.clamp).',
  labels: { en: 'Clip', 'zh-CN': '截断' },
  onnxTypes: ['Clip'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    const bounds = d && clipBounds(n, ctx);
    if (!d || !bounds) return undefined;
    // torch exports nn.ReLU6 as exactly this Clip; its users know it by that name.
    return bounds.min === 0 && bounds.max === 6 ? d.layer('ReLU6') : d.layer('Clip', { min: tidyFloat(bounds.min), max: tidyFloat(bounds.max) });
  },
  pytorch: { module: ({ params }) => `Clamp(${pyFloat(numParam(params, 'min'))}, ${pyFloat(numParam(params, 'max'))})`, parts: ['Clamp'] },
  params: [
    { name: 'min', type: 'float', default: -1 },
    { name: 'max', type: 'float', default: 1 },
  ],
  ...sameShape,
  infer({ node, inputs, params }) {
    const min = Number(params['min']);
    const max = Number(params['max']);
    // ONNX would make every value `max`: almost certainly the bounds were typed the wrong way round.
    if (min > max) {
      return fail(
        diag('RS301', msg('clip-range', { node: node.name, min, max }), {
          nodeId: node.id,
          field: 'min',
          fix: { kind: 'set-params', ...fixLabel(msg('fix-swap-clip', { min: max, max: min })), nodeId: node.id, params: { min: max, max: min } },
        }),
      );
    }
    return { outputs: [inputs[0]!] };
  },
  lower: (ctx, [x], _i, _o, p) => emitClip(ctx, x!, Number(p['min']), Number(p['max'])),
  // torch.clamp's backward passes the gradient where min ≤ x ≤ max (ends included).
  backward: (ctx, { inputs: [x], gradOutput: dy, params }) => one(gate(ctx, between(ctx, x!, Number(params['min']), Number(params['max']), true), dy)),
};

/**
 * ReLU6: min(max(0, x), 6), as in MobileNet. Its own op rather than a Clip preset because that is
 * the name torch users know it by; it lowers to the same Clip(x, 0, 6) torch exports.
 */
export const relu6: OpDef = {
  kind: 'ReLU6',
  category: 'activation',
  summary: 'ReLU6: ReLU capped at 6 — min(max(0, x), 6).',
  labels: { en: 'ReLU6', 'zh-CN': 'ReLU6' },
  pytorch: noArgs('nn.ReLU6()'),
  params: [],
  ...sameShape,
  lower: (ctx, [x]) => emitClip(ctx, x!, 0, 6),
  // torch's relu6 is hardtanh(0, 6), whose backward excludes the ends.
  backward: (ctx, { inputs: [x], gradOutput: dy }) => one(gate(ctx, between(ctx, x!, 0, 6, false), dy)),
};

/** SiLU (swish): x·sigmoid(x). ONNX has no SiLU/Swish op before opset 24, so it is Sigmoid then Mul. */
export const silu: OpDef = {
  kind: 'SiLU',
  category: 'activation',
  summary: 'SiLU (swish): x · sigmoid(x), a smooth ReLU used by EfficientNet.',
  labels: { en: 'SiLU', 'zh-CN': 'SiLU' },
  pytorch: noArgs('nn.SiLU()'),
  params: [],
  ...sameShape,
  cost: (inputs) => ({ params: 0, macs: 0, otherOps: 2 * numel(inputs[0]!) }),
  lower(ctx, [x]) {
    const [s] = ctx.emit('Sigmoid', [x!], [], { suffix: 'sigmoid' });
    ctx.save('sigmoid', s!);
    return ctx.emit('Mul', [x!, s!]);
  },
  // torch's silu_backward: dy·σ(x)·(1 + x·(1 − σ(x)))
  backward(ctx, { inputs: [x], gradOutput: dy, saved }) {
    const s = saved['sigmoid']!;
    const t = op1(ctx, 'Add', [scalar(ctx, 1), op1(ctx, 'Mul', [x!, op1(ctx, 'Sub', [scalar(ctx, 1), s])])]);
    return one(op1(ctx, 'Mul', [dy, op1(ctx, 'Mul', [s, t])]));
  },
};

/** Hardsigmoid: max(0, min(1, alpha·x + beta)). Defaults are torch's (1/6, 1/2), not ONNX's (0.2, 0.5). */
export const hardsigmoid: OpDef = {
  kind: 'Hardsigmoid',
  category: 'activation',
  summary: 'Hard sigmoid: a piecewise-linear sigmoid, max(0, min(1, αx + β)).',
  labels: { en: 'Hard sigmoid', 'zh-CN': 'Hard Sigmoid' },
  onnxTypes: ['HardSigmoid'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    // ONNX's defaults (0.2, 0.5) differ from torch's (1/6, 0.5), which are the op's.
    const alpha = floatAttr(n, 'alpha', 0.2);
    const beta = floatAttr(n, 'beta', 0.5);
    return d?.dataOnly(1) && alpha !== undefined && beta !== undefined ? d.layer('Hardsigmoid', { alpha: tidyFloat(alpha), beta: tidyFloat(beta) }) : undefined;
  },
  pytorch: {
    module: ({ params }) => (numParam(params, 'alpha') === 1 / 6 && numParam(params, 'beta') === 0.5 ? 'nn.Hardsigmoid()' : `HardSigmoid(${pyFloat(numParam(params, 'alpha'))}, ${pyFloat(numParam(params, 'beta'))})`),
    parts: ['HardSigmoid'],
  },
  params: [
    { name: 'alpha', type: 'float', default: 1 / 6 },
    { name: 'beta', type: 'float', default: 0.5 },
  ],
  ...sameShape,
  lower: (ctx, [x], _i, _o, p) => ctx.emit('HardSigmoid', [x!], [aFloat('alpha', Number(p['alpha'])), aFloat('beta', Number(p['beta']))]),
  // α·dy where 0 < αx + β < 1 (torch's hardsigmoid_backward: −3 < x < 3 for α = 1/6, β = 1/2).
  backward(ctx, { inputs: [x], gradOutput: dy, params }) {
    const a = Number(params['alpha']);
    const b = Number(params['beta']);
    const z = op1(ctx, 'Add', [op1(ctx, 'Mul', [x!, scalar(ctx, a)]), scalar(ctx, b)]);
    return one(gate(ctx, between(ctx, z, 0, 1, false), op1(ctx, 'Mul', [dy, scalar(ctx, a)])));
  },
};

/** Hardswish: x·hardsigmoid(x), as in MobileNetV3. ONNX HardSwish exists from opset 14; at 13 it is spelled out. */
export const hardswish: OpDef = {
  kind: 'Hardswish',
  category: 'activation',
  summary: 'Hard swish: x · hardsigmoid(x), the cheap SiLU of MobileNetV3.',
  labels: { en: 'Hard swish', 'zh-CN': 'Hard Swish' },
  onnxTypes: ['HardSwish'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    return d?.dataOnly(1) ? d.layer('Hardswish') : undefined;
  },
  pytorch: noArgs('nn.Hardswish()'),
  params: [],
  ...sameShape,
  cost: (inputs) => ({ params: 0, macs: 0, otherOps: 2 * numel(inputs[0]!) }),
  lower(ctx, [x]) {
    if (ctx.opset >= 14) return ctx.emit('HardSwish', [x!]);
    const [h] = ctx.emit('HardSigmoid', [x!], [aFloat('alpha', 1 / 6), aFloat('beta', 0.5)], { suffix: 'hardsigmoid' });
    return ctx.emit('Mul', [x!, h!]);
  },
  // torch's hardswish_backward: 0 below −3, dy·(x/3 + 1/2) up to 3 (included), dy above.
  backward(ctx, { inputs: [x], gradOutput: dy }) {
    const mid = op1(ctx, 'Mul', [dy, op1(ctx, 'Add', [op1(ctx, 'Mul', [x!, scalar(ctx, 1 / 3)]), scalar(ctx, 0.5)])]);
    const upper = gate(ctx, op1(ctx, 'LessOrEqual', [x!, scalar(ctx, 3)]), mid, dy);
    return one(gate(ctx, op1(ctx, 'Less', [x!, scalar(ctx, -3)]), scalar(ctx, 0), upper));
  },
};

/**
 * GELU: x·Φ(x), exactly (erf) or with torch's tanh approximation. ONNX Gelu exists from opset 20;
 * below it is spelled out in the form torch exports, 0.5·x·(1 + erf(x/√2)), so both import back.
 */
export const gelu: OpDef = {
  kind: 'GELU',
  category: 'activation',
  summary: 'GELU: x · Φ(x), the smooth activation of transformers and ConvNeXt.',
  labels: { en: 'GELU', 'zh-CN': 'GELU' },
  onnxTypes: ['Gelu'],
  import(n, ctx) {
    const d = dataNode(n, ctx);
    const approximate = stringAttr(n, 'approximate', 'none');
    return d?.dataOnly(1) && (approximate === 'none' || approximate === 'tanh') ? d.layer('GELU', { approximate }) : undefined;
  },
  pytorch: { module: ({ params }) => (params['approximate'] === 'tanh' ? 'nn.GELU(approximate="tanh")' : 'nn.GELU()') },
  params: [{ name: 'approximate', type: 'enum', default: 'none', options: ['none', 'tanh'] }],
  ...sameShape,
  cost: (inputs) => ({ params: 0, macs: 0, otherOps: 4 * numel(inputs[0]!) }),
  lower(ctx, [x], _i, _o, p) {
    const tanh = p['approximate'] === 'tanh';
    if (ctx.opset >= 20) return ctx.emit('Gelu', [x!], tanh ? [{ name: 'approximate', kind: 'string', value: 'tanh' }] : []);
    const one = ctx.float('one', [], [1]);
    let phi2: string; // 1 + erf(x/√2), or 1 + tanh(√(2/π)·(x + 0.044715·x³)): twice Φ(x)
    if (tanh) {
      const [x2] = ctx.emit('Mul', [x!, x!], [], { suffix: 'x2' });
      const [x3] = ctx.emit('Mul', [x!, x2!], [], { suffix: 'x3' });
      const [cx3] = ctx.emit('Mul', [x3!, ctx.float('c', [], [0.044715])], [], { suffix: 'cx3' });
      const [inner] = ctx.emit('Add', [x!, cx3!], [], { suffix: 'inner' });
      const [scaled] = ctx.emit('Mul', [inner!, ctx.float('k', [], [Math.sqrt(2 / Math.PI)])], [], { suffix: 'scaled' });
      const [t] = ctx.emit('Tanh', [scaled!], [], { suffix: 'tanh' });
      phi2 = ctx.emit('Add', [t!, one], [], { suffix: 'add' })[0]!;
    } else {
      const [d] = ctx.emit('Div', [x!, ctx.float('sqrt2', [], [Math.SQRT2])], [], { suffix: 'div' });
      const [e] = ctx.emit('Erf', [d!], [], { suffix: 'erf' });
      phi2 = ctx.emit('Add', [e!, one], [], { suffix: 'add' })[0]!;
    }
    const [m] = ctx.emit('Mul', [x!, phi2], [], { suffix: 'mul' });
    return ctx.emit('Mul', [m!, ctx.float('half', [], [0.5])]);
  },
  backward(ctx, { inputs: [x], gradOutput: dy, params }) {
    const xv = x!;
    const half = scalar(ctx, 0.5);
    const mul = (a: string, b: string) => op1(ctx, 'Mul', [a, b]);
    const add = (a: string, b: string) => op1(ctx, 'Add', [a, b]);
    const x2 = mul(xv, xv);
    if (params['approximate'] === 'tanh') {
      // y = ½x(1 + t), t = tanh(k(x + c·x³)): dy·(½(1 + t) + ½x(1 − t²)·k(1 + 3c·x²))
      const k = Math.sqrt(2 / Math.PI);
      const c = 0.044715;
      const t = op1(ctx, 'Tanh', [mul(add(xv, mul(mul(x2, xv), scalar(ctx, c))), scalar(ctx, k))]);
      const left = mul(half, add(scalar(ctx, 1), t));
      const sech2 = op1(ctx, 'Sub', [scalar(ctx, 1), mul(t, t)]);
      const right = mul(mul(mul(half, xv), sech2), add(scalar(ctx, k), mul(x2, scalar(ctx, 3 * c * k))));
      return one(mul(dy, add(left, right)));
    }
    // y = x·Φ(x): dy·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π)
    const cdf = mul(half, add(scalar(ctx, 1), op1(ctx, 'Erf', [mul(xv, scalar(ctx, Math.SQRT1_2))])));
    const pdf = mul(op1(ctx, 'Exp', [mul(x2, scalar(ctx, -0.5))]), scalar(ctx, 1 / Math.sqrt(2 * Math.PI)));
    return one(mul(dy, add(cdf, mul(xv, pdf))));
  },
};

/** Clip's bounds: constant inputs from opset 11, attributes before; a bound left out is ±FLOAT32_MAX, as in ONNX. */
function clipBounds(n: IrNode, ctx: ImportContext): { min: number; max: number } | undefined {
  const x = n.inputs[0]!;
  if (ctx.opset < 11) {
    const min = floatAttr(n, 'min', -FLOAT32_MAX);
    const max = floatAttr(n, 'max', FLOAT32_MAX);
    return n.inputs.length === 1 && min !== undefined && max !== undefined ? { min, max } : undefined;
  }
  if (n.inputs.length > 3 || !ctx.isData(x)) return undefined;
  const bound = (name: string | undefined, def: number): number | undefined => {
    if (!name) return def;
    const t = floatConst(ctx, name);
    return t && t.data.length === 1 ? Number(t.data[0]) : undefined;
  };
  const min = bound(n.inputs[1], -FLOAT32_MAX);
  const max = bound(n.inputs[2], FLOAT32_MAX);
  return min !== undefined && max !== undefined ? { min, max } : undefined;
}
