/**
 * Hard caps the ONNX reader enforces before it trusts anything a file declares. A file past a cap
 * is refused with RS603 rather than read, so that a damaged or hostile model cannot make the app
 * allocate gigabytes or spin for minutes.
 */

/** Protobuf's own ceiling: a serialized message must be smaller than 2 GiB. */
export const PROTOBUF_MAX_BYTES = 2 ** 31 - 1;

/** What `decodeModel` will accept. Every field has a default in {@link DEFAULT_DECODE_LIMITS}. */
export interface DecodeLimits {
  /** Largest file read, in bytes. Default 1 GiB; never above {@link PROTOBUF_MAX_BYTES}. */
  readonly maxFileBytes: number;
  /** Most nodes, counting those inside subgraph attributes (If/Loop bodies). Default 100 000. */
  readonly maxNodes: number;
  /**
   * Most tensor data the decoded model may hold, in bytes after conversion to the IR's types
   * (FLOAT16 and DOUBLE become 4-byte floats), summed over initializers and tensor attributes.
   * Default 512 MiB: ResNet-152 needs ~240 MB.
   */
  readonly maxTensorBytes: number;
  /** Highest tensor rank accepted (dims per tensor or value). Default 16. */
  readonly maxRank: number;
  /** Most diagnostics reported; the rest are summarised in one last message. Default 100. */
  readonly maxDiagnostics: number;
}

/** The defaults documented on {@link DecodeLimits}. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxFileBytes: 1024 * 1024 * 1024,
  maxNodes: 100_000,
  maxTensorBytes: 512 * 1024 * 1024,
  maxRank: 16,
  maxDiagnostics: 100,
});

/**
 * Fills in defaults for any limit not given (or given as something other than a non-negative
 * number) and clamps the file size to what protobuf can represent.
 */
export function resolveLimits(partial: Partial<DecodeLimits> = {}): DecodeLimits {
  const pick = (key: keyof DecodeLimits): number => {
    const v = partial[key];
    return typeof v === 'number' && v >= 0 && !Number.isNaN(v) ? v : DEFAULT_DECODE_LIMITS[key];
  };
  return {
    maxFileBytes: Math.min(pick('maxFileBytes'), PROTOBUF_MAX_BYTES),
    maxNodes: pick('maxNodes'),
    maxTensorBytes: pick('maxTensorBytes'),
    maxRank: pick('maxRank'),
    maxDiagnostics: Math.max(1, pick('maxDiagnostics')),
  };
}
