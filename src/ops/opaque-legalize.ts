/**
 * Moves the attributes of ops kept from an older-opset file to the inputs their newer versions
 * take. An imported file of opset 11 is exported at 13 or later (the lowest the compiler writes),
 * and an op kept as in the file must still be valid there: Unsqueeze's `axes` became an input at
 * 13, Pad's `pads` at 11, and so on (onnx.ai/onnx/operators, each op's changelog). Only these
 * changes of form are made; an op whose meaning changed is left as it was.
 */
import type { IrAttribute } from '../onnx/ir.ts';
import type { LowerContext } from './types.ts';

/** One attribute that became an input: at which opset, its input slot, and its element type. */
interface Move {
  readonly attr: string;
  readonly slot: number;
  readonly type: 'int64' | 'float';
  /** The value that needs no input at all (Pad's 0): then none is written. */
  readonly omitIf?: number;
}

const RULES: Readonly<Record<string, { readonly since: number; readonly moves: readonly Move[] }>> = {
  Unsqueeze: { since: 13, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  Squeeze: { since: 13, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceSum: { since: 13, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceMean: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceMax: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceMin: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceProd: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceL1: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceL2: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceLogSumExp: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  ReduceSumSquare: { since: 18, moves: [{ attr: 'axes', slot: 1, type: 'int64' }] },
  Split: { since: 13, moves: [{ attr: 'split', slot: 1, type: 'int64' }] },
  Pad: { since: 11, moves: [{ attr: 'pads', slot: 1, type: 'int64' }, { attr: 'value', slot: 2, type: 'float', omitIf: 0 }] },
  Slice: { since: 10, moves: [{ attr: 'starts', slot: 1, type: 'int64' }, { attr: 'ends', slot: 2, type: 'int64' }, { attr: 'axes', slot: 3, type: 'int64' }] },
  Clip: { since: 11, moves: [{ attr: 'min', slot: 1, type: 'float' }, { attr: 'max', slot: 2, type: 'float' }] },
};

/**
 * The attributes and inputs of an op from a file of `fromOpset`, legal at `ctx.opset`: each
 * attribute that became an input is emitted as a constant in its slot. Other ops are unchanged.
 */
export function legalizeOpaque(ctx: LowerContext, opType: string, fromOpset: number | undefined, attributes: readonly IrAttribute[], inputs: readonly string[]): { attributes: readonly IrAttribute[]; inputs: readonly string[] } {
  const rule = RULES[opType];
  if (!rule || fromOpset === undefined || fromOpset >= rule.since || ctx.opset < rule.since) return { attributes, inputs };
  const ins = [...inputs];
  let attrs = [...attributes];
  for (const m of rule.moves) {
    const a = attrs.find((x) => x.name === m.attr);
    if (!a) continue;
    attrs = attrs.filter((x) => x !== a);
    const values = a.kind === 'ints' || a.kind === 'floats' ? a.value : a.kind === 'int' || a.kind === 'float' ? [a.value] : undefined;
    if (!values || (m.omitIf !== undefined && values.length === 1 && values[0] === m.omitIf)) continue;
    const name = m.type === 'int64' ? ctx.int64(`${opType.toLowerCase()}_${m.attr}`, values) : ctx.float(`${opType.toLowerCase()}_${m.attr}`, a.kind === 'float' ? [] : [values.length], values);
    while (ins.length < m.slot) ins.push('');
    ins[m.slot] = name;
  }
  // Trailing omitted inputs are dropped, as ONNX writes them.
  while (ins.length > 0 && ins[ins.length - 1] === '') ins.pop();
  return { attributes: attrs, inputs: ins };
}
