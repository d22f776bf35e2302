/**
 * The claim table through which the CLI's threads share the fresh tensors of one model file:
 * each thread claims a tensor, generates it into its own scratch buffer and writes it at its
 * offset. Imported by both the CLI and its weight worker, so it imports nothing but `node:fs`
 * and `src/weights` (the worker's bundle stays a few kilobytes).
 */
import { writeSync } from 'node:fs';
import { floatBytes } from '../onnx/float-bytes.ts';

/** What one thread did: milliseconds generating and writing, summed, and tensors made. */
export interface ClaimStats {
  readonly weightsMs: number;
  readonly writeMs: number;
  readonly tensors: number;
}

/** Writes all of `bytes` at `position` (a positional write may be partial). */
export function writeAllAt(fd: number, bytes: Uint8Array, position: number): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, position + off);
}

/**
 * Claims, generates and writes tensors until none is left; returns what this thread did.
 * `fillOf(i)` is tensor `i`'s generator, or undefined for one this thread cannot make (it is
 * left to a thread that can). `owner[i]` is 0 while unclaimed, then the claimer's number `me`;
 * `done[i]` becomes 1 once the tensor's bytes are in the file.
 */
export function generateClaimed(
  fd: number,
  tensors: readonly { readonly offset: number; readonly elements: number }[],
  fillOf: (index: number) => ((out: Float32Array) => unknown) | undefined,
  owner: Int32Array,
  done: Int32Array,
  me: number,
): ClaimStats {
  let scratch = new Float32Array(0);
  let weightsMs = 0;
  let writeMs = 0;
  let count = 0;
  for (let i = 0; i < tensors.length; i++) {
    if (Atomics.load(owner, i) !== 0) continue;
    const fill = fillOf(i);
    if (!fill || Atomics.compareExchange(owner, i, 0, me) !== 0) continue;
    const t = tensors[i]!;
    // One scratch buffer per thread, grown to the largest tensor it has made: touching fresh
    // memory for every tensor would cost page faults on each.
    if (scratch.length < t.elements) scratch = new Float32Array(t.elements);
    const view = scratch.subarray(0, t.elements);
    const t0 = performance.now();
    fill(view);
    const t1 = performance.now();
    writeAllAt(fd, floatBytes(view), t.offset);
    writeMs += performance.now() - t1;
    weightsMs += t1 - t0;
    Atomics.store(done, i, 1);
    count++;
  }
  return { weightsMs, writeMs, tensors: count };
}
