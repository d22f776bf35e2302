import { diag } from '../diagnostics/catalogue.ts';
import type { IrAttribute } from '../onnx/ir.ts';
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
  params: [
    { name: 'opType', type: 'string', default: '' },
    { name: 'domain', type: 'string', default: '' },
    { name: 'inputs', type: 'int', default: 1, min: 0, max: 64 },
    { name: 'outputShape', type: 'string', default: '' },
    { name: 'payload', type: 'string', default: '' },
  ],
  inputCount: (p) => Number(p['inputs'] ?? 1),
  infer({ node, params }) {
    const s = String(params['outputShape'] ?? '');
    if (!s) return { diagnostics: [diag('RS605', `${node.name}: ${String(params['opType'])} is kept as an opaque op; its output shape is unknown`, { nodeId: node.id })] };
    return { outputs: [s.split('x').map(Number)] };
  },
  cost: () => ({ params: 0, macs: 0, otherOps: 0 }),
  lower(ctx, inputs, _i, _o, params) {
    const attrs: IrAttribute[] = decodeOpaqueAttributes(String(params['payload'] ?? ''));
    return ctx.emit(String(params['opType']), inputs, attrs);
  },
};

/** Hook set by the ONNX importer to turn an opaque payload back into attributes. */
let attributeDecoder: (payload: string) => IrAttribute[] = () => [];
/** Installs the decoder for opaque payloads (done by src/onnx/import). */
export function setOpaqueAttributeDecoder(fn: (payload: string) => IrAttribute[]): void {
  attributeDecoder = fn;
}
function decodeOpaqueAttributes(payload: string): IrAttribute[] {
  return payload ? attributeDecoder(payload) : [];
}
