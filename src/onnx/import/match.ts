/**
 * What the importer's per-op rules share: the layer an ONNX node becomes, the context a rule
 * reads, and helpers to read attributes, constants and windows. Each op's definition carries its
 * own import rule (`OpDef.import`, src/ops) built from these; this module imports nothing of the
 * registry, so ops can use it without a cycle.
 */
import { msg, renderMessage, type MessageRef } from '../../diagnostics/catalogue.ts';
import type { OpKind, ParamValue, Shape } from '../../graph/types.ts';
import { DataType, type IrAttribute, type IrNode, type IrTensor } from '../ir.ts';

/** A float tensor destined for the weight store. */
export interface ImportedTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A layer (or, after block recovery, a residual block) of the network being imported. */
export interface ImportLayer {
  readonly op: OpKind;
  readonly params: Record<string, ParamValue>;
  /** Names of the data tensors feeding input ports 0, 1, ... */
  readonly inputs: readonly string[];
  /** Name of the tensor this layer produces. */
  readonly output: string;
  /** Module path suggested by the file (`layer1.0.conv1`), or '' when it has none. */
  readonly hint: string;
  /** Weights by local name (`weight`, `running_mean`; for blocks `conv1.weight`). */
  readonly weights: ReadonlyMap<string, ImportedTensor>;
  /** ONNX node name(s), for messages. */
  readonly source: string;
}

/** What an op's import rule sees besides the node: the opset, constants so far and the data tensors' shapes. */
export interface ImportContext {
  readonly opset: number;
  readonly consts: Map<string, IrTensor>;
  /** Per-sample shapes of the data tensors mapped so far (undefined where unknown). */
  readonly shapes: Map<string, Shape | undefined>;
  /** True for a data tensor (one the network computes), false for a constant. */
  readonly isData: (name: string) => boolean;
}

/** What most import rules start from: a node whose first input is data, and how to build its layer. */
export interface DataNode {
  /** The node's first input, a data tensor. */
  readonly x: string;
  /** The layer of this node: input x, the node's output, its module path as the hint. */
  layer(op: OpKind, params?: Record<string, ParamValue>, weights?: Map<string, ImportedTensor>, hint?: string): ImportLayer;
  /** True when the node has exactly `k` inputs and all are data. */
  dataOnly(k: number): boolean;
}

/** The node as a {@link DataNode}, or undefined when its first input is a constant (or missing). */
export function dataNode(n: IrNode, ctx: ImportContext): DataNode | undefined {
  const x = n.inputs[0];
  if (!x || !ctx.isData(x)) return undefined;
  const base = { inputs: [x], output: n.outputs[0]!, hint: modulePath(n.name), source: label(n) };
  return {
    x,
    layer: (op, params = {}, weights = new Map(), hint = base.hint) => ({ ...base, op, params, weights, hint }),
    dataOnly: (k) => n.inputs.length === k && n.inputs.every((i) => ctx.isData(i)),
  };
}

/** How a message names an ONNX node: by its name, else by its op type. */
export const labelRef = (n: IrNode): MessageRef => (n.name ? msg('onnx-node-named', { name: n.name }) : msg('onnx-node-of-type', { opType: n.opType }));
/** A node's name for a layer's `source` (rendered in English). */
export const label = (n: IrNode): string => renderMessage(labelRef(n));

/** A node's attribute by name. */
export function attr(n: IrNode, name: string): IrAttribute | undefined {
  return n.attributes.find((a) => a.name === name);
}
/** An int attribute, `def` when absent, undefined when it has another type (the node stays opaque). */
export function intAttr(n: IrNode, name: string, def: number): number | undefined {
  const a = attr(n, name);
  if (!a) return def;
  return a.kind === 'int' ? a.value : undefined;
}
/** An ints attribute, `def` when absent, undefined when it has another type. */
export function intsAttr(n: IrNode, name: string, def: readonly number[] | undefined): readonly number[] | undefined {
  const a = attr(n, name);
  if (!a) return def;
  return a.kind === 'ints' ? a.value : undefined;
}
/** A float attribute, `def` when absent, undefined when it has another type. */
export function floatAttr(n: IrNode, name: string, def: number): number | undefined {
  const a = attr(n, name);
  if (!a) return def;
  return a.kind === 'float' ? a.value : undefined;
}
/** A string attribute, `def` when absent, undefined when it has another type. */
export function stringAttr(n: IrNode, name: string, def: string): string | undefined {
  const a = attr(n, name);
  if (!a) return def;
  return a.kind === 'string' ? a.value : undefined;
}

/** The shortest decimal that is the same float32 (so 9.999999747378752e-6 is saved as 0.00001). */
export function tidyFloat(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const t = Number(v.toPrecision(p));
    if (Math.fround(t) === f) return t;
  }
  return v;
}

/** True when every value is the first (a square, symmetric window). */
export const allEqual = (xs: readonly number[]) => xs.every((x) => x === xs[0]);

/** A constant FLOAT tensor, or undefined. */
export function floatConst(ctx: ImportContext, name: string | undefined): IrTensor | undefined {
  const t = name ? ctx.consts.get(name) : undefined;
  return t && t.dataType === DataType.FLOAT && t.data instanceof Float32Array ? t : undefined;
}

/** A constant [r, c] matrix transposed to [c, r] (ONNX's MatMul weight as torch's Linear weight). */
export function transpose(t: IrTensor): ImportedTensor {
  const [r, c] = t.dims as [number, number];
  const src = t.data as Float32Array;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j]!;
  return { dims: [c, r], data: out };
}

/** A constant FLOAT tensor as a weight, optionally with other dims (a [1, C] bias as [C]). */
export const asTensor = (t: IrTensor, dims: readonly number[] = t.dims): ImportedTensor => ({ dims, data: t.data as Float32Array });

/** Reads the square window of Conv/MaxPool/AveragePool; undefined when it is not square and symmetric. */
export function squareWindow(n: IrNode, kernelFromWeight?: readonly number[]): { kernel: number; stride: number; padding: number; dilation: number } | undefined {
  const ks = intsAttr(n, 'kernel_shape', kernelFromWeight);
  const strides = intsAttr(n, 'strides', [1, 1]);
  const dil = intsAttr(n, 'dilations', [1, 1]);
  const autoPad = stringAttr(n, 'auto_pad', 'NOTSET');
  const pads = intsAttr(n, 'pads', [0, 0, 0, 0]);
  if (!ks || !strides || !dil || !pads || ks.length !== 2 || strides.length !== 2 || dil.length !== 2 || pads.length !== 4) return undefined;
  if (kernelFromWeight && (ks[0] !== kernelFromWeight[0] || ks[1] !== kernelFromWeight[1])) return undefined;
  if (!allEqual(ks) || !allEqual(strides) || !allEqual(dil) || !allEqual(pads)) return undefined;
  if (autoPad !== 'NOTSET' && !(autoPad === 'VALID' && pads[0] === 0)) return undefined;
  return { kernel: ks[0]!, stride: strides[0]!, padding: pads[0]!, dilation: dil[0]! };
}

/**
 * The module path PyTorch encodes in a node name: `/layer2/layer2.0/downsample/downsample.0/Conv`
 * → `layer2.0.downsample.0`. Scopes repeat their parent's prefix, which is dropped.
 */
export function modulePath(nodeName: string): string {
  const segs = nodeName.split('/').filter(Boolean);
  if (segs.length < 2 || !nodeName.startsWith('/')) return '';
  let path = '';
  let last = '';
  for (const s of segs.slice(0, -1)) {
    if (last && s.startsWith(`${last}.`)) path += s.slice(last.length);
    else path = path ? `${path}.${s}` : s;
    last = s;
  }
  return path;
}

/** `layer1.0.conv1.weight` → `layer1.0.conv1`; torch's anonymous `onnx::Conv_123` gives nothing. */
export function weightHint(name: string): string | undefined {
  if (name.includes('::') || !/\.weight$/.test(name)) return undefined;
  return name.slice(0, -'.weight'.length);
}
