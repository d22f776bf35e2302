import { expect, test } from '@playwright/test';
import { TEST_DEVICE_REFUSED, TEST_HARDWARE_ADAPTER, type TestGpuMode } from '../app/runtime/test-gpu.ts';
import { EditorPage } from './pages/editor.ts';
import { RunPanel } from './pages/run-panel.ts';

/**
 * Every path of the backend choice, each reached through the runtime worker's test-only
 * `?testGpu=` switch (app/runtime/test-gpu.ts) on this machine's one (SwiftShader) adapter: which
 * backend ran, and the exact reason the run panel gives for not using WebGPU. (The untouched
 * software adapter under auto is run-live.spec.ts's.)
 */
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Path {
  readonly title: string;
  readonly backend: 'auto' | 'webgpu';
  readonly mode?: TestGpuMode;
  readonly ran: 'wasm' | 'webgpu';
  /** The reason shown, exactly (a RegExp where it carries onnxruntime's own words); none when WebGPU ran. */
  readonly reason?: string | RegExp;
}

const PATHS: readonly Path[] = [
  { title: 'no WebGPU API: auto runs WASM', backend: 'auto', mode: 'no-webgpu', ran: 'wasm', reason: 'Not WebGPU: this browser offers no WebGPU' },
  { title: 'no WebGPU API, WebGPU forced: falls back to WASM', backend: 'webgpu', mode: 'no-webgpu', ran: 'wasm', reason: 'WebGPU unavailable, fell back to WASM: this browser offers no WebGPU' },
  { title: 'no adapter: auto runs WASM', backend: 'auto', mode: 'no-adapter', ran: 'wasm', reason: 'Not WebGPU: no WebGPU adapter' },
  { title: 'an adapter but no device, WebGPU forced: falls back to WASM', backend: 'webgpu', mode: 'no-device', ran: 'wasm', reason: 'WebGPU unavailable, fell back to WASM: WebGPU backend did not initialise a device' },
  {
    title: 'session creation failing on WebGPU, WebGPU forced: falls back to WASM with onnxruntime\'s error',
    backend: 'webgpu',
    mode: 'session-fails',
    ran: 'wasm',
    reason: new RegExp(`^WebGPU unavailable, fell back to WASM: WebGPU session failed: .*${escape(TEST_DEVICE_REFUSED)}`),
  },
  { title: 'a real (non-fallback) adapter: auto chooses WebGPU', backend: 'auto', mode: 'real-adapter', ran: 'webgpu' },
];

test.describe('backend choice and its fallbacks', () => {
  test.describe.configure({ timeout: 180_000 });
  for (const p of PATHS) {
    test(p.title, async ({ page }) => {
      const run = new RunPanel(page);
      await new EditorPage(page).open(`?template=tiny-resnet&persist=0&backend=${p.backend}${p.mode ? `&testGpu=${p.mode}` : ''}`);
      await run.useGradient();
      await expect(run.backendUsed).toHaveAttribute('data-backend', p.ran, { timeout: 80_000 });
      await run.settled();
      if (p.reason === undefined) {
        await expect(run.backendReason).toHaveCount(0);
        if (p.mode === 'real-adapter') await expect(run.backendUsed).toContainText(TEST_HARDWARE_ADAPTER);
      } else {
        await expect(run.backendReason).toHaveText(p.reason);
      }
      expect(await run.logits()).toHaveLength(10);
    });
  }
});
