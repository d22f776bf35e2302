import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuntimeClient, RuntimeError, type WorkerLike } from './client.ts';
import type { Request, Response } from './protocol.ts';

/** A scripted stand-in for the runtime worker. */
class FakeWorker implements WorkerLike {
  static made: FakeWorker[] = [];
  readonly sent: { msg: Request; transfer: Transferable[] }[] = [];
  terminated = false;
  private readonly on: { message: ((ev: MessageEvent<Response>) => void)[]; error: ((ev: Event) => void)[] } = { message: [], error: [] };
  /** How the fake answers each request; undefined = stays silent. */
  constructor(private readonly answer: (req: Request) => Response | undefined) {
    FakeWorker.made.push(this);
  }
  postMessage(msg: unknown, transfer: Transferable[] = []) {
    const req = msg as Request;
    this.sent.push({ msg: req, transfer });
    const res = this.answer(req);
    if (res) queueMicrotask(() => this.emit(res));
  }
  emit(res: Response) {
    for (const f of this.on.message) f({ data: res } as MessageEvent<Response>);
  }
  crash(message: string) {
    for (const f of this.on.error) f(Object.assign(new Event('error'), { message }));
  }
  terminate() {
    this.terminated = true;
  }
  addEventListener(type: 'message' | 'error', fn: (ev: never) => void) {
    (this.on[type] as ((ev: never) => void)[]).push(fn);
  }
}

const echo = (req: Request): Response | undefined =>
  req.type === 'dispose' ? { type: 'result', id: req.id, out: { disposed: 1 } } : req.type === 'run' ? undefined : { type: 'result', id: req.id, out: { cancelled: true } };

afterEach(() => {
  FakeWorker.made = [];
  vi.useRealTimers();
});

describe('RuntimeClient', () => {
  it('matches answers to requests by id and transfers buffers', async () => {
    const c = new RuntimeClient(() => new FakeWorker(echo));
    const data = new Float32Array(4);
    const a = c.request({ type: 'dispose' });
    const b = c.request({ type: 'dispose', key: 'k' }, [data.buffer]);
    expect(a.id).not.toBe(b.id);
    await expect(a.promise).resolves.toEqual({ disposed: 1 });
    await expect(b.promise).resolves.toEqual({ disposed: 1 });
    expect(FakeWorker.made[0]!.sent[1]!.transfer).toEqual([data.buffer]);
  });

  it('rejects a cancelled request at once and tells the worker', async () => {
    const c = new RuntimeClient(() => new FakeWorker(echo));
    const run = c.request({ type: 'run', key: 'k', input: { name: 'input', dims: [1], data: new Float32Array(1) } });
    c.cancel(run.id);
    await expect(run.promise).rejects.toMatchObject({ kind: 'cancelled' });
    const sent = FakeWorker.made[0]!.sent.map((s) => s.msg);
    expect(sent.at(-1)).toMatchObject({ type: 'cancel', target: run.id });
  });

  it('ignores a late answer to a cancelled request', async () => {
    let late: Response | undefined;
    const c = new RuntimeClient(() => new FakeWorker((req) => (req.type === 'run' ? ((late = { type: 'result', id: req.id, out: { outputs: [], backend: 'wasm', first: true, timings: {} } }), undefined) : undefined)));
    const run = c.request({ type: 'run', key: 'k', input: { name: 'input', dims: [1], data: new Float32Array(1) } });
    c.cancel(run.id);
    FakeWorker.made[0]!.emit(late!);
    await expect(run.promise).rejects.toBeInstanceOf(RuntimeError);
  });

  it('restarts a crashed worker, fails what was in flight, and serves the next request', async () => {
    const events: unknown[] = [];
    const c = new RuntimeClient(() => new FakeWorker(echo), { onEvent: (e) => events.push(e) });
    const run = c.request({ type: 'run', key: 'k', input: { name: 'input', dims: [1], data: new Float32Array(1) } });
    FakeWorker.made[0]!.crash('boom');
    await expect(run.promise).rejects.toMatchObject({ kind: 'crash', message: 'boom' });
    expect(FakeWorker.made[0]!.terminated).toBe(true);
    expect(events).toEqual([{ type: 'restarted', reason: 'crash', message: 'boom', generation: 1 }]);
    await expect(c.request({ type: 'dispose' }).promise).resolves.toEqual({ disposed: 1 });
    expect(FakeWorker.made).toHaveLength(2);
    // A stale error from the old worker does not restart the new one.
    FakeWorker.made[0]!.crash('again');
    expect(c.generation).toBe(1);
  });

  it('treats an unanswered request as a hung worker: terminate, restart, report', async () => {
    vi.useFakeTimers();
    const events: { reason: string }[] = [];
    const c = new RuntimeClient(() => new FakeWorker(echo), { timeouts: { run: 1000 }, onEvent: (e) => events.push(e) });
    const run = c.request({ type: 'run', key: 'k', input: { name: 'input', dims: [1], data: new Float32Array(1) } });
    const settled = expect(run.promise).rejects.toMatchObject({ kind: 'timeout' });
    await vi.advanceTimersByTimeAsync(999);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    await settled;
    expect(FakeWorker.made[0]!.terminated).toBe(true);
    expect(events[0]!.reason).toBe('timeout');
    vi.useRealTimers();
    await expect(c.request({ type: 'dispose' }).promise).resolves.toEqual({ disposed: 1 });
  });

  it('gives a request its own hang timeout when asked (a run queued behind a long compile)', async () => {
    vi.useFakeTimers();
    const events: { reason: string }[] = [];
    const c = new RuntimeClient(() => new FakeWorker(echo), { timeouts: { run: 1000 }, onEvent: (e) => events.push(e) });
    const run = c.request({ type: 'run', key: 'k', input: { name: 'input', dims: [1], data: new Float32Array(1) } }, [], 5000);
    const settled = expect(run.promise).rejects.toMatchObject({ kind: 'timeout' });
    await vi.advanceTimersByTimeAsync(4000);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1001);
    await settled;
    expect(events[0]!.reason).toBe('timeout');
    vi.useRealTimers();
  });

  it('passes worker errors through with their kind and diagnostics', async () => {
    const c = new RuntimeClient(
      () => new FakeWorker((req) => ({ type: 'error', id: req.id, err: { kind: 'compile', message: 'bad', diagnostics: [{ code: 'RS201', severity: 'error', message: 'bad' }] } })),
    );
    const err = await c.request({ type: 'dispose' }).promise.catch((e: RuntimeError) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).kind).toBe('compile');
    expect((err as RuntimeError).diagnostics?.[0]?.code).toBe('RS201');
  });

  it('refuses requests after dispose', async () => {
    const c = new RuntimeClient(() => new FakeWorker(echo));
    c.dispose();
    await expect(c.request({ type: 'dispose' }).promise).rejects.toBeInstanceOf(RuntimeError);
  });
});
