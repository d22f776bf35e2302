import { describe, expect, it } from 'vitest';
import { SessionCache } from './session-cache.ts';

const MB = 2 ** 20;
const entry = (name: string, mb: number) => ({ name, bytes: mb * MB });
const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name);

describe('SessionCache', () => {
  it('keeps four small models, least recently used out first, and touching one keeps it', () => {
    const c = new SessionCache<{ name: string; bytes: number }>({ maxSessions: 4, maxBytes: 96 * MB });
    for (const n of ['a', 'b', 'c', 'd']) {
      expect(c.makeRoom(MB)).toEqual([]);
      c.remember(n, entry(n, 1));
    }
    expect(c.touch('a')?.name).toBe('a');
    // A fifth must not make five live sessions at once: b (now the oldest) goes before it is created.
    expect(names(c.makeRoom(MB))).toEqual(['b']);
    expect(c.remember('e', entry('e', 1))).toEqual([]);
    expect(c.keys()).toEqual(['c', 'd', 'a', 'e']);
  });

  it('makes room by size before a large model is created, but keeps the most recent session', () => {
    const c = new SessionCache<{ name: string; bytes: number }>({ maxSessions: 4, maxBytes: 96 * MB });
    c.remember('r18-a', entry('r18-a', 45));
    expect(c.makeRoom(45 * MB)).toEqual([]); // 90 MB together: both stay
    c.remember('r18-b', entry('r18-b', 45));
    expect(names(c.makeRoom(45 * MB))).toEqual(['r18-a']);
    c.remember('r18-c', entry('r18-c', 45));
    // A model over the budget on its own still leaves the current session, so its result can rerun.
    expect(names(c.makeRoom(200 * MB))).toEqual(['r18-b']);
    expect(c.keys()).toEqual(['r18-c']);
  });

  it('removes one entry or all of them for disposal', () => {
    const c = new SessionCache<{ name: string; bytes: number }>();
    c.remember('a', entry('a', 1));
    c.remember('b', entry('b', 1));
    expect(names(c.remove('a'))).toEqual(['a']);
    expect(c.remove('missing')).toEqual([]);
    c.remember('c', entry('c', 1));
    expect(names(c.remove())).toEqual(['b', 'c']);
    expect(c.size).toBe(0);
  });
});
