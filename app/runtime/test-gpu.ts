/**
 * Test-only: puts the runtime worker's WebGPU probe on one of the paths a real machine may take,
 * so e2e tests can reach each fallback of the backend choice on a machine that has one adapter.
 * Off unless the page is opened with `?testGpu=<mode>` (the client passes it in the worker's
 * name); without it the worker sees `navigator.gpu` untouched.
 *
 * - `no-webgpu`: the browser offers no `navigator.gpu`.
 * - `no-adapter`: `requestAdapter()` resolves to null.
 * - `no-device`: the adapter is real, the session is created, but no device appears.
 * - `session-fails`: the real adapter refuses `requestDevice`, so WebGPU session creation fails.
 * - `real-adapter`: the real adapter, reported as hardware (not a fallback adapter), so `auto`
 *   chooses WebGPU.
 */
export const TEST_GPU_MODES = ['no-webgpu', 'no-adapter', 'no-device', 'session-fails', 'real-adapter'] as const;
export type TestGpuMode = (typeof TEST_GPU_MODES)[number];

/** The message of the refused `requestDevice` in `session-fails`. */
export const TEST_DEVICE_REFUSED = 'test: requestDevice refused';
/** The adapter description `real-adapter` reports. */
export const TEST_HARDWARE_ADAPTER = 'test hardware adapter';

interface Gpu {
  requestAdapter(opts?: { powerPreference?: string }): Promise<object | null>;
}

/** The worker name's test mode (`residual-runtime testGpu=<mode>`), or undefined. */
export function testGpuMode(workerName: string): TestGpuMode | undefined {
  const m = /(?:^|\s)testGpu=([\w-]+)/.exec(workerName)?.[1];
  return (TEST_GPU_MODES as readonly string[]).includes(m ?? '') ? (m as TestGpuMode) : undefined;
}

/** The worker name that carries the page's `?testGpu=` mode to the worker. */
export function runtimeWorkerName(pageSearch: string): string {
  const mode = new URLSearchParams(pageSearch).get('testGpu');
  return mode && (TEST_GPU_MODES as readonly string[]).includes(mode) ? `residual-runtime testGpu=${mode}` : 'residual-runtime';
}

/** The real adapter with some members replaced; the rest read from (and bound to) the adapter. */
function override(adapter: object, members: Record<string, unknown>): object {
  return new Proxy(adapter, {
    get(target, key) {
      if (typeof key === 'string' && key in members) return members[key];
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** `navigator.gpu` as the mode has it (unchanged without a mode). */
export function testGpu<G extends Gpu>(mode: TestGpuMode | undefined, gpu: G | undefined): G | undefined {
  if (mode === 'no-webgpu') return undefined;
  if (mode === undefined || mode === 'no-device' || !gpu) return gpu;
  const requestAdapter = async (opts?: { powerPreference?: string }): Promise<object | null> => {
    if (mode === 'no-adapter') return null;
    const adapter = await gpu.requestAdapter(opts);
    if (!adapter) return null;
    if (mode === 'session-fails') return override(adapter, { requestDevice: () => Promise.reject(new Error(TEST_DEVICE_REFUSED)) });
    const info = { vendor: 'test', architecture: '', description: TEST_HARDWARE_ADAPTER, isFallbackAdapter: false };
    return override(adapter, { info, isFallbackAdapter: false });
  };
  return { requestAdapter } as unknown as G;
}
