/**
 * Test-only page (not part of the app's build): exposes the training worker to Playwright as
 * `window.__rsTrainStep`, with tensors as base64 so they cross `page.evaluate` intact. Used by
 * `e2e/train-step.spec.ts` and `scripts/bench-train.mts`.
 */
import { TrainClient } from './runtime/train-client.ts';
import type { TrainBackend, TrainOpenOut, TrainStepsOut, WireBatch } from './runtime/train-protocol.ts';

/** A float32 tensor as base64 of its little-endian bytes. */
export interface B64Tensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: string;
}

/** Batches given as data, or made in the page (seeded uniform inputs in [-1, 1), labels `i mod classes`). */
export type PageBatches =
  | { readonly kind: 'data'; readonly batches: readonly { readonly input: string; readonly inputDims: readonly number[]; readonly target: readonly number[] }[] }
  | { readonly kind: 'synthetic'; readonly count: number; readonly inputDims: readonly number[]; readonly classes: number; readonly seed: number };

export interface PageOpen {
  readonly bytes: string;
  readonly backend: TrainBackend;
  readonly state: readonly B64Tensor[];
  readonly placement?: boolean;
}
export interface PageSteps {
  readonly batches: PageBatches;
  readonly steps: number;
  readonly lr: number | readonly number[];
  readonly returnState?: boolean;
}
/** What `steps` gives back: the worker's answer with the state as base64, and the page's wall time of the request. */
export type PageStepsOut = Omit<TrainStepsOut, 'state'> & { readonly state?: readonly B64Tensor[]; readonly wallMs: number };

export interface TrainStepPage {
  open(o: PageOpen): Promise<TrainOpenOut>;
  steps(s: PageSteps): Promise<PageStepsOut>;
  close(): Promise<void>;
  /**
   * Starts `s`, cancels it after `afterMs`, then runs one more step: resolves to the cancelled
   * request's error and the step count after that one step (the worker really stopped if small).
   */
  cancelDuring(s: PageSteps, afterMs: number): Promise<{ readonly message: string; readonly totalAfter: number }>;
  /** Sends a request the worker must refuse (for the error path): resolves to its error message. */
  bad(kind: 'garbage-file' | 'steps-before-open'): Promise<string>;
  readonly crossOriginIsolated: boolean;
}

const bytesOf = (b64: string): Uint8Array => (Uint8Array as unknown as { fromBase64(s: string): Uint8Array }).fromBase64(b64);
const b64Of = (a: ArrayBufferView): string => (new Uint8Array(a.buffer, a.byteOffset, a.byteLength) as unknown as { toBase64(): string }).toBase64();
const floats = (b64: string): Float32Array => {
  const u = bytesOf(b64);
  return new Float32Array(u.buffer, u.byteOffset, u.byteLength / 4);
};

function batchesOf(b: PageBatches): WireBatch[] {
  if (b.kind === 'data') return b.batches.map((x) => ({ input: floats(x.input), inputDims: x.inputDims, target: BigInt64Array.from(x.target, BigInt) }));
  const n = b.inputDims.reduce((p, q) => p * q, 1);
  let s = b.seed >>> 0 || 1;
  return Array.from({ length: b.count }, () => {
    const input = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      input[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
    }
    return { input, inputDims: b.inputDims, target: BigInt64Array.from({ length: b.inputDims[0]! }, (_, i) => BigInt(i % b.classes)) };
  });
}

let client: TrainClient | undefined;
const train = (): TrainClient => (client ??= new TrainClient());

const page: TrainStepPage = {
  crossOriginIsolated: self.crossOriginIsolated,
  async open(o) {
    return train().open({ bytes: bytesOf(o.bytes), backend: o.backend, state: o.state.map((t) => ({ name: t.name, dims: t.dims, data: floats(t.data) })), placement: o.placement ?? false });
  },
  async steps(s) {
    const batches = batchesOf(s.batches);
    const t0 = performance.now();
    const out = await train().steps({ batches, steps: s.steps, lr: s.lr, returnState: s.returnState ?? false });
    const wallMs = performance.now() - t0;
    const { state, ...rest } = out;
    return { ...rest, wallMs, ...(state ? { state: state.map((t) => ({ name: t.name, dims: t.dims, data: b64Of(t.data) })) } : {}) };
  },
  async close() {
    await train().request({ type: 'close' }).promise;
  },
  async cancelDuring(s, afterMs) {
    const batches = batchesOf(s.batches);
    const call = train().request({ type: 'steps', batches, steps: s.steps, lr: s.lr });
    setTimeout(() => train().cancel(call.id), afterMs);
    let message = '';
    try {
      await call.promise;
    } catch (e) {
      message = (e as Error).message;
    }
    const after = await train().steps({ batches: batchesOf(s.batches), steps: 1, lr: s.lr });
    return { message, totalAfter: after.totalSteps };
  },
  async bad(kind) {
    try {
      if (kind === 'garbage-file') await train().open({ bytes: Uint8Array.of(1, 2, 3, 4), backend: 'wasm', state: [] });
      else {
        await train().request({ type: 'close' }).promise;
        await train().steps({ batches: [{ input: new Float32Array(4), inputDims: [1, 1, 2, 2], target: BigInt64Array.of(0n) }], steps: 1, lr: 0.1 });
      }
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  },
};

(window as unknown as { __rsTrainStep: TrainStepPage }).__rsTrainStep = page;
