/**
 * A time limit for an import, checked where the importer loops over the graph. Import is linear
 * in the file for every graph we know of; the limit is the guarantee that a pathological one (or
 * a bug like the naming loop fcn_resnet50 once hit) ends in a diagnostic instead of a hang.
 */

/** Thrown by {@link Deadline.check} once the limit has passed; caught by `importOnnx`. */
export class ImportTimeout extends Error {
  constructor(
    readonly limitMs: number,
    readonly phase: string,
  ) {
    super(`import gave up after ${limitMs} ms (${phase})`);
  }
}

/** What the import steps call in their loops. */
export interface Deadline {
  /** Throws {@link ImportTimeout} when the time is up. */
  check(): void;
  /** Names the step now running, for the message. */
  enter(phase: string): void;
}

/** A deadline `limitMs` from now; none (never expires) when the limit is undefined. */
export function deadline(limitMs: number | undefined, now: () => number = () => performance.now()): Deadline {
  if (limitMs === undefined) return NEVER;
  const end = now() + limitMs;
  let phase = 'decode';
  return {
    check() {
      if (now() > end) throw new ImportTimeout(limitMs, phase);
    },
    enter(p) {
      phase = p;
      this.check();
    },
  };
}

/** The deadline that never expires. */
export const NEVER: Deadline = { check() {}, enter() {} };
