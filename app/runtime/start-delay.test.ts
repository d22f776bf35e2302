import { describe, expect, it } from 'vitest';
import { startDelay } from './start-delay.ts';

/** Replays change times through the policy with a fake timer queue: when does each run start? */
function runStarts(changes: readonly number[], debounceMs: number): number[] {
  const starts: number[] = [];
  let pending: number | undefined;
  let last: number | undefined;
  for (const t of changes) {
    // A pending start that fell due before this change has happened.
    if (pending !== undefined && pending <= t) starts.push(pending);
    const d = startDelay(t, last, debounceMs);
    last = t;
    pending = t + d; // a newer change replaces the pending start
  }
  if (pending !== undefined) starts.push(pending);
  return starts;
}

describe('startDelay: when the live loop compiles after a change', () => {
  it('starts the first change and a change after a quiet period at once', () => {
    expect(startDelay(1000, undefined, 50)).toBe(0);
    expect(startDelay(1000, 900, 50)).toBe(0);
    expect(startDelay(1000, 950, 50)).toBe(0);
  });

  it('waits the debounce for a change that follows another closely', () => {
    expect(startDelay(1000, 990, 50)).toBe(50);
    expect(startDelay(1000, 1000, 50)).toBe(50);
  });

  it('coalesces a burst into a leading and a trailing run', () => {
    // Keystrokes 16 ms apart: the first starts at once, the rest become one run 50 ms after the last.
    expect(runStarts([0, 16, 32, 48, 64], 50)).toEqual([0, 114]);
  });

  it('gives edits spaced wider than the debounce a run each, without waiting', () => {
    expect(runStarts([0, 300, 700], 50)).toEqual([0, 300, 700]);
  });

  it('adds at most a leading run per burst to what a plain trailing debounce runs', () => {
    const trailing = (changes: readonly number[], ms: number) => changes.filter((t, i) => i === changes.length - 1 || changes[i + 1]! - t >= ms).length;
    const cases = [
      [0, 10, 20, 30],
      [0, 60, 120, 180],
      [0, 10, 100, 110, 300],
      [0, 49, 98, 147],
    ];
    for (const c of cases) expect(runStarts(c, 50).length).toBeLessThanOrEqual(2 * trailing(c, 50));
    expect(runStarts([0, 10, 100, 110, 300], 50)).toEqual([0, 60, 100, 160, 300]);
  });
});
