import { describe, expect, it } from 'vitest';
import { traceStages, type LiveTrace } from './live-trace.ts';

describe('traceStages: where a live run spent its time', () => {
  it('places the worker spans on the page clock and splits the compile into its stages', () => {
    const epoch = (t: number) => performance.timeOrigin + t;
    const t: LiveTrace = {
      changed: 100,
      started: 100,
      compileSpan: { received: epoch(102), started: epoch(103), finished: epoch(163), stages: { key: 1, lower: 2, serialize: 20, session: 30 } },
      compiled: 165,
      runSent: 166,
      runSpan: { received: epoch(167), started: epoch(167), finished: epoch(180), stages: { run: 12 } },
      ran: 182,
      handed: 183,
      shown: 190,
    };
    const m = Object.fromEntries(traceStages(t).map(([n, , ms]) => [n, ms]));
    expect(m['rs.live.total']).toBe(90);
    expect(m['rs.live.wait']).toBe(0);
    expect(m['rs.live.compile.post']).toBeCloseTo(2, 6);
    expect(m['rs.live.compile.queue']).toBeCloseTo(1, 6);
    expect(m['rs.live.compile.serialize']).toBe(20);
    expect(m['rs.live.compile.session']).toBe(30);
    expect(m['rs.live.compile.other']).toBeCloseTo(60 - 53, 6);
    expect(m['rs.live.compile.reply']).toBeCloseTo(2, 6);
    expect(m['rs.live.run.infer']).toBeCloseTo(13, 6);
    expect(m['rs.live.render']).toBe(7);
  });

  it('leaves out the compile stages of a cached session and anything not reached', () => {
    const names = traceStages({ changed: 0, started: 50, compiled: 52 }).map(([n]) => n);
    expect(names).toEqual(['rs.live.wait']);
  });
});
