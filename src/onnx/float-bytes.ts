/**
 * Float32 values as ONNX stores them (little-endian), with nothing else: the CLI's weight
 * workers write tensors with this and must not load the protobuf code `serialize.ts` brings.
 */

/** Whether this host stores numbers little-endian (so a Float32Array's bytes are ONNX's). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A float32 array's bytes as ONNX stores them (little-endian): a view on little-endian hosts, a
 * swapped copy elsewhere.
 *
 * @example
 * ```ts
 * fs.writeSync(fd, floatBytes(new Float32Array([1, 2])), 0, 8, offset);
 * ```
 */
export function floatBytes(a: Float32Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes;
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) for (let j = 0; j < 4; j++) swapped[i + j] = bytes[i + 3 - j]!;
  return swapped;
}
