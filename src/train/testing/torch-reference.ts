/**
 * Test support: PyTorch's answer for a training step, to hold the step file against.
 *
 * {@link torchReference} writes each case's starting state and data as safetensors files plus one
 * manifest, runs `scripts/py/train_reference.py` once for all of them (importing torch takes
 * seconds) and reads back what torch computed: K optimiser steps (`mode: 'train'`) or one
 * forward and `output.backward(dy)` (`mode: 'vjp'`). The model is either a torch module by
 * architecture name (`residual_models.build_model`) or the document's own flat layer list
 * ({@link layersJson}) run with `torch.nn.functional`, so any document has a reference.
 * The script's docstring is the manifest's full description.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParamValue, ResidualDocument } from '../../graph/types.ts';
import { layerState } from '../../export/pytorch/layers.ts';
import { lowerToIr } from '../../onnx/compile.ts';
import { analyze, layerTensor, type FlatLayer } from '../../shape/analyze.ts';
import type { WeightStore } from '../../weights/types.ts';
import type { OptimizerOptions } from '../options.ts';

/** One tensor as the reference reads and writes it: float32, or int64 (`target`). */
export interface RefTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** Tensors by name (a `WeightStore` is one). */
export type RefTensors = ReadonlyMap<string, RefTensor>;

/** One layer of the flat list the reference interprets: what `scripts/py/layer_list.py` reads. */
export interface LayerJson {
  readonly name: string;
  readonly op: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Producers' output tensors: layer names, or `input` for the graph input. */
  readonly inputs: readonly string[];
}

/** The torch model of a case: a module by architecture name, or a document's layer list. */
export type TorchModel = { readonly arch: string; readonly numClasses?: number } | { readonly layers: readonly LayerJson[] };

/** One case of {@link torchReference}. */
export interface TorchCase {
  /** Shown in the script's messages. */
  readonly name?: string;
  readonly model: TorchModel;
  /**
   * The starting value of every parameter and buffer by state_dict name (strict: all present with
   * their shapes, nothing else), plus optional optimiser state (`<p>.momentum_buffer`,
   * `<p>.exp_avg`, `<p>.exp_avg_sq`, `step`).
   */
  readonly state: RefTensors;
  /**
   * train: `input` [K,N,C,H,W], `target` [K,N] (int64, or float holding integers), optional `lr` [K]
   * (a learning rate per step, overriding the optimiser's), `<dropout layer>.mask` [K,N,...] keep
   * masks (0/1; y = x·mask/(1-p)). vjp: `input` [N,C,H,W], `dy` shaped as the output, masks [N,...].
   */
  readonly data: RefTensors;
  /** Default 'train'. */
  readonly mode?: 'train' | 'vjp' | 'signals';
  /** Required for train. */
  readonly optimizer?: OptimizerOptions;
  readonly labelSmoothing?: number;
  /** Parameters that must not change: requires_grad False, not in the optimiser. */
  readonly frozen?: readonly string[];
  /** float32 (default, as our step file computes) or float64: the exact answer both float32 implementations are measured against. */
  readonly dtype?: 'float32' | 'float64';
}

/** Where the script lives, from this file. */
export const TRAIN_REFERENCE_SCRIPT = fileURLToPath(new URL('../../../scripts/py/train_reference.py', import.meta.url));
/** Debian's Python, the one with torch 1.13 (a pyenv `python3` earlier on PATH lacks it). */
export const PYTHON = '/usr/bin/python3';

/**
 * The document's flat layer list for the reference: `analyze(doc).layers` with each layer's
 * output named by `layerTensor` and its inputs by their producers' names. The Input layer is left
 * out (its tensor is `input`); the Output layers come last, in the order of the model's outputs,
 * so the first of them marks `logits` as the compiler does. Throws when the document does not
 * analyse cleanly: a test case that cannot compile is a bug in the test.
 *
 * @example
 * ```ts
 * const model = { layers: layersJson(buildTemplate('tiny-resnet')!) };
 * ```
 */
export function layersJson(doc: ResidualDocument): LayerJson[] {
  const a = analyze(doc);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`layersJson: the document has errors: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const byId = new Map(a.layers.map((l) => [l.id, l]));
  const json = (l: FlatLayer): LayerJson => ({
    name: layerTensor(l),
    op: l.op,
    params: l.params,
    inputs: l.inputs.map((r) => {
      const producer = byId.get(r.layer);
      if (!producer || r.port !== 0) throw new Error(`layersJson: ${l.name} reads output ${r.port} of ${producer?.name ?? r.layer}; the reference knows one output per layer`);
      return layerTensor(producer);
    }),
  });
  // An Output layer has the id of its Output node; nothing reads it, so moving it last is safe.
  const outputs = a.outputs.map((o) => byId.get(o.node)!);
  return [...a.layers.filter((l) => l.op !== 'Input' && l.op !== 'Output'), ...outputs].map(json);
}

/**
 * Every parameter and buffer of the document by state_dict name, as the compiler would start
 * them: `weights` where they apply (its owner and shape rules), fresh from the document's seed
 * elsewhere. Constants a lowering adds (Clip's bounds, Dropout's ratio) are not state and are left
 * out.
 */
export function docState(doc: ResidualDocument, weights?: WeightStore): Map<string, RefTensor> {
  const { model, diagnostics } = lowerToIr(doc, { deferWeights: false, ...(weights ? { weights } : {}) });
  if (!model) throw new Error(`docState: the document does not compile: ${diagnostics.map((d) => d.code).join(', ')}`);
  // The state_dict names each op's PyTorch form declares: the same names its lowering gives its weights.
  const wanted = new Set(analyze(doc).layers.flatMap((l) => layerState(l.op, l.name, { params: l.params, inputShapes: l.inputShapes }).map(([name]) => name)));
  const out = new Map<string, RefTensor>();
  for (const t of model.graph.initializers) {
    if (wanted.has(t.name) && t.data instanceof Float32Array) out.set(t.name, { dims: [...t.dims], data: t.data });
  }
  return out;
}

/** Options of {@link torchReference}. */
export interface TorchReferenceOptions {
  /** Milliseconds the script may take; default 10 minutes. */
  readonly timeoutMs?: number;
}

/**
 * Runs every case in one invocation of `scripts/py/train_reference.py` and returns each case's
 * outputs, in the order of `cases`. train: `loss` [K], `logits` [K,N,classes], `correct` [K]
 * (float32 counts), and after the K steps `<name>.next` for every parameter and buffer,
 * `<p>.momentum_buffer.next` (SGD with momentum), `<p>.exp_avg.next`, `<p>.exp_avg_sq.next` and
 * `step.next` (AdamW, 0-d). vjp: `output`, `input.grad`, `<p>.grad` for every trainable parameter
 * and `<buffer>.next`. Throws with the script's stderr when it fails (a bad case says which and why).
 * The temporary folder is removed afterwards unless `RS_KEEP_TRAIN_REF` is set in the environment.
 *
 * @example
 * ```ts
 * const [out] = torchReference([{ model: { arch: 'fashion-resnet' }, state, data, optimizer: DEFAULT_SGD }]);
 * out.get('loss')!.data; // Float32Array of K losses
 * ```
 */
export function torchReference(cases: readonly TorchCase[], opts: TorchReferenceOptions = {}): Map<string, RefTensor>[] {
  const dir = mkdtempSync(join(tmpdir(), 'rs-train-ref-'));
  const manifest = cases.map((c, i) => {
    const state = join(dir, `${i}.state.safetensors`);
    const data = join(dir, `${i}.data.safetensors`);
    writeFileSync(state, encodeTensors(c.state));
    writeFileSync(data, encodeTensors(c.data));
    const model = 'arch' in c.model ? { arch: c.model.arch, ...(c.model.numClasses !== undefined ? { num_classes: c.model.numClasses } : {}) } : { layers: c.model.layers };
    return {
      name: c.name ?? `case ${i}`,
      model,
      state,
      data,
      mode: c.mode ?? 'train',
      ...(c.optimizer ? { optimizer: optimizerJson(c.optimizer) } : {}),
      label_smoothing: c.labelSmoothing ?? 0,
      frozen: c.frozen ?? [],
      dtype: c.dtype ?? 'float32',
      out: join(dir, `${i}.out.safetensors`),
    };
  });
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify({ cases: manifest }));
  const keep = process.env['RS_KEEP_TRAIN_REF'] !== undefined;
  try {
    execFileSync(PYTHON, [TRAIN_REFERENCE_SCRIPT, '--manifest', manifestPath], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 600_000,
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; stdout?: string; message: string };
    const where = keep ? `inputs kept in ${dir}` : 'set RS_KEEP_TRAIN_REF=1 to keep the inputs';
    throw new Error(`train_reference.py failed (${where}):\n${e.stderr || e.stdout || e.message}`, { cause: err });
  }
  const results = manifest.map((m) => decodeTensors(new Uint8Array(readFileSync(m.out))));
  if (!keep) rmSync(dir, { recursive: true, force: true });
  return results;
}

/** The optimiser as the manifest spells it (torch's argument names). */
function optimizerJson(o: OptimizerOptions): Record<string, unknown> {
  return o.kind === 'sgd'
    ? { kind: 'sgd', lr: o.lr, momentum: o.momentum, nesterov: o.nesterov, weight_decay: o.weightDecay }
    : { kind: 'adamw', lr: o.lr, betas: [...o.betas], eps: o.eps, weight_decay: o.weightDecay };
}

/**
 * How far our update of a tensor is from torch's, relative to the size of torch's update:
 * max|Δours − Δtorch| / max|Δtorch| with Δ = after − before. Comparing the change rather than the
 * values keeps a small update from hiding in the weight's own size. 0 when neither changed;
 * Infinity when only ours did (or the lengths differ).
 */
export function compareChange(before: ArrayLike<number>, oursAfter: ArrayLike<number>, torchAfter: ArrayLike<number>): number {
  if (before.length !== oursAfter.length || before.length !== torchAfter.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < before.length; i++) {
    const dt = torchAfter[i]! - before[i]!;
    num = Math.max(num, Math.abs(oursAfter[i]! - before[i]! - dt));
    den = Math.max(den, Math.abs(dt));
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return num / den;
}

/**
 * Encodes tensors as safetensors (F32, or I64 for a BigInt64Array), names sorted. The weights
 * module's `encodeSafetensors` writes float32 only, and the reference needs int64 targets.
 */
export function encodeTensors(tensors: RefTensors): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new RangeError(`encodeTensors: '${name}' has ${t.data.length} elements for dims [${t.dims.join(', ')}]`);
    header[name] = { dtype: t.data instanceof BigInt64Array ? 'I64' : 'F32', shape: [...t.dims], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

/** Decodes what the script writes (F32 and I64 tensors) into fresh, aligned arrays. */
export function decodeTensors(bytes: Uint8Array): Map<string, RefTensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + size;
  const out = new Map<string, RefTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets;
    const raw = bytes.slice(base + begin, base + end);
    if (info.dtype === 'F32') out.set(name, { dims: info.shape, data: new Float32Array(raw.buffer, 0, raw.length / 4) });
    else if (info.dtype === 'I64') out.set(name, { dims: info.shape, data: new BigInt64Array(raw.buffer, 0, raw.length / 8) });
    else throw new Error(`decodeTensors: '${name}' is ${info.dtype}; the reference writes F32 and I64`);
  }
  return out;
}
