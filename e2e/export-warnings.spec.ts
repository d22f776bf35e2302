import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

test('exporting with a node that leads nowhere downloads the file and says that node is not in it', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=tiny-resnet');
  await ed.palette.dragOnto('op.Sigmoid', ed.canvas.root, { x: 90, y: 90 });
  await expect(ed.canvas.node('sigmoid_1')).toBeVisible();
  // Fed from the input but leading nowhere: a warning (RS107), not an error; the export goes ahead.
  await ed.canvas.connect('input', 'sigmoid_1');
  await expect(ed.status('diagnostics')).not.toHaveText('No problems');
  const download = page.waitForEvent('download');
  await page.getByTestId('topbar.export').click();
  expect((await download).suggestedFilename()).toMatch(/\.onnx$/);
  await expect(page.getByTestId('toast.info')).toContainText('Exported');
  const warning = page.getByTestId('toast.error').filter({ hasText: 'RS107' });
  await expect(warning).toContainText('does not lead to the Output; it is not part of the model');
});
