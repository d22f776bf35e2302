/**
 * Opset-aware building blocks that lowerings and gradient rules share: the few ops whose inputs
 * moved from attributes to tensors between opsets 13 and 18 (ReduceMean's axes, for one).
 */
import { aInt, aInts } from './common.ts';
import type { LowerContext } from './types.ts';

/** The part of a lowering or gradient context these helpers need. */
export type Emitter = Pick<LowerContext, 'opset' | 'emit' | 'int64' | 'float'>;

type Reduce = 'ReduceSum' | 'ReduceMean' | 'ReduceMax';

/** A reduction over `axes`; ReduceSum takes its axes as an input from opset 13, the others from 18. */
export function reduce(ctx: Emitter, op: Reduce, x: string, axes: readonly number[], keepdims: boolean): string {
  const asInput = op === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
  const keep = aInt('keepdims', keepdims ? 1 : 0);
  if (asInput) return ctx.emit(op, [x, ctx.int64(`axes_${axes.join('_')}`, axes)], [keep])[0]!;
  return ctx.emit(op, [x], [aInts('axes', axes), keep])[0]!;
}

/** Unsqueeze (axes as an input from opset 13, which is the lowest we emit). */
export const unsqueeze = (ctx: Emitter, x: string, axes: readonly number[]): string => ctx.emit('Unsqueeze', [x, ctx.int64(`axes_${axes.join('_')}`, axes)])[0]!;

/** Reshape to fixed dims (`-1` once at most, `0` copies). */
export const reshape = (ctx: Emitter, x: string, dims: readonly number[]): string => ctx.emit('Reshape', [x, ctx.int64(`shape_${dims.join('_').replace(/-/g, 'm')}`, dims)])[0]!;

/** A float scalar constant. */
export const scalar = (ctx: Emitter, v: number): string => ctx.float(`c_${String(v).replace(/-/g, 'm').replace(/\+/g, 'p').replace(/\./g, '_')}`, [], [v]);

/** A node with one output. */
export const op1 = (ctx: Emitter, opType: string, inputs: readonly string[], attributes: Parameters<Emitter['emit']>[2] = []): string => ctx.emit(opType, inputs, attributes)[0]!;

/** Transpose with a permutation. */
export const transpose = (ctx: Emitter, x: string, perm: readonly number[]): string => op1(ctx, 'Transpose', [x], [aInts('perm', perm)]);

/** Slice along `axes` from `starts` to `ends` with `steps`. */
export const slice = (ctx: Emitter, x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string => {
  const key = `${starts.join('_')}__${ends.join('_')}__${axes.join('_')}`;
  const ins = [x, ctx.int64(`starts_${key}`, starts), ctx.int64(`ends_${key}`, ends), ctx.int64(`axes_${axes.join('_')}`, axes)];
  if (steps) ins.push(ctx.int64(`steps_${steps.join('_')}`, steps));
  return op1(ctx, 'Slice', ins);
};

/** Constant-mode Pad with `pads` (ONNX order: all begins, then all ends), optionally with a fill value. */
export const pad = (ctx: Emitter, x: string, pads: readonly number[], value?: number): string => {
  const ins = [x, ctx.int64(`pads_${pads.join('_')}`, pads)];
  if (value !== undefined) ins.push(ctx.float(`pad_value_${value === -Infinity ? 'neg_inf' : String(value)}`, [], [value]));
  return op1(ctx, 'Pad', ins, [{ name: 'mode', kind: 'string', value: 'constant' }]);
};

/**
 * Concat along `axis`, at most {@link CONCAT_FAN_IN} inputs a node (a tree of Concats for more):
 * onnxruntime-web's WebGPU EP gives zeros for a Concat of 8 or more inputs (seen on SwiftShader:
 * 7 inputs and the output are the 8 storage buffers a shader may bind by WebGPU's default limits).
 */
export function concatAll(ctx: Emitter, parts: readonly string[], axis: number): string {
  if (parts.length === 1) return parts[0]!;
  let level = [...parts];
  while (level.length > CONCAT_FAN_IN) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += CONCAT_FAN_IN) {
      const group = level.slice(i, i + CONCAT_FAN_IN);
      next.push(group.length === 1 ? group[0]! : op1(ctx, 'Concat', group, [aInt('axis', axis)]));
    }
    level = next;
  }
  return op1(ctx, 'Concat', level, [aInt('axis', axis)]);
}
/** Most inputs of one Concat node that {@link concatAll} emits. */
export const CONCAT_FAN_IN = 7;
