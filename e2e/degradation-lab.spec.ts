import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';
import { LabPage } from './pages/lab.ts';
import { TrainPanelPage } from './pages/train.ts';

// Two nets train at once on a shared machine: a tiny budget (?labSteps: 12 steps of 64 images,
// one epoch each) and generous timeouts.
test.describe.configure({ timeout: 480_000 });

const shot = (page: Page, name: string) => page.screenshot({ path: test.info().outputPath(name) });

/** The lab's charts that lie outside its visible box (it scrolls): none, when all are in sight at once. */
const chartsOutOfSight = (page: Page) =>
  page.evaluate(() => {
    const lab = document.querySelector('[data-testid="lab"]')!.getBoundingClientRect();
    return ['lab.chart.loss', 'lab.chart.trainError', 'lab.chart.testError', 'signals.grad', 'signals.std', 'lab.result'].filter((id) => {
      const b = document.querySelector(`[data-testid="${id}"]`)?.getBoundingClientRect();
      return !b || b.top < lab.top || b.bottom > lab.bottom || b.right > lab.right;
    });
  });

test('the lab trains the plain and the residual net of one depth side by side, overlays both curves, states the result and draws the signals at initialisation (EN + 中文, light + dark)', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?persist=0&backend=wasm&labSteps=12');
  const docNow = async () => [await ed.status('params').textContent(), await ed.status('blocks').textContent(), await page.getByTestId('run.weights').textContent()].join(' | ');
  await expect(page.getByTestId('run.weights')).not.toBeEmpty({ timeout: 60_000 });
  const before = await docNow();
  const lab = new LabPage(page);
  await lab.open();
  await page.getByTestId('lab.depth').selectOption('14');
  await expect(lab.root).toHaveAttribute('data-depth', '14');
  await expect(page.getByTestId('lab.budget')).toContainText('12 steps of 64 images');
  // The signals at initialisation: one value per weighted layer of each net, on a log scale.
  await expect(lab.signals).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  await expect(page.getByTestId('signals.grad')).toHaveAttribute('data-layers', '14');
  await expect(page.getByTestId('signals.std')).toBeVisible();

  await page.getByTestId('lab.start').click();
  await expect(lab.run('plain')).toHaveAttribute('data-phase', /training|done/, { timeout: 180_000 });
  await expect(lab.run('residual')).toHaveAttribute('data-phase', /training|done/, { timeout: 180_000 });
  await lab.expectPhase('done');
  // Both nets drew every step of both curves, and one test point each.
  await expect(lab.points('loss')).toHaveAttribute('data-points', '12,12');
  await expect(lab.points('trainError')).toHaveAttribute('data-points', '12,12');
  await expect(lab.points('testError')).toHaveAttribute('data-points', '1,1');
  await expect(lab.run('plain')).toHaveAttribute('data-step', '12');
  await expect(lab.run('residual')).toHaveAttribute('data-step', '12');
  await expect(lab.result).toContainText(/At 14 layers the plain net ends at [\d.]+% training error, the residual net at [\d.]+%/);
  await expect(lab.result).toContainText(/Test error: plain [\d.]+%, residual [\d.]+%/);
  // The lab's nets are its own: the open document is unchanged.
  expect(await docNow()).toBe(before);
  // The three curves, the signals and the result are all in sight at 1440×900, no scrolling.
  expect(await chartsOutOfSight(page)).toEqual([]);
  await shot(page, 'lab-en-light-1440.png');

  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('topbar.theme').click();
  await expect(lab.result).toContainText('在 14 层时，普通网络的训练误差最终为');
  await expect(page.getByTestId('lab.chart.loss')).toContainText('训练损失');
  await shot(page, 'lab-zh-dark-1440.png');
  expect(await chartsOutOfSight(page)).toEqual([]);
  await page.setViewportSize({ width: 1920, height: 1080 });
  expect(await chartsOutOfSight(page)).toEqual([]);
  await shot(page, 'lab-zh-dark-1920.png');
  await page.getByTestId('topbar.language').selectOption('en');
  await shot(page, 'lab-en-dark-1920.png');
  await page.getByTestId('lab.close').click();
  await expect(lab.root).toBeHidden();
});

test('the lab and the Train panel never train at once: starting one while the other trains is refused with why, and the running one goes on', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?persist=0&backend=wasm&labSteps=6');
  const train = new TrainPanelPage(page);
  await train.show();
  // A run long enough to still be going when the lab is asked to start (2,000 steps of 16).
  await train.set({ fresh: true, batch: 16, epochs: 1, limit: 32_000, backend: 'wasm' });
  await train.button('start').click();
  await expect(train.progress).toHaveAttribute('data-step', /^[1-9]/, { timeout: 180_000 });
  const lab = new LabPage(page);
  await page.getByTestId('train.lab.open').click();
  await page.getByTestId('lab.depth').selectOption('8');
  await page.getByTestId('lab.start').click();
  await expect(page.getByTestId('lab.refused')).toContainText('The Train panel is training the network on the canvas, so the lab did not start');
  await expect(lab.root).toHaveAttribute('data-phase', 'idle');
  await expect(lab.run('plain')).toHaveAttribute('data-step', '0');
  // The Train panel's run was not disturbed: it still trains, step after step.
  await train.expectPhase('training');
  const step = Number(await train.progress.getAttribute('data-step'));
  await expect.poll(async () => Number(await train.progress.getAttribute('data-step')), { timeout: 120_000 }).toBeGreaterThan(step);
  await shot(page, 'lab-refused-en-1440.png');
  await train.button('stop').click();
  await train.expectPhase('stopped', 120_000);

  // Now the lab trains, and the Train panel is the one refused.
  await page.getByTestId('lab.start').click();
  await expect(page.getByTestId('lab.refused')).toBeHidden();
  await expect(lab.root).toHaveAttribute('data-phase', /starting|training/);
  await train.button('start').click();
  await expect(train.message).toHaveAttribute('data-key', 'labBusy');
  await expect(train.message).toContainText('The degradation lab is training its two nets, so this run did not start');
  await expect(train.root).toHaveAttribute('data-phase', 'stopped');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await expect(train.message).toContainText('退化实验室正在训练它的两个网络');
  await lab.expectPhase('done');
  await expect(lab.run('plain')).toHaveAttribute('data-step', '6');
  await expect(lab.run('residual')).toHaveAttribute('data-step', '6');
  // With the lab done, the Train panel starts again.
  await train.button('start').click();
  await expect(train.progress).toHaveAttribute('data-step', /^[1-9]/, { timeout: 180_000 });
  await train.button('stop').click();
});
