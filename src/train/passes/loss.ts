import { aInt } from '../../ops/common.ts';
import { op1, reduce, scalar } from '../../ops/emit.ts';
import { DataType } from '../../onnx/ir.ts';
import type { StepPass } from '../compile-training.ts';
import { STEP } from '../options.ts';
import { builderFor, withAdded } from './common.ts';

/**
 * Pass 2: mean cross-entropy of the logits against `target`, with label smoothing ε as
 * `torch.nn.functional.cross_entropy` (targets q = (1 − ε)·onehot + ε/K), the number of correct
 * argmax predictions, and dLoss/dLogits = (softmax − q)/N.
 *
 * Written in float ops the WebGPU EP has kernels for, so the loss stays on the GPU: log-softmax
 * as torch computes it (z = x − max, log p = z − log Σ exp z; the EP has no LogSoftmax), the
 * targets' rows q gathered from a K×K table by the int64 `target` (Gather takes int64 indices,
 * where Equal and Unsqueeze on int64 would run on the CPU), and `correct` counted in floats as
 * the product of the predicted and the true one-hot rows, cast to int64 once at the end.
 */
export function lossPass(labelSmoothing: number): StepPass {
  return {
    name: 'loss',
    run(m) {
      const b = builderFor(m);
      const ctx = b.scope('loss');
      const k = m.classes;
      const table = (local: string, on: number, off: number) => ctx.float(local, [k, k], Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? on : off)));
      const gather = (t: string, indices: string) => op1(ctx, 'Gather', [t, indices], [aInt('axis', 0)]);
      const eye = table('onehot', 1, 0);
      const z = op1(ctx, 'Sub', [m.logits, reduce(ctx, 'ReduceMax', m.logits, [1], true)]);
      const e = op1(ctx, 'Exp', [z]);
      const sum = reduce(ctx, 'ReduceSum', e, [1], true);
      const logp = op1(ctx, 'Sub', [z, op1(ctx, 'Log', [sum])]);
      const onehot = gather(eye, STEP.target);
      const q = labelSmoothing > 0 ? gather(table('smoothed', 1 - labelSmoothing + labelSmoothing / k, labelSmoothing / k), STEP.target) : onehot;
      const perSample = reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [q, logp]), [1], false);
      ctx.emit('Neg', [reduce(ctx, 'ReduceMean', perSample, [0], false)], [], { outputs: [b.claim(STEP.loss)] });
      const gradLogits = op1(ctx, 'Mul', [op1(ctx, 'Sub', [op1(ctx, 'Div', [e, sum]), q]), scalar(ctx, 1 / m.batch)]);
      // The scores are `logits` already when the net's last layer makes them (see lowerTraining).
      if (m.logits !== STEP.logits) ctx.emit('Identity', [m.logits], [], { outputs: [b.claim(STEP.logits)] });
      const predicted = gather(eye, op1(ctx, 'ArgMax', [m.logits], [aInt('axis', 1), aInt('keepdims', 0)]));
      const right = reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [predicted, onehot]), [0, 1], false);
      ctx.emit('Cast', [right], [aInt('to', DataType.INT64)], { outputs: [b.claim(STEP.correct)] });
      const outputs = [
        { name: STEP.loss, elemType: DataType.FLOAT, dims: [] },
        { name: STEP.logits, elemType: DataType.FLOAT, dims: [m.batch, k] },
        { name: STEP.correct, elemType: DataType.INT64, dims: [] },
      ];
      return { model: { ...m, model: withAdded(m.model, b, { outputs }), gradLogits }, diagnostics: [] };
    },
  };
}
