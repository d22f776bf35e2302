import { aInt } from '../../ops/common.ts';
import { op1, reduce, scalar, unsqueeze } from '../../ops/emit.ts';
import { DataType } from '../../onnx/ir.ts';
import type { StepPass } from '../compile-training.ts';
import { STEP } from '../options.ts';
import { builderFor, withAdded } from './common.ts';

/**
 * Pass 2: mean cross-entropy of the logits against `target`, with label smoothing ε as
 * `torch.nn.functional.cross_entropy` (targets q = (1 − ε)·onehot + ε/K), the number of correct
 * argmax predictions, and dLoss/dLogits = (softmax − q)/N.
 */
export function lossPass(labelSmoothing: number): StepPass {
  return {
    name: 'loss',
    run(m) {
      const b = builderFor(m);
      const ctx = b.scope('loss');
      const k = m.classes;
      const logp = op1(ctx, 'LogSoftmax', [m.logits], [aInt('axis', 1)]);
      const classes = ctx.int64('classes', Array.from({ length: k }, (_, i) => i));
      const hit = op1(ctx, 'Equal', [unsqueeze(ctx, STEP.target, [1]), classes]);
      const onehot = op1(ctx, 'Cast', [hit], [aInt('to', DataType.FLOAT)]);
      const q = labelSmoothing > 0 ? op1(ctx, 'Add', [op1(ctx, 'Mul', [onehot, scalar(ctx, 1 - labelSmoothing)]), scalar(ctx, labelSmoothing / k)]) : onehot;
      const perSample = reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [q, logp]), [1], false);
      ctx.emit('Neg', [reduce(ctx, 'ReduceMean', perSample, [0], false)], [], { outputs: [b.claim(STEP.loss)] });
      const gradLogits = op1(ctx, 'Mul', [op1(ctx, 'Sub', [op1(ctx, 'Exp', [logp]), q]), scalar(ctx, 1 / m.batch)]);
      ctx.emit('Identity', [m.logits], [], { outputs: [b.claim(STEP.logits)] });
      const predicted = op1(ctx, 'ArgMax', [m.logits], [aInt('axis', 1), aInt('keepdims', 0)]);
      const right = op1(ctx, 'Cast', [op1(ctx, 'Equal', [predicted, STEP.target])], [aInt('to', DataType.INT64)]);
      ctx.emit('ReduceSum', [right], [aInt('keepdims', 0)], { outputs: [b.claim(STEP.correct)] });
      const outputs = [
        { name: STEP.loss, elemType: DataType.FLOAT, dims: [] },
        { name: STEP.logits, elemType: DataType.FLOAT, dims: [m.batch, k] },
        { name: STEP.correct, elemType: DataType.INT64, dims: [] },
      ];
      return { model: { ...m, model: withAdded(m.model, b, { outputs }), gradLogits }, diagnostics: [] };
    },
  };
}
