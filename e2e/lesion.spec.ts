import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

/** Screenshots for people to look at (not compared): 1440 and 1920, EN/中文, light/dark. */
const SHOTS = process.env['RS_SHOTS'] ?? '/tmp/lesion-shots';

async function look(page: Page, opts: { language?: 'en' | 'zh-CN'; theme?: 'light' | 'dark' }) {
  if (opts.language) await page.getByTestId('topbar.language').selectOption(opts.language);
  if (opts.theme === 'dark') await page.getByTestId('topbar.theme').click();
}

test('the lesion study deletes each block of the trained residual net and each layer of the plain net and plots both curves; the editor stays usable', async ({ page }) => {
  test.setTimeout(300_000);
  const editor = new EditorPage(page);
  await editor.open('?persist=0');
  await page.getByTestId('teach.lesion').click();
  const study = page.getByTestId('lesion.study');
  await expect(study).toHaveAttribute('data-phase', 'idle');
  await study.getByTestId('lesion.images').selectOption('200');
  await study.getByTestId('lesion.start').click();
  await expect(study.getByTestId('lesion.progress')).toHaveAttribute('data-total', '25', { timeout: 60_000 });
  // While it runs (in its own worker), the editor answers: close the study, select a layer, come back.
  await expect(study).toHaveAttribute('data-phase', 'running');
  await page.getByTestId('lesion.close').click();
  await editor.canvas.select('conv1');
  await expect(page.getByTestId('inspector')).toContainText('N×16×28×28');
  await page.getByTestId('teach.lesion').click();
  await expect(study).toHaveAttribute('data-phase', 'done', { timeout: 240_000 });
  const chart = study.getByTestId('lesion.chart');
  await expect(chart).toHaveAttribute('data-resnet-points', '7');
  await expect(chart).toHaveAttribute('data-plain-points', '16');
  await expect(chart.locator('canvas')).toHaveCount(1);
  await expect(study.getByTestId('lesion.table.resnet').locator('tbody tr')).toHaveCount(7);
  await expect(study.getByTestId('lesion.table.plain').locator('tbody tr')).toHaveCount(16);
  await expect(study.getByTestId('lesion.row.layer3.2')).toBeVisible();
  await expect(study.getByTestId('lesion.row.layer1.0.conv1')).toBeVisible();
  // Projection-free but dimension-changing blocks are not deletable, so they are not listed.
  await expect(study.getByTestId('lesion.row.layer2.0')).toHaveCount(0);
  await expect(study.getByTestId('lesion.result')).toContainText('residual net');
  const pctOf = async (id: string) => Number((await study.getByTestId(id).textContent())!.replace('%', ''));
  expect(await pctOf('lesion.intact.resnet')).toBeGreaterThan(60);
  expect(await pctOf('lesion.intact.plain')).toBeGreaterThan(60);
  await page.screenshot({ path: `${SHOTS}/lesion-1440-en-light.png` });

  await look(page, { language: 'zh-CN', theme: 'dark' });
  await expect(study.getByTestId('lesion.result')).toContainText('残差网络');
  await expect(page.getByTestId('lesion')).toContainText('损伤研究');
  await page.screenshot({ path: `${SHOTS}/lesion-1440-zh-dark.png` });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect(chart.locator('canvas')).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/lesion-1920-zh-dark.png` });
  await look(page, { language: 'en', theme: 'dark' });
  await page.screenshot({ path: `${SHOTS}/lesion-1920-en-light.png` });

  // Opening the trained residual net puts it in the editor with its weights.
  await study.getByTestId('lesion.openNet.resnet').click();
  await expect(page.getByTestId('lesion')).toHaveCount(0);
  await expect(page.getByTestId('topbar.docName')).toContainText('ResNet-20');
});
