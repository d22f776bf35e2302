import { diag, msg } from '../diagnostics/catalogue.ts';
import type { IrAttribute, IrTensor } from '../onnx/ir.ts';
import { UNKNOWN_SHAPE } from './common.ts';
import { legalizeOpaque } from './opaque-legalize.ts';
import type { OpDef } from './types.ts';

/**
 * An imported ONNX op Residual Studio does not model. It carries the original op type, domain,
 * attributes and constant inputs (as base64 of their protobuf encoding, in `payload`) so export
 * re-emits it unchanged. Its output shape is whatever the importer could infer (`outputShape`),
 * or unknown, in which case downstream shapes are unknown too.
 */
export const opaque: OpDef = {
  kind: 'Opaque',
  category: 'other',
  summary: 'An ONNX op kept as it was imported (not editable).',
  labels: { en: 'Opaque op', 'zh-CN': '未建模算子' },
  // No `pytorch` form: PyTorch has no module that is "whatever the file said" (model.py export refuses it).
  params: [
    { name: 'opType', type: 'string', default: '' },
    { name: 'domain', type: 'string', default: '' },
    { name: 'inputs', type: 'int', default: 1, min: 0, max: 64 },
    { name: 'outputShape', type: 'string', default: '' },
    { name: 'payload', type: 'string', default: '' },
    // Elements of the float constants it carries (a kept MatMul's weight), counted as its parameters.
    { name: 'weights', type: 'int', default: 0, min: 0 },
    // The model input H×W its outputShape was worked out for at import (e.g. '224x224').
    { name: 'shapeAt', type: 'string', default: '' },
  ],
  inputCount: (p) => Number(p['inputs'] ?? 1),
  infer({ node, params, modelInput }) {
    const s = String(params['outputShape'] ?? '');
    // Unknown is an answer here, not a failure: what follows is carried through (see analyze).
    if (!s) return { outputs: [UNKNOWN_SHAPE], diagnostics: [diag('RS605', msg('opaque-kept', { node: node.name, opType: String(params['opType']) }), { nodeId: node.id })] };
    const outputs = [s.split('x').map(Number)];
    // The shape came from ONNX's rules at import; after the input's size changes it may be stale.
    const at = String(params['shapeAt'] ?? '');
    const now = `${modelInput[1]}x${modelInput[2]}`;
    if (at && at !== now) return { outputs, diagnostics: [diag('RS608', msg('opaque-shape-at', { node: node.name, opType: String(params['opType']), at: at.replace('x', '×'), now: now.replace('x', '×') }), { nodeId: node.id })] };
    return { outputs };
  },
  cost: (_i, _o, params) => ({ params: Number(params['weights'] ?? 0), macs: 0, otherOps: 0 }),
  lower(ctx, inputs, inShapes, _o, params) {
    const p = perChannelSlope(decodeOpaquePayload(String(params['payload'] ?? '')), String(params['opType']), inShapes[0]);
    // Constant inputs travel in the payload and are re-emitted as Constant nodes in their slot.
    const ins = p.inputs
      ? p.inputs.map((slot, i) =>
          'port' in slot ? (inputs[slot.port] ?? '')
          : 'constant' in slot ? ctx.emit('Constant', [], [{ name: 'value', kind: 'tensor', value: slot.constant }], { suffix: `const${i}`, ...sharedName(slot.constant.name) })[0]!
          : '',
        )
      : inputs;
    const domain = String(params['domain'] ?? '');
    const opType = String(params['opType']);
    const std = !domain || domain === 'ai.onnx';
    const legal = std ? legalizeOpaque(ctx, opType, p.opset, p.attributes, ins) : { attributes: p.attributes, inputs: ins };
    return ctx.emit(opType, legal.inputs, legal.attributes, { outputCount: p.outputCount ?? 1, ...(!std ? { domain } : {}) });
  },
};

/** Constants the importer named after the file's tensor (`c0.<name>`) are shared by every op that read it. */
const sharedName = (name: string): { shareAs?: string } => {
  const dot = name.indexOf('.');
  return /^c\d+\./.test(name) ? { shareAs: `file-constant:${name.slice(dot + 1)}` } : {};
};

/**
 * PRelu's slope of shape [C] meant per channel (axis 1) before opset 7, and broadcasts against the
 * last axis since: a kept opset-6 PRelu gets its slope as [C, 1, 1] so it still means per channel.
 */
function perChannelSlope(p: OpaquePayload, opType: string, input: readonly number[] | undefined): OpaquePayload {
  const slot = p.inputs?.[1];
  if (opType !== 'PRelu' || p.opset === undefined || p.opset >= 7 || !slot || !('constant' in slot) || !input || input.length < 2) return p;
  const c = slot.constant;
  if (c.dims.length !== 1 || c.dims[0] !== input[0]) return p;
  const inputs = [...p.inputs!];
  inputs[1] = { constant: { ...c, dims: [c.dims[0]!, ...input.slice(1).map(() => 1)] } };
  return { ...p, inputs };
}

/** What an opaque payload decodes to: the op's attributes and, where known, its input slots. */
export interface OpaquePayload {
  readonly attributes: readonly IrAttribute[];
  /** Every input slot of the original op: a data input (the node's port), a constant, or an omitted optional input. */
  readonly inputs?: readonly ({ readonly port: number } | { readonly constant: IrTensor } | { readonly empty: true })[];
  /** Number of outputs the original op declared (only the first is used). */
  readonly outputCount?: number;
  /** Opset of the file the op came from, so it can be re-expressed at the export's opset. */
  readonly opset?: number;
}

/** Hook set by the ONNX importer to turn an opaque payload back into attributes and constant inputs. */
let payloadDecoder: (payload: string) => IrAttribute[] | OpaquePayload = () => [];
/** Installs the decoder for opaque payloads (done by src/onnx/import). */
export function setOpaqueAttributeDecoder(fn: (payload: string) => IrAttribute[] | OpaquePayload): void {
  payloadDecoder = fn;
}
function decodeOpaquePayload(payload: string): OpaquePayload {
  const r = payload ? payloadDecoder(payload) : [];
  return Array.isArray(r) ? { attributes: r } : (r as OpaquePayload);
}
