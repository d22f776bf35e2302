/**
 * The payload of an Opaque node: everything about an ONNX op we do not model that export needs to
 * emit it again unchanged — attributes, constant inputs in their slots, the number of outputs.
 *
 * It is stored as base64 of a one-node ONNX `ModelProto`, so it is written by the same serializer
 * as our exports and read back by the hostile-input-safe {@link decodeModel}: a payload in a saved
 * (possibly tampered) document is as untrusted as any ONNX file.
 */
import { setOpaqueAttributeDecoder, type OpaquePayload } from '../../ops/opaque.ts';
import { decodeModel } from '../decode.ts';
import { DataType, type IrAttribute, type IrModel, type IrTensor } from '../ir.ts';
import { serializeModel } from '../serialize.ts';

/** One input slot of an opaque op when it is encoded. */
export type OpaqueSlot = { readonly port: number } | { readonly constant: IrTensor } | { readonly empty: true };

const DATA = 'd';
const CONST = 'c';

/** Encodes an op's attributes, input slots and output count as an opaque payload string. */
export function encodeOpaquePayload(op: { opType: string; domain?: string; attributes: readonly IrAttribute[]; slots: readonly OpaqueSlot[]; outputCount: number; opset: number }): string {
  const dataPorts = op.slots.filter((s): s is { port: number } => 'port' in s).map((s) => s.port);
  const initializers: IrTensor[] = [];
  const inputs = op.slots.map((s) => {
    if ('port' in s) return `${DATA}${s.port}`;
    if ('constant' in s) {
      // The file's own name travels too, so ops that read one tensor share it again on export.
      const name = `${CONST}${initializers.length}.${s.constant.name}`;
      initializers.push({ ...s.constant, name });
      return name;
    }
    return '';
  });
  const outputs = Array.from({ length: Math.max(1, op.outputCount) }, (_, i) => `o${i}`);
  const model: IrModel = {
    irVersion: 8,
    opset: op.opset,
    producerName: 'residual-studio-opaque',
    producerVersion: '1',
    metadata: {},
    graph: {
      name: 'opaque',
      inputs: [...new Set(dataPorts)].map((p) => ({ name: `${DATA}${p}`, elemType: DataType.FLOAT, dims: [] })),
      outputs: outputs.map((name) => ({ name, elemType: DataType.FLOAT, dims: [] })),
      nodes: [{ name: 'op', opType: op.opType, ...(op.domain ? { domain: op.domain } : {}), inputs, outputs, attributes: op.attributes }],
      initializers,
      valueInfo: [],
    },
  };
  return toBase64(serializeModel(model));
}

/**
 * Decodes a payload written by {@link encodeOpaquePayload}. A damaged payload gives no
 * attributes rather than a throw (the compiled op is then what the document says, minus them).
 */
export function decodeOpaquePayload(payload: string): OpaquePayload {
  const bytes = fromBase64(payload);
  if (!bytes) return { attributes: [] };
  const { model } = decodeModel(bytes, { maxFileBytes: 64 * 1024 * 1024, maxNodes: 1 });
  const node = model?.graph.nodes[0];
  if (!model || !node) return { attributes: [] };
  const consts = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const inputs = node.inputs.map((name): OpaqueSlot => {
    if (name === '') return { empty: true };
    const c = consts.get(name);
    if (c) return { constant: c };
    const port = name.startsWith(DATA) ? Number(name.slice(DATA.length)) : NaN;
    return Number.isInteger(port) && port >= 0 ? { port } : { empty: true };
  });
  return { attributes: node.attributes, inputs, outputCount: node.outputs.length, opset: model.opset };
}

/** Installs the payload decoder into the Opaque op (idempotent). */
export function installOpaqueDecoder(): void {
  setOpaqueAttributeDecoder(decodeOpaquePayload);
}
installOpaqueDecoder();

const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/**
 * Standard base64 (as `btoa`), written straight into bytes: an opaque MatMul can carry megabytes
 * of weights, and building a binary string for `btoa` took seconds on such files.
 */
function toBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = B64[v >>> 18]!;
    out[o++] = B64[(v >>> 12) & 63]!;
    out[o++] = B64[(v >>> 6) & 63]!;
    out[o++] = B64[v & 63]!;
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | ((i + 1 < n ? bytes[i + 1]! : 0) << 8);
    out[o++] = B64[v >>> 18]!;
    out[o++] = B64[(v >>> 12) & 63]!;
    out[o++] = i + 1 < n ? B64[(v >>> 6) & 63]! : 61;
    out[o] = 61;
  }
  return new TextDecoder().decode(out);
}

function fromBase64(text: string): Uint8Array | undefined {
  try {
    const s = atob(text);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}
