/**
 * A cache of fresh (seeded) tensors for recompiles. A fresh tensor is a pure function of the
 * document seed, its stream key, its {@link InitSpec} and its element count, so a cached copy is
 * exactly what generating it again would give. Recompiling after an edit then regenerates only
 * the tensors the edit changed (the edited node's, or every one after a new seed) and copies the
 * rest. A new seed empties the cache (none of its tensors can be used again until that seed
 * returns), so it holds about one network's fresh weights; least recently used entries are
 * dropped beyond `maxBytes`.
 *
 * Where the serialiser writes a tensor into its final place in a model file (`home`), the cache
 * keeps a view of that place rather than a copy: no second buffer to allocate and fill, which for
 * a ResNet-18 is 47 MB of fresh memory per compile. Views into a model older than the previous
 * one are dropped when the next model starts, so at most two model files are kept alive. A view
 * whose buffer was transferred away (detached, length 0) is simply a miss.
 */
import { initTensorInto } from './init.ts';
import type { InitSpec } from './types.ts';

/** A float32 array's bytes (little-endian on every host this runs on; the serialiser checks). */
const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

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
  /**
   * Tensors by id, as little-endian bytes; `view` when `data` is a view into a model file rather
   * than the cache's own copy.
   */
  private readonly entries = new Map<string, { readonly data: Uint8Array; readonly view: boolean }>();
  private held = 0;
  private seed: number | undefined;
  /** The model file the latest `home` tensors were written into; views into older ones are dropped. */
  private home: ArrayBufferLike | undefined;
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

  /**
   * Same result as `initTensorInto(spec, out, seed, key)`; a copy when the tensor is cached.
   * `home`: the bytes of a finished model file where `out`'s values are placed (`out`'s own bytes
   * when it is written in place) and that nothing writes again, so the cache may keep a view of
   * them instead of a copy (see the class notes).
   */
  fill(spec: InitSpec, out: Float32Array, seed: number, key: string, home?: Uint8Array): Float32Array {
    // Constants cost less to write than to look up.
    if (spec.kind === 'constant') return out.fill(spec.value);
    // (-0 and 0 are one seed here as in createRng: `!==` does not tell them apart.)
    if (seed !== this.seed) {
      this.clear();
      this.seed = seed;
    }
    if (home && home.buffer !== this.home) this.startModel(home.buffer);
    const id = `${key}|${specKey(spec)}|${out.length}`;
    const hit = this.entries.get(id);
    if (hit && hit.data.length === out.byteLength) {
      this.hits++;
      bytesOf(out).set(hit.data);
      if (!home) {
        // Keep the cache's own copy; it becomes the most recently used.
        this.entries.delete(id);
        this.entries.set(id, hit);
        return out;
      }
    } else {
      initTensorInto(spec, out, seed, key);
      this.generated.push(key);
    }
    if (hit) this.drop(id);
    if (out.byteLength <= this.maxBytes) {
      this.entries.set(id, home ? { data: home, view: true } : { data: bytesOf(out).slice(), view: false });
      this.held += out.byteLength;
      for (const [k] of this.entries) {
        if (this.held <= this.maxBytes) break;
        this.drop(k);
      }
    }
    return out;
  }

  /**
   * A new model file is being written into `buffer`. Views into the model before it stay (this
   * compile copies from them); views into older ones go.
   */
  private startModel(buffer: ArrayBufferLike): void {
    for (const [k, v] of this.entries) if (v.view && v.data.buffer !== this.home) this.drop(k);
    this.home = buffer;
  }

  private drop(id: string): void {
    const v = this.entries.get(id);
    if (!v) return;
    this.entries.delete(id);
    this.held -= v.data.byteLength;
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
    this.home = undefined;
  }
}
