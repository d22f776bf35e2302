/**
 * How a fresh (untrained) tensor is initialised — torchvision's conventions, as data so that the
 * compiler can ask for a tensor without knowing how random numbers are made.
 */
export type InitSpec =
  /** Kaiming normal, mode fan_out, ReLU gain: std = sqrt(2 / fanOut). torchvision's conv init. */
  | { readonly kind: 'kaiming-normal-fan-out'; readonly fanOut: number }
  /** Normal(0, std). VGG's Linear init uses std 0.01. */
  | { readonly kind: 'normal'; readonly std: number }
  /** Uniform(-bound, bound). torch's default Linear/Conv init: weight bound 1/sqrt(fanIn) (kaiming_uniform a=sqrt(5)), bias bound 1/sqrt(fanIn). */
  | { readonly kind: 'uniform'; readonly bound: number }
  /** Every element equal to `value` (BN weight 1, BN bias 0, running mean 0, running var 1, zero-init residual 0). */
  | { readonly kind: 'constant'; readonly value: number };

/** One real (imported or trained) tensor, with what it belongs to. */
export interface StoredTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
  /**
   * Fingerprint of the owning node (op + params) when the tensor was stored. The compiler uses a
   * stored tensor only while the owner's fingerprint and the tensor's shape still match, so editing
   * a block re-initialises that block's weights and nothing else, and undo brings them back.
   */
  readonly owner: string;
  readonly origin: 'imported' | 'trained';
}

/** Real weights keyed by initializer name (`layer1.0.conv1.weight`). */
export type WeightStore = ReadonlyMap<string, StoredTensor>;
