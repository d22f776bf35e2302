/**
 * Test-only page (not part of the app's build): exposes the runtime worker to Playwright as
 * `window.__rsRuntimeCheck`, to run ready ONNX files (`load`, then `run`) on a chosen backend, with
 * bytes and tensors as base64 so they cross `page.evaluate` intact. Used by `e2e/run-opsets.spec.ts`.
 */
import { createRuntimeWorker, RuntimeClient } from './runtime/client.ts';
import type { Backend, BackendChoice } from './runtime/protocol.ts';

export interface RuntimeCheckRun {
  /** The ONNX file, base64. */
  readonly bytes: string;
  /** The float32 input, base64 of its little-endian bytes. */
  readonly input: string;
  readonly dims: readonly number[];
  readonly backend: BackendChoice;
}
export interface RuntimeCheckOut {
  readonly backend: Backend;
  /** The first output, base64 of its float32 little-endian bytes. */
  readonly output: string;
  readonly dims: readonly number[];
}
export interface RuntimeCheckPage {
  run(r: RuntimeCheckRun): Promise<RuntimeCheckOut>;
}

const fromB64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
function toB64(a: Float32Array): string {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

const client = new RuntimeClient(createRuntimeWorker);
let files = 0;

const page: RuntimeCheckPage = {
  async run({ bytes, input, dims, backend }) {
    const key = `check-${files++}`;
    const loaded = await client.request({ type: 'load', key, bytes: fromB64(bytes), backend }).promise;
    const x = fromB64(input);
    const out = await client.request({ type: 'run', key: loaded.key, input: { name: 'input', dims, data: new Float32Array(x.buffer, x.byteOffset, x.byteLength / 4) } }).promise;
    await client.request({ type: 'dispose', key: loaded.key }).promise;
    const first = out.outputs[0]!;
    return { backend: out.backend, output: toB64(first.data), dims: first.dims };
  },
};
(window as unknown as { __rsRuntimeCheck: RuntimeCheckPage }).__rsRuntimeCheck = page;
