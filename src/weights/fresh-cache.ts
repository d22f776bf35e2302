/**
 * A cache of fresh (seeded) tensors for recompiles. A fresh tensor is a pure function of the
 * document seed, its stream key, its {@link InitSpec} and its element count, so a cached copy is
 * exactly what generating it again would give. Recompiling after an edit then regenerates only
 * the tensors the edit changed (the edited node's, or every one after a new seed) and copies the
 * rest. A new seed empties the cache (none of its tensors can be used again until that seed
 * returns), so it holds about one network's fresh weights; least recently used entries are
 * dropped beyond `maxBytes`.
 */
import { initTensorInto } from './init.ts';
import type { InitSpec } from './types.ts';

const specKey = (s: InitSpec): string =>
  s.kind === 'kaiming-normal-fan-out' ? `k${s.fanOut}` : s.kind === 'normal' ? `n${s.std}` : s.kind === 'uniform' ? `u${s.bound}` : `c${s.value}`;

/**
 * Fresh tensors by (seed, key, spec, size).
 *
 * @example
 * ```ts
 * const fresh = new FreshWeightCache();
 * compile(doc, { freshWeights: fresh });
 * compile(updateParams(doc, id, { kernel: 5, padding: 2 }), { freshWeights: fresh }); // regenerates one tensor
 * ```
 */
export class FreshWeightCache {
  private readonly entries = new Map<string, Float32Array>();
  private held = 0;
  private seed: number | undefined;
  /** Tensors served from the cache since the last {@link resetCounts}. */
  hits = 0;
  /** Stream keys of the tensors generated since the last {@link resetCounts}. */
  readonly generated: string[] = [];

  /** @param maxBytes upper bound on the bytes held (default 64 MiB). */
  constructor(readonly maxBytes = 64 * 2 ** 20) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }

  /** Same result as `initTensorInto(spec, out, seed, key)`; a copy when the tensor is cached. */
  fill(spec: InitSpec, out: Float32Array, seed: number, key: string): Float32Array {
    // Constants cost less to write than to look up.
    if (spec.kind === 'constant') return out.fill(spec.value);
    // (-0 and 0 are one seed here as in createRng: `!==` does not tell them apart.)
    if (seed !== this.seed) {
      this.clear();
      this.seed = seed;
    }
    const id = `${key}|${specKey(spec)}|${out.length}`;
    const hit = this.entries.get(id);
    if (hit) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      this.hits++;
      out.set(hit);
      return out;
    }
    initTensorInto(spec, out, seed, key);
    this.generated.push(key);
    if (out.byteLength <= this.maxBytes) {
      this.entries.set(id, out.slice());
      this.held += out.byteLength;
      for (const [k, v] of this.entries) {
        if (this.held <= this.maxBytes) break;
        this.entries.delete(k);
        this.held -= v.byteLength;
      }
    }
    return out;
  }

  /** Zeroes {@link hits} and empties {@link generated}. */
  resetCounts(): void {
    this.hits = 0;
    this.generated.length = 0;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.held = 0;
  }
}
