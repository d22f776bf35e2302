/**
 * Fresh (untrained) tensors from an {@link InitSpec}: torchvision's initialisation conventions,
 * reproducible from the document seed and the tensor's name.
 */
import { createRng, fillNormal, fillUniform } from './random.ts';
import type { InitSpec } from './types.ts';

/**
 * Creates a tensor of `product(dims)` float32 elements initialised per `spec`, from the stream
 * keyed by `(seed, key)` (`key` is normally the initializer name). The same arguments give the
 * same bytes on every machine; different keys give independent streams, so re-initialising one
 * block leaves every other tensor unchanged.
 *
 * Throws `RangeError` on dims that are not non-negative integers or on a spec with a non-positive
 * `fanOut` or negative `std`/`bound`: those come from the compiler, so they are bugs.
 *
 * @example
 * ```ts
 * // torchvision's conv init for layer1.0.conv1 of a ResNet: 64 out channels, 3x3 kernel.
 * const w = initTensor({ kind: 'kaiming-normal-fan-out', fanOut: 64 * 9 }, [64, 64, 3, 3], doc.seed, 'layer1.0.conv1.weight');
 * ```
 */
export function initTensor(spec: InitSpec, dims: readonly number[], seed: number, key: string): Float32Array {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`initTensor(${key}): dimension ${d} is not a non-negative integer`);
    n *= d;
  }
  return initTensorInto(spec, new Float32Array(n), seed, key);
}

/**
 * {@link initTensor} into a caller's buffer (whose length is the element count), so a streaming
 * writer can reuse one scratch buffer for every tensor instead of touching fresh memory for each.
 */
export function initTensorInto(spec: InitSpec, out: Float32Array, seed: number, key: string): Float32Array {
  switch (spec.kind) {
    case 'constant':
      return out.fill(spec.value);
    case 'kaiming-normal-fan-out':
      if (!(spec.fanOut > 0)) throw new RangeError(`initTensor(${key}): fanOut ${spec.fanOut} must be positive`);
      return fillNormal(createRng(seed, key), out, 0, Math.sqrt(2 / spec.fanOut));
    case 'normal':
      if (!(spec.std >= 0)) throw new RangeError(`initTensor(${key}): std ${spec.std} must be non-negative`);
      return fillNormal(createRng(seed, key), out, 0, spec.std);
    case 'uniform':
      if (!(spec.bound >= 0)) throw new RangeError(`initTensor(${key}): bound ${spec.bound} must be non-negative`);
      return fillUniform(createRng(seed, key), out, -spec.bound, spec.bound);
  }
}
