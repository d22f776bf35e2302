/**
 * How long the live loop waits before compiling after a change: not at all when the change
 * comes after a quiet period (a deliberate edit gets its result as soon as possible), else the
 * debounce (a burst of changes — typing, a slider, an undo held down — coalesces into one run
 * once it pauses). Quiet means: no change in the last `debounceMs`. Changes that far apart
 * would each have got their own run under a plain trailing debounce too; a burst costs at most
 * one extra run (its leading one, which the trailing one cancels).
 *
 * @param now time of this change (ms, any monotonic clock)
 * @param lastChange time of the previous change on the same clock, if any
 */
export function startDelay(now: number, lastChange: number | undefined, debounceMs: number): number {
  return lastChange === undefined || now - lastChange >= debounceMs ? 0 : debounceMs;
}
