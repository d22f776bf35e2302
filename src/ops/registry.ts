import { basicBlock } from '../blocks/basic-block.ts';
import { bottleneck } from '../blocks/bottleneck.ts';
import { stage } from '../blocks/stage.ts';
import type { OpKind } from '../graph/types.ts';
import { clip, dropout, gelu, hardsigmoid, hardswish, identity, leakyRelu, relu, relu6, sigmoid, silu, softmax } from './activations.ts';
import { batchNorm2d } from './batchnorm2d.ts';
import { conv2d } from './conv2d.ts';
import { input, output } from './io.ts';
import { add, concat, mul } from './merge.ts';
import { opaque } from './opaque.ts';
import { avgPool2d, globalAvgPool, maxPool2d } from './pooling.ts';
import { flatten, linear } from './reshape.ts';
import type { OpDef } from './types.ts';
import { zeroPadShortcut } from './zero-pad-shortcut.ts';

/** Every op, by kind. Adding an op is one file plus one line here. */
export const OPS: Readonly<Record<OpKind, OpDef>> = {
  Input: input,
  Output: output,
  Conv2d: conv2d,
  BatchNorm2d: batchNorm2d,
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
  ZeroPadShortcut: zeroPadShortcut,
  Opaque: opaque,
  BasicBlock: basicBlock,
  Bottleneck: bottleneck,
  Stage: stage,
};

/** The definition of an op kind. */
export const getOp = (kind: OpKind): OpDef => OPS[kind];

/** True for composite kinds that expand into layers. */
export const isBlockKind = (kind: OpKind): kind is 'BasicBlock' | 'Bottleneck' | 'Stage' => kind === 'BasicBlock' || kind === 'Bottleneck' || kind === 'Stage';

/** Number of output ports of a node of this kind. */
export const outputCount = (kind: OpKind): number => (kind === 'Output' ? 0 : 1);
