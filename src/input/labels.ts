import type { LabelSet } from '../graph/types.ts';

/** CIFAR-10's class names in index order (small enough to ship in code). */
export const CIFAR10_LABELS: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * Where a label set's class names live: a JSON array under `public/labels/`, or built in.
 * `none` has no names (predictions show class indices).
 */
export function labelSource(set: LabelSet | undefined): { readonly url?: string; readonly names?: readonly string[] } {
  switch (set) {
    case 'fashion-mnist':
      return { url: 'labels/fashion-mnist.json' };
    case 'imagenet':
      return { url: 'labels/imagenet.json' };
    case 'cifar10':
      return { names: CIFAR10_LABELS };
    default:
      return {};
  }
}

/** Numerically stable softmax (subtracts the max). */
export function softmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

/** One predicted class. */
export interface Prediction {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
  readonly logit: number;
}

/**
 * The `k` most probable classes, best first (ties keep index order).
 *
 * @example
 * topK([0, 2, 1], 2, ['a', 'b', 'c']).map((p) => p.label); // ['b', 'c']
 */
export function topK(logits: ArrayLike<number>, k: number, names?: readonly string[]): Prediction[] {
  const probs = softmax(logits);
  const idx = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
  return idx.slice(0, k).map((i) => ({ index: i, label: names?.[i] ?? `class ${i}`, probability: probs[i]!, logit: logits[i]! }));
}
