import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';
import { TrainPanelPage } from './pages/train.ts';

// Training in the browser is slow when the machine is shared: each run here is kept to a few
// hundred small steps at most, and the timeouts are generous.
test.describe.configure({ timeout: 480_000 });

test('a few hundred steps of the default net lift test accuracy far above chance; the run panel then predicts with the trained weights', async ({ page }) => {
  await new EditorPage(page).open('?persist=0&backend=wasm');
  // What the shipped weights say about a sample, to tell the trained ones' answer from it.
  await page.getByTestId('run.input.sample.0').click();
  await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const shipped = await page.getByTestId('run.logits').getAttribute('data-values');
  const train = new TrainPanelPage(page);
  await train.show();
  await expect(page.getByTestId('train.input')).toHaveAttribute('data-fitted', 'false');
  // 200 steps of 16 images from fresh weights: one epoch of 3,200 images.
  await train.set({ fresh: true, batch: 16, epochs: 1, limit: 3200, lr: 0.05, backend: 'wasm' });
  await train.button('start').click();
  await expect(train.backend).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await expect(train.progress).toHaveAttribute('data-step', /^[1-9]/, { timeout: 120_000 });
  await page.screenshot({ path: '/tmp/shots/train-running.png' });
  await train.expectPhase('done');
  await expect(train.message).toHaveAttribute('data-key', 'doneTest');
  const accuracy = Number((await train.message.textContent())!.match(/([\d.]+)% on the test set/)![1]);
  expect(accuracy).toBeGreaterThan(50); // chance is 10%
  await expect(train.accuracyPoints()).toHaveAttribute('data-points', '1');
  await expect(train.lossPoints()).toHaveAttribute('data-points', '200');
  await page.screenshot({ path: '/tmp/shots/train-done.png' });
  await page.getByTestId('train.chart.accuracy').scrollIntoViewIfNeeded();
  await train.root.screenshot({ path: '/tmp/shots/train-done-charts.png' });
  await train.showRun();
  await expect(page.getByTestId('run.weights')).toHaveText('All weights are trained.', { timeout: 120_000 });
  await expect(page.getByTestId('run.weights')).toHaveAttribute('data-fresh', '0');
  // The run panel ran the sample again, with the weights just trained: another answer.
  await expect.poll(() => page.getByTestId('run.logits').getAttribute('data-values'), { timeout: 120_000 }).not.toBe(shipped);
  await expect(page.getByTestId('run.result')).toHaveAttribute('data-stale', 'false');
});

test('pause holds the step and resume goes on; after a reload the run resumes from the pause checkpoint', async ({ page }) => {
  await new EditorPage(page).open('?persist=0&backend=wasm');
  const train = new TrainPanelPage(page);
  await train.show();
  await train.set({ fresh: true, batch: 16, epochs: 2, limit: 1600, backend: 'wasm' });
  await train.button('start').click();
  await expect(train.progress).toHaveAttribute('data-step', /^([5-9]|\d\d+)$/, { timeout: 180_000 });
  await train.button('pause').click();
  await train.expectPhase('paused', 60_000);
  const held = Number(await train.progress.getAttribute('data-step'));
  await page.screenshot({ path: '/tmp/shots/train-paused.png' });
  // Paused means no step: the count holds while other UI work goes on.
  await page.getByTestId('tab.run').click();
  await page.getByTestId('tab.train').click();
  await expect(train.progress).toHaveAttribute('data-step', String(held));
  await train.button('resume.run').click();
  await train.expectPhase('training', 30_000);
  await expect.poll(async () => Number(await train.progress.getAttribute('data-step')), { timeout: 180_000 }).toBeGreaterThan(held + 2);
  await train.button('pause').click();
  await train.expectPhase('paused', 60_000);
  const saved = Number(await train.progress.getAttribute('data-step'));

  await page.reload();
  await train.show();
  const offer = page.getByTestId('train.resume');
  await expect(offer).toHaveAttribute('data-step', String(saved));
  await expect(offer).toContainText(`interrupted at step ${saved} of 200 (epoch 1)`);
  await page.screenshot({ path: '/tmp/shots/train-resume-offer.png' });
  await train.button('resume.go').click();
  await expect.poll(async () => Number(await train.progress.getAttribute('data-step')), { timeout: 180_000 }).toBeGreaterThan(saved);
  await expect(train.lossPoints()).toHaveAttribute('data-points', /\d+/);
  expect(Number(await train.lossPoints().getAttribute('data-points'))).toBeGreaterThan(saved); // the curve before the reload came back
  await train.button('stop').click();
  await train.expectPhase('stopped', 120_000);
  await expect(train.message).toHaveAttribute('data-key', 'stoppedApplied');
});

test('a huge learning rate is stopped with the NaN message, and the document keeps its trained weights', async ({ page }) => {
  await new EditorPage(page).open('?persist=0&backend=wasm');
  await page.getByTestId('run.input.sample.0').click();
  await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const before = await page.getByTestId('run.prediction').textContent();
  const train = new TrainPanelPage(page);
  await train.show();
  await train.set({ fresh: true, batch: 16, epochs: 1, limit: 640, lr: 1000, backend: 'wasm' });
  await train.button('start').click();
  await train.expectPhase('diverged');
  await expect(train.message).toHaveAttribute('data-key', 'diverged');
  await expect(train.message).toContainText(/loss became (NaN|\+∞|−∞) at step \d+: try a smaller learning rate/);
  await page.screenshot({ path: '/tmp/shots/train-nan.png' });
  await train.showRun();
  await expect(page.getByTestId('run.weights')).toHaveText('All weights are trained.');
  await expect(page.getByTestId('run.prediction')).toHaveText(before!);
});

test('a damaged IDX file is refused with what is wrong, and the data set loaded before stays', async ({ page }) => {
  await new EditorPage(page).open('?persist=0&backend=wasm');
  const train = new TrainPanelPage(page);
  await train.show();
  const name = page.getByTestId('train.data.name');
  const before = await name.textContent();
  const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 100, 0, 0, 0, 28, 0, 0, 0, 28]);
  const images = gzipSync(Buffer.concat([header, Buffer.alloc(28 * 28 * 10)])); // 10 pictures where the header says 100
  const labels = gzipSync(Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 100]), Buffer.alloc(100)]));
  await train.openFiles([
    { name: 'train-images-idx3-ubyte.gz', buffer: images },
    { name: 'train-labels-idx1-ubyte.gz', buffer: labels },
  ]);
  const error = page.getByTestId('train.data.error');
  await expect(error).toContainText('train-images-idx3-ubyte.gz');
  await expect(error).toContainText('The data set loaded before is kept.');
  await expect(name).toHaveText(before!);
  // A download cut short: the shipped test images, half of them.
  const shipped = readFileSync(new URL('../public/data/train/t10k-images-idx3-ubyte.gz', import.meta.url));
  await train.openFiles([
    { name: 'train-images-idx3-ubyte.gz', buffer: shipped.subarray(0, shipped.length >> 1) },
    { name: 'train-labels-idx1-ubyte.gz', buffer: labels },
  ]);
  await expect(error).toContainText(/gzip|cut short|damaged/i);
  await expect(name).toHaveText(before!);
  await page.screenshot({ path: '/tmp/shots/train-refused.png' });
  await expect(train.button('start')).toBeEnabled();
});

test('a tiny net says how the 28×28 pictures become its 3×32×32 input, trains alike on WebGPU (SwiftShader) and WASM, and augmentation changes what it sees', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open('?persist=0&backend=wasm');
  await editor.openTemplate('tiny-resnet');
  const train = new TrainPanelPage(page);
  await train.show();
  await expect(page.getByTestId('train.input')).toHaveAttribute('data-fitted', 'true');
  await expect(page.getByTestId('train.input')).toContainText('28×28 grey pictures will be resized to 32×32, copied to 3 channels');
  const losses: Record<string, number> = {};
  for (const backend of ['wasm', 'webgpu'] as const) {
    await train.set({ fresh: true, batch: 8, epochs: 1, limit: 64, lr: 0.05, schedule: 'constant', augment: false, backend });
    await train.button('start').click();
    await train.expectPhase('done');
    await expect(train.backend).toHaveAttribute('data-backend', backend);
    losses[backend] = Number(await train.progress.getAttribute('data-loss'));
    if (backend === 'webgpu') await page.screenshot({ path: '/tmp/shots/train-webgpu.png' });
    // Both runs start from the same fresh weights: undo the first run's weights.
    await page.keyboard.press('Control+z');
  }
  expect(Number.isFinite(losses['wasm'])).toBe(true);
  expect(Math.abs(losses['webgpu']! - losses['wasm']!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(losses['wasm']!)));
  // Augmentation reaches the run: the same seed and steps, with crops and flips, train on other pictures.
  await train.set({ augment: true, backend: 'wasm' });
  await train.button('start').click();
  await train.expectPhase('done');
  const augmented = Number(await train.progress.getAttribute('data-loss'));
  expect(Number.isFinite(augmented)).toBe(true);
  expect(Math.abs(augmented - losses['wasm']!)).toBeGreaterThan(1e-4);
});

test('a network with fewer outputs than the data set has classes is told why it cannot train, and how to fix it', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open('?persist=0&backend=wasm');
  await editor.canvas.select('fc');
  await editor.inspector.set('outFeatures', '5');
  const train = new TrainPanelPage(page);
  await train.show();
  await train.set({ fresh: true, batch: 16, epochs: 1, limit: 320, backend: 'wasm' });
  await train.button('start').click();
  await train.expectPhase('error', 120_000);
  await expect(train.message).toHaveAttribute('data-key', 'failed');
  await expect(train.message).toContainText('has label 9, but the network has 5 classes (0–4): give its final Linear at least 10 outputs');
  await page.screenshot({ path: '/tmp/shots/train-classes.png' });
  await expect(train.button('start')).toBeEnabled();
});

test('editing the network while it trains stops the run with a clear message and applies none of its weights', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open('?persist=0&backend=wasm');
  const train = new TrainPanelPage(page);
  await train.show();
  await train.set({ fresh: true, batch: 16, epochs: 1, limit: 3200, backend: 'wasm' });
  await train.button('start').click();
  await expect(train.progress).toHaveAttribute('data-step', /^[1-9]/, { timeout: 180_000 });
  await editor.canvas.select('conv1');
  await editor.inspector.set('outChannels', '24');
  await train.expectPhase('edited', 120_000);
  await expect(train.message).toHaveAttribute('data-key', 'edited');
  await expect(train.message).toContainText('You edited the network while it trained');
  await train.showRun();
  // The layers whose shapes the edit changed run with fresh weights; the others keep the shipped trained ones.
  await expect(page.getByTestId('run.weights.fresh')).toHaveText('conv1, bn1, layer1.0', { timeout: 120_000 });
  await expect(page.getByTestId('run.weights')).toHaveAttribute('data-real', /^[1-9]/);
});

test('a crashed training worker is replaced, resumes from the last epoch checkpoint, and the panel says so; a crash while paused stays paused', async ({ page }) => {
  await new EditorPage(page).open('?persist=0&backend=wasm&trainDebug=1');
  const train = new TrainPanelPage(page);
  await train.show();
  // Four epochs of 20 steps; the crash comes after the first epoch's checkpoint.
  await train.set({ fresh: true, batch: 16, epochs: 4, limit: 320, backend: 'wasm' });
  await train.button('start').click();
  await expect(train.accuracyPoints()).toHaveAttribute('data-points', '1', { timeout: 240_000 });
  await train.button('debug.crash').click();
  await expect(train.message).toHaveAttribute('data-key', 'crashResumed', { timeout: 60_000 });
  const resumedAt = Number((await train.message.textContent())!.match(/resumed from the checkpoint at step (\d+)/)![1]);
  expect([20, 40]).toContain(resumedAt);
  await expect(train.root).toHaveAttribute('data-restarts', '1');

  // Paused, then the worker crashes: the run comes back from the pause checkpoint and stays paused.
  await expect.poll(async () => Number(await train.progress.getAttribute('data-step')), { timeout: 180_000 }).toBeGreaterThan(resumedAt);
  await train.button('pause').click();
  await train.expectPhase('paused', 60_000);
  const held = Number(await train.progress.getAttribute('data-step'));
  expect(held).toBeLessThan(80);
  await train.button('debug.crash').click();
  await expect(train.message).toHaveAttribute('data-key', 'crashPaused', { timeout: 60_000 });
  await expect(train.message).toContainText(`recovered it from the checkpoint at step ${held} and keeps it paused`);
  await expect(train.root).toHaveAttribute('data-restarts', '2');
  await expect(train.root).toHaveAttribute('data-phase', 'paused');
  await expect(train.progress).toHaveAttribute('data-step', String(held));
  await expect(train.lossPoints()).toHaveAttribute('data-points', String(held));
  await page.screenshot({ path: '/tmp/shots/train-crash-paused.png' });
  await train.button('resume.run').click();
  await train.expectPhase('done');
  await expect(train.accuracyPoints()).toHaveAttribute('data-points', '4');
  await expect(train.lossPoints()).toHaveAttribute('data-points', '80');
});

test('the panel in 中文 and dark, at 1920×1080', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await new EditorPage(page).open('?persist=0&backend=wasm');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('topbar.theme').click();
  const train = new TrainPanelPage(page);
  await train.show();
  await expect(page.getByTestId('train.data.name')).toContainText('Fashion-MNIST 子集：训练图像 12,000 张，测试图像 2,000 张');
  await train.set({ fresh: true, batch: 16, epochs: 1, limit: 320, backend: 'wasm' });
  await train.button('start').click();
  await train.expectPhase('done');
  await expect(train.message).toContainText('完成：共 20 步');
  await expect(train.backend).toContainText('在 WASM 上训练');
  await page.screenshot({ path: '/tmp/shots/train-zh-dark-1920.png' });
  await page.getByTestId('train.chart.accuracy').scrollIntoViewIfNeeded();
  await train.root.screenshot({ path: '/tmp/shots/train-zh-dark-charts.png' });
});
