import type { EdgeId, NodeId } from '../graph/ids.ts';
import type { Params } from '../graph/types.ts';
import { renderMessage, type MessageRef } from './messages.ts';

export * from './messages.ts';

/**
 * The one catalogue of diagnostic codes. Codes are stable: tests and the UI key on them, the
 * wording may change. `RS1xx` structure, `RS2xx` shapes, `RS3xx` params, `RS4xx` resources,
 * `RS5xx` documents and files, `RS6xx` ONNX import, `RS7xx` training, `RS8xx` code export,
 * `RS9xx` lesion studies.
 */
export const DIAGNOSTICS = {
  RS101: { title: 'cycle', severity: 'error' },
  RS102: { title: 'unconnected input', severity: 'error' },
  RS103: { title: 'missing graph output', severity: 'error' },
  RS104: { title: 'missing graph input', severity: 'error' },
  RS105: { title: 'dangling edge', severity: 'error' },
  RS106: { title: 'input port already connected', severity: 'error' },
  RS107: { title: 'unused node', severity: 'warning' },
  RS108: { title: 'duplicate name', severity: 'error' },
  RS109: { title: 'block type not in the block library', severity: 'error' },
  RS110: { title: 'selection cannot make a block', severity: 'error' },
  RS201: { title: 'shape mismatch at add', severity: 'error' },
  RS202: { title: 'shape mismatch at concat', severity: 'error' },
  RS203: { title: 'wrong input rank', severity: 'error' },
  RS204: { title: 'kernel larger than padded input', severity: 'error' },
  RS205: { title: 'channel mismatch', severity: 'error' },
  RS206: { title: 'identity shortcut cannot change dimensions', severity: 'error' },
  RS207: { title: 'output size not positive', severity: 'error' },
  RS208: { title: 'shapes do not broadcast', severity: 'error' },
  RS209: { title: 'input shape unknown', severity: 'error' },
  RS301: { title: 'invalid param', severity: 'error' },
  RS302: { title: 'channels not divisible by groups', severity: 'error' },
  RS303: { title: 'zero stride', severity: 'error' },
  RS304: { title: 'unsupported opset', severity: 'error' },
  RS401: { title: 'weights exceed limit', severity: 'error' },
  RS402: { title: 'activation exceeds limit', severity: 'error' },
  RS501: { title: 'invalid document', severity: 'error' },
  RS502: { title: 'unsupported schema version', severity: 'error' },
  RS503: { title: 'not a Residual Studio document', severity: 'error' },
  RS504: { title: 'weights do not match document', severity: 'warning' },
  RS505: { title: 'invalid lesson', severity: 'error' },
  RS506: { title: 'invalid block library', severity: 'error' },
  RS601: { title: 'not an ONNX model', severity: 'error' },
  RS602: { title: 'unsupported ONNX construct', severity: 'error' },
  RS603: { title: 'ONNX model exceeds limits', severity: 'error' },
  RS604: { title: 'external data not allowed', severity: 'error' },
  RS605: { title: 'opaque op kept', severity: 'info' },
  RS606: { title: 'symbolic input size', severity: 'warning' },
  RS607: { title: 'import gave up', severity: 'error' },
  RS608: { title: 'kept op shape may be stale', severity: 'warning' },
  RS701: { title: 'no gradient rule', severity: 'error' },
  RS702: { title: 'output is not a class-score vector', severity: 'error' },
  RS703: { title: 'nothing to train', severity: 'warning' },
  RS704: { title: 'invalid training option', severity: 'error' },
  RS801: { title: 'no PyTorch counterpart', severity: 'error' },
  RS802: { title: 'name is not a PyTorch module path', severity: 'error' },
  RS901: { title: 'deletion would change a shape', severity: 'error' },
  RS902: { title: 'nothing to delete by that name', severity: 'error' },
} as const satisfies Record<string, { title: string; severity: Severity }>;

/** A stable diagnostic code from {@link DIAGNOSTICS}. */
export type DiagnosticCode = keyof typeof DIAGNOSTICS;
export type Severity = 'error' | 'warning' | 'info';

/** A fix's label: the English `label` and the `labelRef` it was rendered from (for translation). */
export interface FixLabel {
  readonly label: string;
  readonly labelRef: MessageRef;
}

/**
 * A suggested one-click fix, as data. `applyFix(doc, fix)` in `src/graph/edit.ts` carries it out.
 */
export type Fix =
  | (FixLabel & { readonly kind: 'set-params'; readonly nodeId: NodeId; readonly params: Params })
  | (FixLabel & { readonly kind: 'remove-edge'; readonly edgeId: EdgeId })
  | (FixLabel & { readonly kind: 'insert-projection'; readonly addId: NodeId; readonly port: number });

/**
 * A fix label from a message: spread it into a {@link Fix}.
 * @example { kind: 'set-params', ...fixLabel(msg('fix-groups-1')), nodeId, params: { groups: 1 } }
 */
export const fixLabel = (ref: MessageRef): FixLabel => ({ label: renderMessage(ref), labelRef: ref });

/** Something wrong (or worth knowing) about a document, attached to what it concerns. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** The English text, rendered from `messageRef` (the CLI and logs show it). */
  readonly message: string;
  /**
   * The message as id and arguments, for translation; `message` is its English rendering. Every
   * diagnostic of the core has one; a hand-made diagnostic without one is shown by `message`.
   */
  readonly messageRef?: MessageRef;
  readonly nodeId?: NodeId;
  readonly edgeId?: EdgeId;
  /** Input port index the diagnostic is about, where it is about one. */
  readonly port?: number;
  /** Param name or document field path (`nodes[3].params.stride`). */
  readonly field?: string;
  readonly fix?: Fix;
}

/**
 * Builds a diagnostic with the catalogue's severity for its code; its English `message` is
 * rendered from the message table.
 * @example diag('RS201', msg('add-shapes', { node: 'add', a: '1×64×56×56', b: '1×128×28×28' }), { nodeId })
 */
export function diag(
  code: DiagnosticCode,
  ref: MessageRef,
  where: Omit<Diagnostic, 'code' | 'severity' | 'message' | 'messageRef'> = {},
): Diagnostic {
  return { code, severity: DIAGNOSTICS[code].severity, message: renderMessage(ref), messageRef: ref, ...where };
}

/** True when any diagnostic is an error. */
export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === 'error');
