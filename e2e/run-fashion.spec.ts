import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

/** The shipped samples (written by scripts/py/train_fashion_mnist.py). */
const index = new URL('../public/samples/index.json', import.meta.url);
const samples: { file: string; label: string }[] = JSON.parse(readFileSync(index, 'utf8'));

test.describe('the default trained model', () => {
  test.describe.configure({ timeout: 300_000 });

  test('predicts every shipped sample correctly on WASM, with trained weights', async ({ page }) => {
    expect(samples).toHaveLength(10);
    await page.goto('/?persist=0&backend=wasm');
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
