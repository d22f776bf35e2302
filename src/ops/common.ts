import { diag, fixLabel, msg, type Diagnostic } from '../diagnostics/catalogue.ts';
import type { GraphNode, Params, Shape } from '../graph/types.ts';
import type { IrAttribute } from '../onnx/ir.ts';
import type { Cost, InferResult, ParamSpec } from './types.ts';

/** Reads an integer param (defaults are filled before ops see params). */
export const int = (p: Params, k: string): number => Number(p[k] ?? 0);
/** Reads a boolean param. */
export const bool = (p: Params, k: string): boolean => p[k] === true;
/** Reads a string param. */
export const str = (p: Params, k: string): string => String(p[k] ?? '');

/** Product of a shape's dims (1 for a scalar). */
export const numel = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/**
 * The shape of a tensor the editor cannot know: the output of an op kept as in an imported file
 * whose shape neither the editor nor ONNX's rules could work out, and what follows it. No editor
 * op has a rank-0 per-sample output, so the empty shape is free to mean this.
 */
export const UNKNOWN_SHAPE: Shape = Object.freeze([]) as Shape;

/** True for {@link UNKNOWN_SHAPE} (any empty shape). */
export const isUnknownShape = (s: Shape): boolean => s.length === 0;

/** Formats a shape with its symbolic batch: `N×64×56×56`; an unknown shape is `?`. */
export const fmtShape = (s: Shape): string => (isUnknownShape(s) ? '?' : ['N', ...s].join('×'));

/** A zero cost. */
export const NO_COST: Cost = { params: 0, macs: 0, otherOps: 0 };

/** An ONNX int attribute. */
export const aInt = (name: string, value: number): IrAttribute => ({ name, kind: 'int', value });
/** An ONNX ints attribute. */
export const aInts = (name: string, value: readonly number[]): IrAttribute => ({ name, kind: 'ints', value });
/** An ONNX float attribute. */
export const aFloat = (name: string, value: number): IrAttribute => ({ name, kind: 'float', value });

/** Common param specs. */
export const P = {
  kernel: (d: number): ParamSpec => ({ name: 'kernel', type: 'int', default: d, min: 1, max: 31 }),
  stride: (d: number): ParamSpec => ({ name: 'stride', type: 'int', default: d, min: 1, max: 16 }),
  padding: (d: number): ParamSpec => ({ name: 'padding', type: 'int', default: d, min: 0, max: 31 }),
  channels: (name: string, d: number): ParamSpec => ({ name, type: 'int', default: d, min: 1, max: 65536 }),
} as const;

/** Fails a shape rule with one diagnostic. */
export const fail = (d: Diagnostic): InferResult => ({ diagnostics: [d] });

/** Checks an input is a feature map `[C,H,W]`. */
export function needMap(node: GraphNode, s: Shape | undefined, port = 0): Diagnostic | undefined {
  if (s && s.length === 3) return undefined;
  return diag('RS203', msg('needs-feature-map', { node: node.name, port, shape: s ? fmtShape(s) : msg('shape-nothing') }), { nodeId: node.id, port });
}

/**
 * Output size of a sliding window along one axis, as PyTorch and ONNX compute it
 * (floor mode): `floor((n + 2p - d(k-1) - 1) / s) + 1`.
 */
export function windowOut(n: number, k: number, s: number, p: number, d = 1, ceil = false): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  const q = ceil ? Math.ceil(span / s) : Math.floor(span / s);
  let out = q + 1;
  // PyTorch's ceil_mode rule: the last window must start inside the input or left padding.
  if (ceil && (out - 1) * s >= n + p) out -= 1;
  return out;
}

/** Shared shape rule of sliding-window ops (conv, pools): checks the window fits and sizes are positive. */
export function windowShape(node: GraphNode, input: Shape, outC: number, k: number, s: number, p: number, d = 1, ceil = false): InferResult {
  const [, h, w] = input as [number, number, number];
  const eff = d * (k - 1) + 1;
  const fitK = Math.max(1, Math.floor((Math.min(h, w) + 2 * p - 1) / d) + 1);
  if (eff > h + 2 * p || eff > w + 2 * p) {
    return fail(
      diag('RS204', d > 1 ? msg('kernel-too-large-dilated', { node: node.name, kernel: k, dilated: eff, h: h + 2 * p, w: w + 2 * p }) : msg('kernel-too-large', { node: node.name, kernel: k, h: h + 2 * p, w: w + 2 * p }), {
        nodeId: node.id,
        field: 'kernel',
        fix: { kind: 'set-params', ...fixLabel(msg('fix-use-kernel', { kernel: fitK })), nodeId: node.id, params: { kernel: fitK } },
      }),
    );
  }
  const oh = windowOut(h, k, s, p, d, ceil);
  const ow = windowOut(w, k, s, p, d, ceil);
  if (oh <= 0 || ow <= 0) return fail(diag('RS207', msg('output-not-positive', { node: node.name, h: oh, w: ow }), { nodeId: node.id }));
  return { outputs: [[outC, oh, ow]] };
}
