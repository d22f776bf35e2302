/**
 * How each editor layer is written in PyTorch: the `torch.nn` module it becomes (with the
 * arguments that differ from PyTorch's defaults), or the expression it is inline in `forward`
 * (Add, Mul, Concat), and the entries it puts in the state_dict — the same names the ONNX
 * lowering gives its weights (`<layer name>.weight`, …).
 */
import type { LayerKind, Params, Shape } from '../../graph/types.ts';
import { bool, int } from '../../ops/common.ts';
import type { PartName } from './prelude.ts';
import { pyFloat } from './python.ts';

/** What a layer's PyTorch form is built from. */
export interface LayerArgs {
  readonly params: Params;
  readonly inputShapes: readonly Shape[];
}

/** A layer written as a module: its constructor call and its state_dict entries with their shapes. */
export interface ModuleForm {
  readonly module: (a: LayerArgs) => string;
  readonly state?: (a: LayerArgs) => readonly (readonly [local: string, dims: readonly number[]])[];
  /** Parts of the prelude the constructor uses. */
  readonly parts?: readonly PartName[];
}

/** A layer written inline in `forward`, from its input expressions. */
export interface InlineForm {
  readonly inline: (inputs: readonly string[]) => string;
}

/** The PyTorch form of a layer kind; `undefined` where PyTorch has none (an opaque imported op). */
export type LayerForm = ModuleForm | InlineForm;

const f = (p: Params, k: string) => Number(p[k]);
/** `, name=value` when the value is not PyTorch's default. */
const opt = (name: string, value: string, dflt: string) => (value === dflt ? '' : `, ${name}=${value}`);
const channels = (a: LayerArgs) => a.inputShapes[0]![0]!;
const noArgs = (ctor: string): ModuleForm => ({ module: () => ctor });

/** Every layer kind but Input and Output (the forward's argument and its return). */
export const LAYER_FORMS: Readonly<Record<Exclude<LayerKind, 'Input' | 'Output'>, LayerForm | undefined>> = {
  Conv2d: {
    module: ({ params: p, inputShapes }) => {
      const k = int(p, 'kernel');
      return (
        `nn.Conv2d(${inputShapes[0]![0]}, ${int(p, 'outChannels')}, kernel_size=${k}` +
        opt('stride', String(int(p, 'stride')), '1') +
        opt('padding', String(int(p, 'padding')), '0') +
        opt('dilation', String(int(p, 'dilation')), '1') +
        opt('groups', String(int(p, 'groups')), '1') +
        opt('bias', bool(p, 'bias') ? 'True' : 'False', 'True') +
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
  BatchNorm2d: {
    module: (a) => `BatchNorm2d(${channels(a)}${f(a.params, 'eps') === 1e-5 ? '' : `, eps=${pyFloat(f(a.params, 'eps'))}`})`,
    state: (a) => ['weight', 'bias', 'running_mean', 'running_var'].map((n) => [n, [channels(a)]] as const),
    parts: ['BatchNorm2d'],
  },
  LayerNorm: {
    // Over C at each position: LayerNorm2d on a feature map (channels moved last and back), nn.LayerNorm on a vector.
    module: (a) => `${a.inputShapes[0]!.length === 3 ? 'LayerNorm2d' : 'nn.LayerNorm'}(${channels(a)}${f(a.params, 'eps') === 1e-5 ? '' : `, eps=${pyFloat(f(a.params, 'eps'))}`})`,
    state: (a) => ['weight', 'bias'].map((n) => [n, [channels(a)]] as const),
    parts: ['LayerNorm2d'],
  },
  LayerScale: {
    module: (a) => `LayerScale((${a.inputShapes[0]!.length === 3 ? `${channels(a)}, 1, 1` : `${channels(a)},`}), ${pyFloat(f(a.params, 'init'))})`,
    state: (a) => [['weight', a.inputShapes[0]!.length === 3 ? [channels(a), 1, 1] : [channels(a)]]],
    parts: ['LayerScale'],
  },
  StochasticDepth: { module: ({ params }) => `StochasticDepth(${pyFloat(f(params, 'p'))}, "row")`, parts: ['StochasticDepth'] },
  ReLU: noArgs('nn.ReLU()'),
  LeakyReLU: { module: ({ params }) => `nn.LeakyReLU(${pyFloat(f(params, 'alpha'))})` },
  Sigmoid: noArgs('nn.Sigmoid()'),
  Clip: { module: ({ params }) => `Clamp(${pyFloat(f(params, 'min'))}, ${pyFloat(f(params, 'max'))})`, parts: ['Clamp'] },
  ReLU6: noArgs('nn.ReLU6()'),
  SiLU: noArgs('nn.SiLU()'),
  Hardsigmoid: {
    module: ({ params }) => (f(params, 'alpha') === 1 / 6 && f(params, 'beta') === 0.5 ? 'nn.Hardsigmoid()' : `HardSigmoid(${pyFloat(f(params, 'alpha'))}, ${pyFloat(f(params, 'beta'))})`),
    parts: ['HardSigmoid'],
  },
  Hardswish: noArgs('nn.Hardswish()'),
  GELU: { module: ({ params }) => (params['approximate'] === 'tanh' ? 'nn.GELU(approximate="tanh")' : 'nn.GELU()') },
  MaxPool2d: {
    module: ({ params: p }) =>
      `nn.MaxPool2d(kernel_size=${int(p, 'kernel')}, stride=${int(p, 'stride')}${opt('padding', String(int(p, 'padding')), '0')}${bool(p, 'ceilMode') ? ', ceil_mode=True' : ''})`,
  },
  AvgPool2d: {
    module: ({ params: p }) =>
      `nn.AvgPool2d(kernel_size=${int(p, 'kernel')}, stride=${int(p, 'stride')}${opt('padding', String(int(p, 'padding')), '0')}${bool(p, 'ceilMode') ? ', ceil_mode=True' : ''}${bool(p, 'countIncludePad') ? '' : ', count_include_pad=False'})`,
  },
  GlobalAvgPool: noArgs('nn.AdaptiveAvgPool2d((1, 1))'),
  Flatten: noArgs('nn.Flatten()'),
  Linear: {
    module: ({ params: p, inputShapes }) => `nn.Linear(${inputShapes[0]!.at(-1)}, ${int(p, 'outFeatures')}${bool(p, 'bias') ? '' : ', bias=False'})`,
    state: ({ params: p, inputShapes }) => {
      const o = int(p, 'outFeatures');
      const w = [['weight', [o, inputShapes[0]!.at(-1)!]]] as const;
      return bool(p, 'bias') ? [...w, ['bias', [o]]] : w;
    },
  },
  Dropout: { module: ({ params }) => `nn.Dropout(p=${pyFloat(f(params, 'p'))})` },
  Add: { inline: ([a, b]) => `${a} + ${b}` },
  Mul: { inline: ([a, b]) => `${a} * ${b}` },
  Concat: { inline: (xs) => `torch.cat([${xs.join(', ')}], dim=1)` },
  Softmax: noArgs('nn.Softmax(dim=1)'),
  Identity: noArgs('nn.Identity()'),
  ZeroPadShortcut: {
    module: ({ params: p, inputShapes }) => `ZeroPadShortcut(${inputShapes[0]![0]}, ${int(p, 'outChannels')}, stride=${int(p, 'stride')})`,
    parts: ['ZeroPadShortcut'],
  },
  // An imported op the editor keeps as it was: PyTorch has no module that is "whatever the file said".
  Opaque: undefined,
};

/** The state_dict entries of a layer: `<name>.<local>` with their shapes (none for an inline or parameter-free layer). */
export function layerState(op: LayerKind, name: string, a: LayerArgs): [string, readonly number[]][] {
  const form = op === 'Input' || op === 'Output' ? undefined : LAYER_FORMS[op];
  if (!form || !('module' in form) || !form.state) return [];
  return form.state(a).map(([local, dims]) => [`${name}.${local}`, dims]);
}
