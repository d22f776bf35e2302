/**
 * Signals at initialisation: how a network's forward activations and backward gradients look
 * before it has learned anything — what shows why a deep plain stack is slow to train while its
 * residual counterpart is not (the degradation lab and the teaching view plot these).
 *
 * {@link compileSignals} builds one ONNX graph from the training compiler's own passes (lower in
 * training mode → loss → autodiff): given a batch (`input`, `target`) it outputs the mean
 * cross-entropy `loss`, the standard deviation of every layer's output (`<layer>.std`, over the
 * whole batch tensor, population form) and the L2 norm of the loss's gradient for every trainable
 * parameter (`<param>.grad_norm`). The weights are the document's (fresh from its seed, imported
 * or trained), held in the file as initializers, so a runtime feeds only the batch.
 */
import { hasErrors, type Diagnostic } from '../diagnostics/catalogue.ts';
import type { NodeId } from '../graph/ids.ts';
import type { LayerKind, ResidualDocument } from '../graph/types.ts';
import { op1, reduce } from '../ops/emit.ts';
import { DataType, type IrModel, type IrValueInfo } from '../onnx/ir.ts';
import { runPasses } from '../onnx/passes/pipeline.ts';
import { serializeModel } from '../onnx/serialize.ts';
import { lowerTraining } from './compile-training.ts';
import { STEP, type TrainingOptions } from './options.ts';
import { autodiffPass } from './passes/autodiff.ts';
import { builderFor, withAdded } from './passes/common.ts';
import { deadCodePass } from './passes/dce.ts';
import { lossPass } from './passes/loss.ts';

/** Output names of a signals graph. */
export const SIGNAL = {
  loss: STEP.loss,
  std: (layer: string) => `${layer}.std`,
  gradNorm: (param: string) => `${param}.grad_norm`,
} as const;

/** One layer whose output's standard deviation the graph reports, in forward order. */
export interface ActivationSignal {
  /** The flat layer's name (`layer1.0.relu`), also its output tensor's. */
  readonly layer: string;
  readonly op: LayerKind;
  /** The document node the layer belongs to (itself, or its collapsed block or stage). */
  readonly docNode: NodeId;
  /** The graph output holding the value: `<layer>.std`. */
  readonly output: string;
}

/** One trainable parameter whose gradient norm the graph reports, in forward order. */
export interface GradientSignal {
  /** state_dict name (`layer1.0.conv1.weight`). */
  readonly param: string;
  /** The flat layer that owns it and that layer's op. */
  readonly layer: string;
  readonly op: LayerKind;
  readonly docNode: NodeId;
  /** The graph output holding the value: `<param>.grad_norm`. */
  readonly output: string;
}

/** What {@link compileSignals} returns. */
export interface SignalsResult {
  readonly bytes?: Uint8Array;
  readonly model?: IrModel;
  readonly diagnostics: readonly Diagnostic[];
  readonly activations: readonly ActivationSignal[];
  readonly gradients: readonly GradientSignal[];
  /** The batch the graph is built for (its `input` is [batch, C, H, W]). */
  readonly batch: number;
}

/**
 * Compiles the signals graph of a document's network (see the file's comment). Needs what a
 * training step needs: one output of class scores and a gradient rule for every op on the path
 * to a parameter; otherwise the diagnostics say why and there are no bytes.
 *
 * @example
 * const s = compileSignals(buildTemplate('plain-cifar20')!, { batch: 32 });
 * // run s.bytes with { input, target }; read s.gradients.map((g) => out[g.output]).
 */
export function compileSignals(doc: ResidualDocument, opts: Pick<TrainingOptions, 'batch' | 'opset' | 'weights' | 'seed' | 'target'> = {}): SignalsResult {
  const batch = opts.batch ?? 32;
  const none = { activations: [], gradients: [], batch };
  const lowered = lowerTraining(doc, opts, batch);
  if (!lowered.model || hasErrors(lowered.diagnostics)) return { diagnostics: lowered.diagnostics, ...none };
  const done = runPasses(lowered.model, [lossPass(0), autodiffPass()]);
  const diagnostics = [...lowered.diagnostics, ...done.diagnostics];
  if (!done.model || hasErrors(diagnostics)) return { diagnostics, ...none };
  const m = done.model;
  const b = builderFor(m);
  const ctx = b.scope('signals');
  const outputs: IrValueInfo[] = [{ name: SIGNAL.loss, elemType: DataType.FLOAT, dims: [] }];
  const claim = (name: string, value: string) => {
    ctx.emit('Identity', [value], [], { outputs: [b.claim(name)] });
    outputs.push({ name, elemType: DataType.FLOAT, dims: [] });
  };

  const activations: ActivationSignal[] = [];
  for (const e of m.tape) {
    const rank = e.layer.outputShapes[0]!.length + 1;
    const axes = Array.from({ length: rank }, (_, i) => i);
    const mean = reduce(ctx, 'ReduceMean', e.output, axes, true);
    const centred = op1(ctx, 'Sub', [e.output, mean]);
    const variance = reduce(ctx, 'ReduceMean', op1(ctx, 'Mul', [centred, centred]), axes, false);
    const output = SIGNAL.std(e.layer.name);
    claim(output, op1(ctx, 'Sqrt', [variance]));
    activations.push({ layer: e.layer.name, op: e.layer.op, docNode: e.layer.docNode, output });
  }

  const gradients: GradientSignal[] = [];
  const seen = new Set<string>();
  for (const e of m.tape) {
    for (const w of Object.values(e.weights)) {
      const g = m.grads?.get(w.name);
      if (w.role !== 'param' || !g || seen.has(w.name)) continue;
      seen.add(w.name);
      const axes = w.dims.map((_, i) => i);
      const output = SIGNAL.gradNorm(w.name);
      claim(output, op1(ctx, 'Sqrt', [reduce(ctx, 'ReduceSum', op1(ctx, 'Mul', [g, g]), axes, false)]));
      gradients.push({ param: w.name, layer: e.layer.name, op: e.layer.op, docNode: e.layer.docNode, output });
    }
  }

  // Only the batch is an input: the state stays as the initializers holding the document's weights.
  const g0 = m.model.graph;
  const inputs = g0.inputs.filter((i) => i.name === STEP.input || i.name === STEP.target);
  const pruned = deadCodePass().run({ ...m, model: withAdded(m.model, b, { inputs, outputs }) });
  const model = pruned.model!.model;
  return { bytes: serializeModel(model), model, diagnostics, activations, gradients, batch };
}
