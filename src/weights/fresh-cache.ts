/**
 * A cache of fresh (seeded) tensors for recompiles. A fresh tensor is a pure function of the
 * document seed, its stream key, its {@link InitSpec} and its element count, so a cached copy is
 * exactly what generating it again would give. Recompiling after an edit then regenerates only
 * the tensors the edit changed (the edited node's, or every one after a new seed) and copies the
 * rest. A new seed empties the cache (none of its tensors can be used again until that seed
 * returns), so it holds about one network's fresh weights.
 *
 * Model files small enough that two of them fit in `maxBytes` are handled without copies: where
 * the serialiser writes a tensor into its final place in the file (`home`), the cache keeps a
 * view of that place, and {@link FreshWeightCache.output} lets the compiler write each file into
 * one of two buffers used in turn. Views reach at most the file being written and the one before
 * it (whose tensors this compile copies); older views are dropped when a file starts. So a
 * recompile of a ResNet-18 neither allocates nor fills 94 MB of fresh memory (its file and a copy
 * of its tensors), which page faults make cost more than generating the weights. Larger files
 * are handled as before: the cache keeps its own copies, least recently used dropped beyond
 * `maxBytes`, and each file is a new buffer that nothing here holds on to.
 *
 * A view whose buffer was transferred away (detached, length 0) is simply a miss.
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
  /** Bytes of the cache's own copies. */
  private copied = 0;
  private seed: number | undefined;
  /** The model file being (or last) written, and the one before it: the only buffers views reach. */
  private file: ArrayBufferLike | undefined;
  private previous: ArrayBufferLike | undefined;
  /** Tensors served from the cache since the last {@link resetCounts}. */
  hits = 0;
  /** Stream keys of the tensors generated since the last {@link resetCounts}. */
  readonly generated: string[] = [];

  /** @param maxBytes upper bound on the bytes held: copies, or the two model files views reach (default 128 MiB). */
  constructor(readonly maxBytes = 128 * 2 ** 20) {}

  /** Bytes held now: the cache's copies plus the (at most two) model files it keeps alive. */
  get bytes(): number {
    return this.copied + (this.file?.byteLength ?? 0) + (this.previous?.byteLength ?? 0);
  }

  /**
   * Where to write the next model file of `bytes` bytes (the compiler's `output` option). Small
   * files go into one of two buffers used in turn, never the previous file's (this compile copies
   * tensors from it); so the returned bytes stay valid until the compile after next. Larger files
   * get a new buffer of their own.
   */
  output(bytes: number): Uint8Array {
    if (!this.viewable(bytes)) return new Uint8Array(bytes);
    const spare = this.previous;
    // A new buffer has room to spare, so a slightly larger file (a wider layer, a longer name) fits.
    const buffer = spare && spare !== this.file && spare.byteLength >= bytes ? spare : new ArrayBuffer(Math.min(Math.ceil(bytes * 1.125), this.maxBytes / 2));
    this.startFile(buffer);
    return new Uint8Array(buffer, 0, bytes);
  }

  /**
   * Same result as `initTensorInto(spec, out, seed, key)`; a copy when the tensor is cached.
   * `home`: the bytes of a finished model file where `out`'s values are placed (`out`'s own bytes
   * when it is written in place) and that nothing writes again before the compile after next, so
   * the cache may keep a view of them instead of a copy (see the class notes).
   */
  fill(spec: InitSpec, out: Float32Array, seed: number, key: string, home?: Uint8Array): Float32Array {
    // Constants cost less to write than to look up.
    if (spec.kind === 'constant') return out.fill(spec.value);
    // (-0 and 0 are one seed here as in createRng: `!==` does not tell them apart.)
    if (seed !== this.seed) {
      this.clear();
      this.seed = seed;
    }
    const view = home !== undefined && this.viewable(home.buffer.byteLength);
    if (view && home.buffer !== this.file) this.startFile(home.buffer);
    const id = `${key}|${specKey(spec)}|${out.length}`;
    const hit = this.entries.get(id);
    if (hit && hit.data.length === out.byteLength) {
      this.hits++;
      bytesOf(out).set(hit.data);
      if (!view && !hit.view) {
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
    if (view) this.entries.set(id, { data: home, view: true });
    else if (out.byteLength <= this.maxBytes) {
      this.entries.set(id, { data: bytesOf(out).slice(), view: false });
      this.copied += out.byteLength;
      for (const [k, e] of this.entries) {
        if (this.copied <= this.maxBytes) break;
        if (!e.view) this.drop(k);
      }
    }
    return out;
  }

  /** Two files of this size fit in the budget: keep views into them rather than copies. */
  private viewable(fileBytes: number): boolean {
    return fileBytes * 2 <= this.maxBytes;
  }

  /**
   * A new model file is being written into `buffer`. Views into the file before it stay (this
   * compile copies from them); views into any other buffer go.
   */
  private startFile(buffer: ArrayBufferLike): void {
    if (buffer === this.file) return;
    for (const [k, e] of this.entries) if (e.view && e.data.buffer !== this.file) this.drop(k);
    this.previous = this.file;
    this.file = buffer;
  }

  private drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    if (!e.view) this.copied -= e.data.byteLength;
  }

  /** Zeroes {@link hits} and empties {@link generated}. */
  resetCounts(): void {
    this.hits = 0;
    this.generated.length = 0;
  }

  /** Drops every entry (the two file buffers stay for reuse). */
  clear(): void {
    this.entries.clear();
    this.copied = 0;
  }
}
