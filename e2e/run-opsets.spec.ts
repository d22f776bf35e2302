import { expect, test } from '@playwright/test';
import type { RuntimeCheckOut, RuntimeCheckPage, RuntimeCheckRun } from '../app/runtime-check.ts';
import { chain } from '../src/graph/testing/chain.ts';
import { compile } from '../src/onnx/compile.ts';
import { relDiff, testInput } from '../src/onnx/testing/run-ort.ts';
import { forwardReference } from '../src/onnx/testing/torch-forward.ts';
import { randomBnStore } from '../src/onnx/testing/weights.ts';
import { openApp } from './pages/editor.ts';

/**
 * Every opset's export runs in the browser's onnxruntime-web (the runtime worker, on WASM and on
 * WebGPU) and computes what PyTorch's own modules compute (relative ≤ 1e-4), through the test-only
 * page app/runtime-check.html. The net is small and uses the ops whose lowering changes with the
 * opset (HardSwish from 14, Gelu from 20) beside a zero-pad residual block, BN and both pools.
 */
const OPSETS = [13, 14, 15, 16, 17, 18, 19, 20, 21];
const input = { channels: 3, height: 16, width: 16 };
const doc = chain(
  [
    ['Input'],
    ['Conv2d', { outChannels: 8, kernel: 3, padding: 1 }],
    ['BatchNorm2d'],
    ['Hardswish'],
    ['BasicBlock', { width: 16, stride: 2, shortcut: 'zero-pad' }],
    ['GELU', { approximate: 'tanh' }],
    ['AvgPool2d', { kernel: 3, stride: 1, padding: 1, countIncludePad: false }],
    ['SiLU'],
    ['GlobalAvgPool'],
    ['Flatten'],
    ['Linear', { outFeatures: 10 }],
    ['Softmax'],
    ['Output'],
  ],
  input,
).doc;
const weights = randomBnStore(doc);
const dims = [2, input.channels, input.height, input.width];
const x = testInput(dims.reduce((a, b) => a * b, 1), 5).map((v) => 3 * v);
const b64 = (a: Uint8Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const f32 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

test('every opset 13–21 runs in onnxruntime-web (WASM and WebGPU) and matches PyTorch', async ({ page }) => {
  test.setTimeout(300_000);
  const [torch] = forwardReference([{ name: 'opset net', doc, weights, input: x, batch: 2 }]);
  await openApp(page, '/runtime-check.html');
  await page.waitForFunction(() => Boolean((window as unknown as { __rsRuntimeCheck?: RuntimeCheckPage }).__rsRuntimeCheck));
  const bad: string[] = [];
  for (const opset of OPSETS) {
    const r = compile(doc, { opset, weights });
    expect(r.model!.opset).toBe(opset);
    for (const backend of ['wasm', 'webgpu'] as const) {
      const req: RuntimeCheckRun = { bytes: b64(r.bytes!), input: b64(x), dims, backend };
      const out: RuntimeCheckOut = await page.evaluate((a) => (window as unknown as { __rsRuntimeCheck: RuntimeCheckPage }).__rsRuntimeCheck.run(a), req);
      expect(out.backend).toBe(backend);
      const d = relDiff(f32(out.output), torch!.output.data);
      console.info(`opset ${opset} ${backend}: relative difference to torch ${d.toExponential(2)}`);
      if (!(d <= 1e-4)) bad.push(`opset ${opset} ${backend}: ${d.toExponential(2)}`);
    }
  }
  expect(bad).toEqual([]);
});
