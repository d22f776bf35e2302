import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { tensorFromGray } from '../src/input/preprocess.ts';
import { buildTemplate } from '../src/templates/templates.ts';
import { EditorPage } from './pages/editor.ts';
import { RunPanel } from './pages/run-panel.ts';

/**
 * The trained default model, in the app on WASM, classifies held-out Fashion-MNIST test images as
 * well as the Node test measures. The images are the first N of the committed held-out set
 * (public/data/fashion-mnist-test-2000.bin: test images 8000..9999, which the shipped samples,
 * drawn from 0..7999, are not among), uploaded one by one as PNGs the way a user picks a file.
 * The reference is onnxruntime-node on the committed model with the Node test's preprocessing,
 * on the same images. Tolerance: the app's accuracy within one image (1/N) of that, and at
 * least 99% of the predictions the same image for image (measured: 300/300, 90.00% both).
 */
const N = 300;
const pub = (p: string) => new URL(`../public/${p}`, import.meta.url);
const images = readFileSync(pub('data/fashion-mnist-test-2000.bin'));
const labels = readFileSync(pub('data/fashion-mnist-test-2000-labels.bin'));
const names: string[] = JSON.parse(readFileSync(pub('labels/fashion-mnist.json'), 'utf8'));
const HW = 28 * 28;

/** A 28×28 8-bit greyscale PNG of the given pixels (filter 0 on every row). */
function png(pixels: Uint8Array): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(28, 0);
  ihdr.writeUInt32BE(28, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, no interlace
  const raw = Buffer.alloc(28 * 29);
  for (let y = 0; y < 28; y++) raw.set(pixels.subarray(y * 28, (y + 1) * 28), y * 29 + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** onnxruntime-node's top-1 on the first N held-out images, preprocessed as the Node test does. */
async function nodePredictions(): Promise<number[]> {
  const spec = buildTemplate('fashion-resnet')!.input;
  const batch = new Float32Array(N * HW);
  for (let i = 0; i < N; i++) batch.set(tensorFromGray(images.subarray(i * HW, (i + 1) * HW), spec).data, i * HW);
  const session = await ort.InferenceSession.create(readFileSync(pub('models/fashion-resnet.onnx')));
  try {
    const out = (await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', batch, [N, 1, 28, 28]) }))[session.outputNames[0]!]!.data as Float32Array;
    return Array.from({ length: N }, (_, i) => {
      const row = Array.from(out.subarray(i * 10, i * 10 + 10));
      return row.indexOf(Math.max(...row));
    });
  } finally {
    await session.release();
  }
}

test(`the default model on WASM classifies ${N} held-out Fashion-MNIST images as accurately as onnxruntime-node (within 1/${N})`, async ({ page }) => {
  test.setTimeout(600_000);
  const reference = await nodePredictions();
  const run = new RunPanel(page);
  await new EditorPage(page).open('?persist=0&backend=wasm');
  await run.settled();
  await expect(run.backendUsed).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('run.weights')).toHaveAttribute('data-fresh', '0');

  const app: number[] = [];
  let before = await page.getByTestId('run.logits').getAttribute('data-values');
  for (let i = 0; i < N; i++) {
    const name = `held-out-${8000 + i}.png`;
    await page.getByTestId('run.input.upload').setInputFiles({ name, mimeType: 'image/png', buffer: png(images.subarray(i * HW, (i + 1) * HW)) });
    await expect(page.getByTestId('run.input.source')).toContainText(name);
    // This image's result: the logits change from the last image's, and the run is done and current.
    await expect(page.getByTestId('run.logits')).not.toHaveAttribute('data-values', before ?? '');
    await run.settled();
    before = await page.getByTestId('run.logits').getAttribute('data-values');
    const shown = (await page.getByTestId('run.prediction').textContent()) ?? '';
    expect(names).toContain(shown);
    app.push(names.indexOf(shown));
  }

  const accuracy = (p: readonly number[]) => p.filter((c, i) => c === labels[i]).length / N;
  const agree = app.filter((c, i) => c === reference[i]).length;
  console.info(`held-out accuracy on ${N} images: app (WASM) ${(accuracy(app) * 100).toFixed(2)}%, onnxruntime-node ${(accuracy(reference) * 100).toFixed(2)}%, same prediction on ${agree}/${N}`);
  expect(Math.abs(accuracy(app) - accuracy(reference))).toBeLessThanOrEqual(1 / N + 1e-9);
  expect(agree / N).toBeGreaterThanOrEqual(0.99);
  // The Node test's floor is 90% over all 2000; these 300 score 90.0% there, so allow a subset's spread.
  expect(accuracy(app)).toBeGreaterThanOrEqual(0.88);
});
