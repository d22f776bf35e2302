/**
 * The training compiler: a document becomes one ONNX graph that performs a whole training step —
 * forward in training mode, cross-entropy loss, reverse-mode gradients, optimiser update — in
 * standard ONNX ops of the default domain only, so any inference runtime (onnxruntime-web on WASM
 * or WebGPU, onnxruntime-node) trains the network by running it as an inference session.
 *
 * A pipeline of named, timed passes: lower (training mode) → loss → autodiff → optimiser → dce.
 */
import { diag, hasErrors, msg, type Diagnostic } from '../diagnostics/catalogue.ts';
import type { ResidualDocument } from '../graph/types.ts';
import type { TrainingTarget } from '../ops/types.ts';
import { fmtShape } from '../ops/common.ts';
import { lowerToIr, type TapeEntry } from '../onnx/compile.ts';
import { DataType, tensorData, type IrModel, type IrValueInfo } from '../onnx/ir.ts';
import { runPasses, type Pass } from '../onnx/passes/pipeline.ts';
import { serializeModel } from '../onnx/serialize.ts';
import { analyze } from '../shape/analyze.ts';
import { lossPass } from './passes/loss.ts';
import { autodiffPass } from './passes/autodiff.ts';
import { optimizerPass } from './passes/optimizer.ts';
import { deadCodePass } from './passes/dce.ts';
import { DEFAULT_SGD, STEP, type OptimizerOptions, type OwnedStateTensor, type TrainingOptions, type TrainingResult } from './options.ts';

/** The step graph between passes: the IR model and what the passes tell each other. */
export interface StepModel {
  readonly model: IrModel;
  readonly tape: readonly TapeEntry[];
  /** The logits tensor (the network's output) and its number of classes. */
  readonly logits: string;
  readonly classes: number;
  readonly batch: number;
  readonly target: TrainingTarget;
  /** dLoss/dLogits, once the loss pass ran. */
  readonly gradLogits?: string;
  /** dLoss/dParam by parameter name, once autodiff ran (trainable parameters only). */
  readonly grads?: ReadonlyMap<string, string>;
  /** Every state tensor (params, buffers, optimiser state) in input order. */
  readonly state: readonly OwnedStateTensor[];
  /** Names of parameters that must stay fixed. */
  readonly frozen: ReadonlySet<string>;
}

/** One pass of the training pipeline. */
export type StepPass = Pass<StepModel>;

/**
 * Compiles a document into one training step.
 *
 * @example
 * const { bytes, state } = compileTraining(buildTemplate('fashion-resnet')!, { batch: 64 });
 * // run `bytes` with { input, target, lr }; feed each `<name>.next` back as `<name>`.
 */
export function compileTraining(doc: ResidualDocument, opts: TrainingOptions = {}): TrainingResult {
  const timings: { pass: string; ms: number }[] = [];
  const bad = checkOptions(opts);
  if (bad.length) return { state: [], diagnostics: bad, timings, initialState: none };
  const batch = opts.batch ?? 64;
  const optimizer = opts.optimizer ?? DEFAULT_SGD;
  const diagnostics: Diagnostic[] = [];

  let t = performance.now();
  const lowered = lowerTraining(doc, opts, batch);
  timings.push({ pass: 'lower', ms: performance.now() - t });
  diagnostics.push(...lowered.diagnostics);
  if (!lowered.model) return { state: [], diagnostics, timings, initialState: none };

  const passes: StepPass[] = [lossPass(opts.labelSmoothing ?? 0), autodiffPass(), optimizerPass(optimizer, opts.optimizerState), deadCodePass()];
  const done = runPasses(lowered.model, passes, timings);
  diagnostics.push(...done.diagnostics);
  if (!done.model) return { state: [], diagnostics, timings, initialState: none };
  const m = done.model;
  // The state's start values: initializers of the inputs (ONNX's defaults), or handed to the
  // caller when its runtime cannot override an initializer (onnxruntime's JS APIs cannot).
  const names = new Set(m.state.map((s) => s.name));
  const g = m.model.graph;
  const startOf = () => new Map(g.initializers.filter((i) => names.has(i.name)).map((i) => [i.name, tensorData(i) as Float32Array]));
  const model = opts.stateInitializers === false ? { ...m.model, graph: { ...g, initializers: g.initializers.filter((i) => !names.has(i.name)) } } : m.model;
  t = performance.now();
  const bytes = serializeModel(model);
  timings.push({ pass: 'serialize', ms: performance.now() - t });
  let start: ReadonlyMap<string, Float32Array> | undefined;
  return { bytes, model, state: m.state, classes: m.classes, diagnostics, timings, initialState: () => (start ??= startOf()) };
}

function checkOptions(opts: TrainingOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const bad = (option: string, problem: string) => out.push(diag('RS704', msg('train-option', { option, problem }), { field: option }));
  const b = opts.batch;
  if (b !== undefined && (!Number.isInteger(b) || b < 1 || b > 65536)) bad('batch', `must be a whole number from 1 to 65536, got ${b}`);
  const ls = opts.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls < 1)) bad('label-smoothing', `must be in [0, 1), got ${ls}`);
  const o: OptimizerOptions | undefined = opts.optimizer;
  if (o) {
    if (!(o.lr >= 0) || !Number.isFinite(o.lr)) bad('lr', `must be a finite number ≥ 0, got ${o.lr}`);
    if (!(o.weightDecay >= 0)) bad('weight-decay', `must be ≥ 0, got ${o.weightDecay}`);
    if (o.kind === 'sgd') {
      if (!(o.momentum >= 0 && o.momentum < 1)) bad('momentum', `must be in [0, 1), got ${o.momentum}`);
      if (o.nesterov && o.momentum === 0) bad('nesterov', 'needs a momentum above 0 (as torch.optim.SGD requires)');
    } else {
      const [b1, b2] = o.betas;
      if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) bad('betas', `must each be in [0, 1), got ${b1},${b2}`);
      if (!(o.eps > 0)) bad('eps', `must be > 0, got ${o.eps}`);
    }
  }
  return out;
}

/**
 * Pass 1: the network lowered in training mode, with the step's inputs and its state declared.
 * `anyOutput` (gradient checks) accepts an output of any shape; a training step needs class scores.
 */
export function lowerTraining(doc: ResidualDocument, opts: TrainingOptions, batch: number, anyOutput = false): { model?: StepModel; diagnostics: Diagnostic[] } {
  const analysis = analyze(doc);
  const outs = analysis.outputs;
  if (!hasErrors(analysis.diagnostics) && outs.length !== 1) {
    return { diagnostics: [...analysis.diagnostics, diag('RS702', msg('train-output-count', { outputs: outs.length }))] };
  }
  const out = outs[0];
  if (out && out.shape.length !== 1 && !anyOutput) {
    const name = doc.nodes.find((n) => n.id === out.node)?.name ?? 'output';
    return { diagnostics: [...analysis.diagnostics, diag('RS702', msg('train-output-shape', { output: name, shape: fmtShape(out.shape) }), { nodeId: out.node })] };
  }
  const r = lowerToIr(
    { ...doc, input: { ...doc.input, symbolic: {} } },
    { analysis, mode: 'training', batch, ...(opts.opset !== undefined ? { opset: opts.opset } : {}), ...(opts.weights ? { weights: opts.weights } : {}), deferWeights: true, dropoutSeed: opts.seed ?? doc.seed },
  );
  if (!r.model || !r.tape) return { diagnostics: r.diagnostics };
  const g = r.model.graph;
  const frozenNodes = new Set(doc.nodes.filter((n) => n.frozen).map((n) => n.id));
  const state: OwnedStateTensor[] = [];
  const seen = new Set<string>();
  const frozen = new Set<string>();
  const buffers: OwnedStateTensor[] = [];
  for (const e of r.tape) {
    const isFrozen = frozenNodes.has(e.layer.docNode) || frozenNodes.has(e.layer.id);
    for (const w of Object.values(e.weights)) {
      if (seen.has(w.name)) continue;
      seen.add(w.name);
      if (w.role === 'buffer') buffers.push({ name: w.name, dims: w.dims, role: 'buffer', owner: e.layer.owner });
      else {
        state.push({ name: w.name, dims: w.dims, role: isFrozen ? 'frozen' : 'param', owner: e.layer.owner });
        if (isFrozen) frozen.add(w.name);
      }
    }
  }
  state.push(...buffers);
  const diagnostics = [...r.diagnostics];
  if (!state.some((s) => s.role === 'param')) diagnostics.push(diag('RS703', msg('train-nothing')));
  const inputs: IrValueInfo[] = [
    { ...g.inputs[0]!, name: STEP.input, dims: [batch, doc.input.channels, doc.input.height, doc.input.width] },
    { name: STEP.target, elemType: DataType.INT64, dims: [batch] },
    { name: STEP.lr, elemType: DataType.FLOAT, dims: [] },
    ...state.map((s) => ({ name: s.name, elemType: DataType.FLOAT, dims: s.dims })),
  ];
  const inputName = g.inputs[0]!.name;
  // The graph input is always `input` in a step file, whatever the imported file called it.
  const logitsNode = g.nodes.find((n) => n.outputs.includes(g.outputs[0]!.name))!;
  // The network's output node (an Identity to the file's output name) goes: the loss pass names `logits`.
  const kept = g.nodes.filter((n) => n !== logitsNode);
  const nodes = inputName === STEP.input ? kept : kept.map((n) => ({ ...n, inputs: n.inputs.map((i) => (i === inputName ? STEP.input : i)) }));
  const model: IrModel = { ...r.model, graph: { ...g, inputs, nodes, outputs: [] } };
  return {
    model: { model, tape: r.tape, logits: logitsNode.inputs[0]!, classes: out!.shape[0]!, batch, target: opts.target ?? 'any', state, frozen },
    diagnostics,
  };
}

const none = (): ReadonlyMap<string, Float32Array> => new Map();
