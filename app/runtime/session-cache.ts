/**
 * The worker's cache of inference sessions, least recently used first, bounded by count and by
 * the size of the models they hold.
 *
 * Why a byte budget: every live session keeps its weights (and, after a run, its activations) in
 * onnxruntime's WebAssembly heap. Creating a session while large ones are alive makes the heap
 * grow into memory never touched before, which costs page faults. Measured with ResNet-18
 * (45 MB, 2 threads): session creation takes about 25 ms with one other session alive, 55 ms with
 * two or three and 110 ms with four. So small models (a CIFAR ResNet-20 is 1 MB) keep four
 * sessions, for instant undo and reselection, and large ones keep what fits the budget, but never
 * fewer than the most recently used one (its result can still rerun while the next compiles).
 */
export interface SessionCacheOptions {
  readonly maxSessions: number;
  /** Model bytes the cached sessions plus the one about to be created may hold together. */
  readonly maxBytes: number;
}

export const DEFAULT_SESSION_CACHE: SessionCacheOptions = { maxSessions: 4, maxBytes: 96 * 2 ** 20 };

export class SessionCache<E extends { readonly bytes: number }> {
  private readonly entries = new Map<string, E>();

  constructor(private readonly opts: SessionCacheOptions = DEFAULT_SESSION_CACHE) {}

  get size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The entry, now the most recently used. */
  touch(key: string): E | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  /**
   * Before creating a session of `bytes`: removes and returns the least recently used entries
   * (for the caller to release) until the new one fits, keeping at least the most recent one.
   */
  makeRoom(bytes: number): E[] {
    let total = bytes;
    for (const e of this.entries.values()) total += e.bytes;
    const evicted: E[] = [];
    for (const [key, e] of this.entries) {
      if (this.entries.size <= 1 || (this.entries.size < this.opts.maxSessions && total <= this.opts.maxBytes)) break;
      this.entries.delete(key);
      total -= e.bytes;
      evicted.push(e);
    }
    return evicted;
  }

  /** Adds an entry as the most recently used; returns what had to go to stay within the count. */
  remember(key: string, e: E): E[] {
    this.entries.delete(key);
    this.entries.set(key, e);
    const evicted: E[] = [];
    for (const [k, old] of this.entries) {
      if (this.entries.size <= this.opts.maxSessions) break;
      this.entries.delete(k);
      evicted.push(old);
    }
    return evicted;
  }

  /** Removes one entry (or all, without a key) and returns what was removed. */
  remove(key?: string): E[] {
    const keys = key === undefined ? this.keys() : [key];
    const out: E[] = [];
    for (const k of keys) {
      const e = this.entries.get(k);
      this.entries.delete(k);
      if (e) out.push(e);
    }
    return out;
  }
}
