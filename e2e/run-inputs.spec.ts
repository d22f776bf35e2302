import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

/**
 * The inputs a user brings: an uploaded picture, a dropped one, a file that is not a picture
 * (refused, the current input kept), and a webcam frame (Chromium's synthetic camera here).
 */
const sample = (file: string) => readFileSync(new URL(`../public/samples/${file}`, import.meta.url));

async function settled(page: Page) {
  await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('run.result')).toHaveAttribute('data-stale', 'false');
}

test.describe('run inputs', () => {
  test.describe.configure({ timeout: 180_000 });

  test('an uploaded and a dropped picture are what the model sees; a file that is not a picture is refused and changes nothing', async ({ page }) => {
    await new EditorPage(page).open('?persist=0&backend=wasm');
    await expect(page.getByTestId('run.input.source')).toContainText('fashion-0-t-shirt-top.png');
    await settled(page);

    await page.getByTestId('run.input.upload').setInputFiles({ name: 'my-dress.png', mimeType: 'image/png', buffer: sample('fashion-3-dress.png') });
    await expect(page.getByTestId('run.input.source')).toContainText('my-dress.png');
    await settled(page);
    await expect(page.getByTestId('run.prediction')).toHaveText('Dress');

    const drop = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped-bag.png', { type: 'image/png' }));
      return dt;
    }, sample('fashion-8-bag.png').toString('base64'));
    await page.getByTestId('run.input').dispatchEvent('dragover', { dataTransfer: drop });
    await page.getByTestId('run.input').dispatchEvent('drop', { dataTransfer: drop });
    await expect(page.getByTestId('run.input.source')).toContainText('dropped-bag.png');
    await settled(page);
    await expect(page.getByTestId('run.prediction')).toHaveText('Bag');
    const logits = await page.getByTestId('run.logits').getAttribute('data-values');
    expect(logits).toMatch(/^\[-?\d/);

    await page.getByTestId('run.input.upload').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are notes, not pixels') });
    await expect(page.getByTestId('run.input.error')).toContainText('notes.png: not a picture the browser can decode');
    await expect(page.getByTestId('run.input.source')).toContainText('dropped-bag.png');
    await expect(page.getByTestId('run.prediction')).toHaveText('Bag');
    expect(await page.getByTestId('run.logits').getAttribute('data-values')).toBe(logits);
    await page.getByTestId('run.panel').screenshot({ path: test.info().outputPath('refused.png') });
  });

  test('a webcam frame becomes the input, resized to what the model sees', async ({ page }) => {
    await new EditorPage(page).open('?persist=0&backend=wasm');
    await settled(page);
    await page.getByTestId('run.input.webcam').click();
    await expect(page.getByTestId('run.input.error')).toBeHidden();
    await page.waitForFunction(() => ((document.querySelector('video.run-video') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0);
    await page.getByTestId('run.input.webcam.snap').click();
    await expect(page.getByTestId('run.input.source')).toContainText('webcam frame');
    await settled(page);
    // The model sees the frame at its own input size (28×28), not the camera's.
    const view = await page.getByTestId('run.input.view').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    expect(view).toEqual([28, 28]);
    await expect(page.getByTestId('run.prediction')).not.toBeEmpty();
    await page.getByTestId('run.panel').screenshot({ path: test.info().outputPath('webcam.png') });
  });
});
