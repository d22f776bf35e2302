import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

/** The shipped samples (written by scripts/py/train_fashion_mnist.py). */
const index = new URL('../public/samples/index.json', import.meta.url);
const samples: { file: string; label: string }[] = JSON.parse(readFileSync(index, 'utf8'));

test.describe('the default trained model', () => {
  test.describe.configure({ timeout: 300_000 });

  test('predicts every shipped sample correctly on WASM, with trained weights', async ({ page }) => {
    expect(samples).toHaveLength(10);
    await new EditorPage(page).open('?persist=0&backend=wasm');
    for (const [i, s] of samples.entries()) {
      await page.getByTestId(`run.input.sample.${i}`).click();
      await expect(page.getByTestId('run.input.source')).toContainText(s.file);
      await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
      await expect(page.getByTestId('run.prediction')).toHaveText(s.label);
    }
    await expect(page.getByTestId('run.backend.actual')).toHaveAttribute('data-backend', 'wasm');
    await expect(page.getByTestId('run.weights')).toHaveAttribute('data-fresh', '0');
    await expect(page.getByTestId('run.weights')).toHaveText('All weights are trained.');
    await page.getByTestId('run.panel').screenshot({ path: '/tmp/shots/run-fashion.png' }).catch(() => undefined);
  });
});

test('when the trained weights cannot be loaded, the model runs with fresh weights and the panel says why, in 中文 too', async ({ page }) => {
  test.setTimeout(180_000);
  await page.route('**/fashion-resnet.weights.safetensors', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await new EditorPage(page).open('?persist=0&backend=wasm');
  await page.getByTestId('run.input.sample.0').click();
  await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('run.weights')).toHaveAttribute('data-real', '0');
  const warning = page.getByTestId('run.warnings');
  await expect(warning).toContainText('RS504');
  await expect(warning).toContainText('trained weights not loaded (weights /models/fashion-resnet.weights.safetensors: HTTP 404); running with fresh weights');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await expect(warning).toContainText('训练好的权重未能加载（weights /models/fashion-resnet.weights.safetensors: HTTP 404），改用新初始化的权重运行');
});

test('a slow sample list still makes the first sample the input; without samples the model runs on a gradient', async ({ page }) => {
  test.setTimeout(180_000);
  // Slower than any timer a fallback might use: the first sample must still be what the model sees.
  await page.route('**/samples/index.json', async (route) => {
    await new Promise((r) => setTimeout(r, 2500));
    await route.continue();
  });
  await new EditorPage(page).open('?persist=0&backend=wasm');
  await expect(page.getByTestId('run.input.source')).toContainText(samples[0]!.file, { timeout: 30_000 });
  await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('run.prediction')).toHaveText(samples[0]!.label);

  await page.unroute('**/samples/index.json');
  await page.route('**/samples/index.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.reload();
  await expect(page.getByTestId('run.input.source')).toContainText('gradient', { timeout: 30_000 });
  await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
});
