/**
 * Weights: deterministic initialisation of fresh tensors and safetensors files for real ones.
 * The contracts (InitSpec, StoredTensor, WeightStore) live in `./types.ts`.
 */
export type { InitSpec, StoredTensor, WeightStore } from './types.ts';
export { initTensor } from './init.ts';
export { FreshWeightCache } from './fresh-cache.ts';
export { createRng, detExp, detLog, fillNormal, fillUniform, Xoshiro128 } from './random.ts';
export {
  decodeSafetensors,
  DEFAULT_SAFETENSORS_LIMITS,
  encodeSafetensors,
  PROVENANCE_KEY,
  type DecodedSafetensors,
  type SafetensorsLimits,
} from './safetensors.ts';
