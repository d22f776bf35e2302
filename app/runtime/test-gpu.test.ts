import { describe, expect, it } from 'vitest';
import { runtimeWorkerName, TEST_DEVICE_REFUSED, TEST_HARDWARE_ADAPTER, testGpu, testGpuMode } from './test-gpu.ts';

/** A stand-in for navigator.gpu whose adapter is a software one, as SwiftShader's is. */
const adapter = { info: { vendor: 'google', description: 'swiftshader', isFallbackAdapter: true }, requestDevice: () => Promise.resolve('device'), features: new Set(['f']) };
const gpu = { requestAdapter: () => Promise.resolve(adapter as object | null) };

describe('the test-only WebGPU switch', () => {
  it('is off in production: without ?testGpu the worker is plain residual-runtime and sees navigator.gpu untouched', () => {
    expect(runtimeWorkerName('')).toBe('residual-runtime');
    expect(runtimeWorkerName('?template=tiny-resnet&backend=auto')).toBe('residual-runtime');
    expect(runtimeWorkerName('?testGpu=anything-else')).toBe('residual-runtime');
    expect(testGpuMode('residual-runtime')).toBeUndefined();
    expect(testGpu(undefined, gpu)).toBe(gpu);
  });

  it('carries the page\'s mode to the worker by its name', () => {
    expect(testGpuMode(runtimeWorkerName('?persist=0&testGpu=no-adapter'))).toBe('no-adapter');
  });

  it('each mode changes what the probe sees, and only that', async () => {
    expect(testGpu('no-webgpu', gpu)).toBeUndefined();
    expect(await testGpu('no-adapter', gpu)!.requestAdapter()).toBeNull();
    expect(testGpu('no-device', gpu)).toBe(gpu);
    const refusing = (await testGpu('session-fails', gpu)!.requestAdapter()) as typeof adapter;
    await expect(refusing.requestDevice()).rejects.toThrow(TEST_DEVICE_REFUSED);
    expect(refusing.features.has('f')).toBe(true);
    const hardware = (await testGpu('real-adapter', gpu)!.requestAdapter()) as typeof adapter;
    expect(hardware.info).toMatchObject({ description: TEST_HARDWARE_ADAPTER, isFallbackAdapter: false });
    expect(await hardware.requestDevice()).toBe('device');
  });
});
