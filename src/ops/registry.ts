import { basicBlock } from '../blocks/basic-block.ts';
import { bottleneck } from '../blocks/bottleneck.ts';
import { convNextBlock } from '../blocks/convnext-block.ts';
import { invertedResidual } from '../blocks/inverted-residual.ts';
import { stage } from '../blocks/stage.ts';
import { userBlockOp } from '../blocks/user-block.ts';
import type { BlockKind, OpKind, UserBlockDef, UserBlockKind } from '../graph/types.ts';
import { clip, dropout, gelu, hardsigmoid, hardswish, identity, leakyRelu, relu, relu6, sigmoid, silu, softmax } from './activations.ts';
import { batchNorm2d } from './batchnorm2d.ts';
import { layerNorm } from './layer-norm.ts';
import { layerScale } from './layer-scale.ts';
import { stochasticDepth } from './stochastic-depth.ts';
import { conv2d } from './conv2d.ts';
import { input, output } from './io.ts';
import { add, concat, mul } from './merge.ts';
import { opaque } from './opaque.ts';
import { avgPool2d, globalAvgPool, maxPool2d } from './pooling.ts';
import { flatten, linear } from './reshape.ts';
import type { OpDef, OpLabels } from './types.ts';
import { zeroPadShortcut } from './zero-pad-shortcut.ts';
import { missingBlock } from './missing-block.ts';

/**
 * The built-in blocks and stages, by kind. Adding one is its file (an OpDef with `expand` and
 * `block` traits) plus one line here: its kind joins `BlockKind`, the document schema and the
 * palette from this table.
 */
export const BLOCKS = {
  BasicBlock: basicBlock,
  Bottleneck: bottleneck,
  ConvNeXtBlock: convNextBlock,
  InvertedResidual: invertedResidual,
  Stage: stage,
} as const satisfies Record<string, OpDef>;

/**
 * The built-in layer ops, by kind: one ONNX-lowerable operation each. Adding one is its file (an
 * OpDef with its shape rule, cost, lowering, gradient, labels, PyTorch form and import rule) plus
 * one line here: its kind joins `LayerKind`, the document schema, the palette, the UI's names,
 * the PyTorch exporter and the importer from this table.
 */
export const LAYERS = {
  Input: input,
  Output: output,
  Conv2d: conv2d,
  BatchNorm2d: batchNorm2d,
  LayerNorm: layerNorm,
  LayerScale: layerScale,
  StochasticDepth: stochasticDepth,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  Sigmoid: sigmoid,
  Clip: clip,
  ReLU6: relu6,
  SiLU: silu,
  Hardsigmoid: hardsigmoid,
  Hardswish: hardswish,
  GELU: gelu,
  MaxPool2d: maxPool2d,
  AvgPool2d: avgPool2d,
  GlobalAvgPool: globalAvgPool,
  Flatten: flatten,
  Linear: linear,
  Dropout: dropout,
  Add: add,
  Mul: mul,
  Concat: concat,
  Softmax: softmax,
  Identity: identity,
  // Option-A shortcut: subsample by the stride and zero-pad the new channels (no parameters).
  ZeroPadShortcut: zeroPadShortcut,
  // An imported ONNX op the editor does not model, carried through export unchanged.
  Opaque: opaque,
} as const satisfies Record<string, OpDef>;

/** Every built-in op, by kind: the layers and the blocks. */
export const OPS: Readonly<Record<Exclude<OpKind, UserBlockKind>, OpDef>> = { ...LAYERS, ...BLOCKS };

/**
 * Every built-in op's display name in one UI language, by kind: the UI's `op` translation table,
 * built from the definitions so a new op needs no entry in the i18n files.
 */
export const opLabelTable = (language: keyof OpLabels): Readonly<Record<keyof typeof OPS, string>> =>
  Object.fromEntries(Object.entries(OPS).map(([kind, def]) => [kind, def.labels[language]])) as Record<keyof typeof OPS, string>;

/** A document's block library: the user-defined block types its nodes may use. */
export type BlockLibrary = readonly UserBlockDef[] | undefined;

/** The kind a user-defined block's instances carry. */
export const userKind = (id: string): UserBlockKind => `user:${id}`;

/** True for the kind of a user-defined block (whether or not the library holds it). */
export const isUserKind = (kind: OpKind): kind is UserBlockKind => kind.startsWith('user:');

/**
 * The definition of an op kind. A user-defined block's comes from the document's block library;
 * one the library does not hold is a block that cannot expand (the analysis reports it).
 */
export const getOp = (kind: OpKind, library?: BlockLibrary): OpDef => {
  if (!isUserKind(kind)) return OPS[kind];
  const def = library?.find((d) => userKind(d.id) === kind);
  return def ? userBlockOp(def) : missingBlock(kind);
};

/** The user-defined block a kind names, if the library holds it. */
export const userBlockDef = (kind: OpKind, library: BlockLibrary): UserBlockDef | undefined => (isUserKind(kind) ? library?.find((d) => userKind(d.id) === kind) : undefined);

/** True for composite kinds that expand into layers: built-in blocks and stages, and user blocks. */
export const isBlockKind = (kind: OpKind): kind is BlockKind => isUserKind(kind) || OPS[kind].block !== undefined;

/** True for one residual block's kind (a card with its own shortcut), not a stage. */
export const isResidualBlockKind = (kind: OpKind): boolean => isUserKind(kind) || OPS[kind].block?.role === 'block';

/** True for a stage's kind (a run of blocks). */
export const isStageKind = (kind: OpKind): boolean => !isUserKind(kind) && OPS[kind].block?.role === 'stage';

/** Number of output ports of a node of this kind. */
export const outputCount = (kind: OpKind): number => (kind === 'Output' ? 0 : 1);
