import type { Analysis, ResidualDocument } from '../../src/index.ts';
import type { RuntimeClient } from './client.ts';
import type { BackendChoice } from './protocol.ts';
import { sameModel } from './settle.ts';
import { startDelay } from './start-delay.ts';

/** What the live loop compiled last: a prefetch asks for the same, so it makes the same session. */
export interface CompileTarget {
  readonly expose: readonly string[];
  readonly backend: BackendChoice;
  readonly weightsUrl?: string;
}

/**
 * Starts the live loop's compile at the edit instead of after React's renders. The live loop
 * (`useLiveRun`) sees a new document only once React has rendered the editor and then the run
 * panel (which follows one step behind); a store subscription sees it at once. On an edit after a
 * quiet period, this sends the compile the live loop is about to send (same document, exposed
 * tensors and backend: the same session key), so the worker compiles while the page renders, and
 * the live loop's own compile, queued behind it, finds the session made. The worker reports that
 * session to the live loop as compiled for it, with its timings (`prefetch` in the protocol).
 *
 * Within a burst of edits it sends nothing (the live loop's debounce decides what to compile),
 * nor for a layout-only change, an invalid document, or before the live loop has run once.
 */
export class CompilePrefetch {
  private target: CompileTarget | undefined;
  private doc: ResidualDocument | undefined;
  private lastChange: number | undefined;
  private pending: number | undefined;

  constructor(
    private readonly runtime: () => RuntimeClient,
    private readonly analyze: (doc: ResidualDocument) => Analysis,
    private readonly debounceMs = 50,
  ) {}

  /** The live loop compiled `doc` for `target`: later prefetches ask for the same. */
  compiled(doc: ResidualDocument, target: CompileTarget): void {
    this.doc = doc;
    this.target = target;
  }

  /** The document changed (from a store subscription). Returns true when a compile was sent. */
  changed(doc: ResidualDocument, now = performance.now()): boolean {
    const prev = this.doc;
    if (!this.target || !prev || sameModel(prev, doc)) return false;
    const quiet = startDelay(now, this.lastChange, this.debounceMs) === 0;
    this.lastChange = now;
    this.doc = doc;
    const rt = this.runtime();
    if (this.pending !== undefined) rt.cancel(this.pending);
    this.pending = undefined;
    if (!quiet || this.analyze(doc).diagnostics.some((d) => d.severity === 'error')) return false;
    const call = rt.request({ type: 'compile', doc, prefetch: true, ...this.target });
    this.pending = call.id;
    // Its answer is the live loop's business (it asks again); failures show up there too.
    call.promise.then(
      () => this.pending === call.id && (this.pending = undefined),
      () => this.pending === call.id && (this.pending = undefined),
    );
    return true;
  }
}
