/**
 * The gradient half of the training compiler on its own: a graph that takes `input` and `dy` (a
 * gradient of the network's output) and gives the output, `input.grad`, every trainable
 * parameter's `<name>.grad` and every buffer's `<name>.next` after the training-mode forward.
 * What the gradient checks against `torch.autograd` run (`y.backward(dy)`), and what a teaching
 * view of gradients can show.
 */
import { hasErrors, type Diagnostic } from '../diagnostics/catalogue.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { op1 } from '../ops/emit.ts';
import { DataType, type IrModel, type IrValueInfo } from '../onnx/ir.ts';
import { serializeModel } from '../onnx/serialize.ts';
import { lowerTraining } from './compile-training.ts';
import { STEP, nextName, type TrainingOptions } from './options.ts';
import { autodiffPass } from './passes/autodiff.ts';
import { bufferUpdates, builderFor, withAdded } from './passes/common.ts';
import { deadCodePass } from './passes/dce.ts';

/** What {@link compileVjp} returns. */
export interface VjpResult {
  readonly bytes?: Uint8Array;
  readonly model?: IrModel;
  readonly diagnostics: readonly Diagnostic[];
  /** Trainable parameters (each has an output `<name>.grad`) and buffers (`<name>.next`). */
  readonly params: readonly string[];
  readonly buffers: readonly string[];
  /** The output's dims, batch first. */
  readonly outputDims: readonly number[];
}

/** The name of the gradient input and of each gradient output. */
export const VJP = { dy: 'dy', output: 'output', grad: (name: string) => `${name}.grad`, mask: (layer: string) => `${layer}.mask` } as const;

/** Compiles the vector-Jacobian product of a document's network (training-mode forward). */
export function compileVjp(doc: ResidualDocument, opts: Pick<TrainingOptions, 'batch' | 'opset' | 'weights' | 'seed' | 'target'> = {}): VjpResult {
  const batch = opts.batch ?? 2;
  const lowered = lowerTraining(doc, opts, batch, true);
  const none = { params: [], buffers: [], outputDims: [] };
  if (!lowered.model) return { diagnostics: lowered.diagnostics, ...none };
  const m0 = lowered.model;
  const outShape = m0.tape.find((e) => e.output === m0.logits)?.layer.outputShapes[0] ?? [];
  const outputDims = [batch, ...outShape];
  const g0 = m0.model.graph;
  const dyInput: IrValueInfo = { name: VJP.dy, elemType: DataType.FLOAT, dims: outputDims };
  const inputs = g0.inputs.filter((i) => i.name !== STEP.target && i.name !== STEP.lr);
  const seeded = { ...m0, gradLogits: VJP.dy, model: { ...m0.model, graph: { ...g0, inputs: [...inputs, dyInput] } } };
  const diff = autodiffPass({ wrtInput: true }).run(seeded);
  if (!diff.model || hasErrors(diff.diagnostics)) return { diagnostics: [...lowered.diagnostics, ...diff.diagnostics], ...none };
  const m = diff.model;
  const b = builderFor(m);
  const ctx = b.scope('vjp');
  const outputs: IrValueInfo[] = [{ name: VJP.output, elemType: DataType.FLOAT, dims: outputDims }];
  ctx.emit('Identity', [m.logits], [], { outputs: [b.claim(VJP.output)] });
  const params = m.state.filter((s) => s.role === 'param').map((s) => s.name);
  const buffers = m.state.filter((s) => s.role === 'buffer');
  for (const name of [STEP.input, ...params]) {
    const g = m.grads?.get(name);
    const dims = name === STEP.input ? g0.inputs[0]!.dims : m.state.find((s) => s.name === name)!.dims;
    outputs.push({ name: VJP.grad(name), elemType: DataType.FLOAT, dims });
    // A parameter the output does not depend on has gradient zero, as torch reports it (None → 0).
    ctx.emit('Identity', [g ?? op1(ctx, 'Mul', [name, ctx.float('zero', [], [0])])], [], { outputs: [b.claim(VJP.grad(name))] });
  }
  const updates = bufferUpdates(m);
  for (const s of buffers) {
    outputs.push({ name: nextName(s.name), elemType: DataType.FLOAT, dims: s.dims });
    ctx.emit('Identity', [updates.get(s.name) ?? s.name], [], { outputs: [b.claim(nextName(s.name))] });
  }
  // Dropout's and stochastic depth's masks (scaled by 1/(1 − p)), so a reference can use the same ones.
  for (const e of m.tape) {
    const mask = e.saved['mask'];
    if (!mask) continue;
    // Stochastic depth draws one value per sample: its mask is N×1×1×1.
    const perSample = e.layer.op === 'StochasticDepth';
    outputs.push({ name: VJP.mask(e.layer.name), elemType: DataType.FLOAT, dims: [batch, ...e.layer.inputShapes[0]!.map((d) => (perSample ? 1 : d))] });
    ctx.emit('Identity', [mask], [], { outputs: [b.claim(VJP.mask(e.layer.name))] });
  }
  const done = deadCodePass().run({ ...m, model: withAdded(m.model, b, { outputs }) });
  const model = done.model!.model;
  return { bytes: serializeModel(model), model, diagnostics: [...lowered.diagnostics, ...diff.diagnostics], params, buffers: buffers.map((s) => s.name), outputDims };
}
