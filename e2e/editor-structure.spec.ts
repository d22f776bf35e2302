import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

test('opens the Fashion-MNIST ResNet by default, laid out and analysed', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open();
  await expect(page.getByTestId('topbar.docName')).toContainText('Fashion');
  await expect(ed.canvas.blocks()).toHaveCount(4);
  await expect(ed.status('params')).not.toHaveText('0');
  await expect(ed.status('diagnostics')).toHaveText('No problems');
});

test('a ResNet-18 from the gallery has 8 blocks: 5 identity arcs (solid) and 3 projection arcs (dashed)', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open();
  await ed.openTemplate('resnet18');
  await expect(ed.canvas.blocks()).toHaveCount(8);
  await expect(ed.canvas.identityArcs()).toHaveCount(5);
  await expect(ed.canvas.projectionArcs()).toHaveCount(3);
  await expect(ed.canvas.node('layer2.0').getByTestId('canvas.arc.label')).toHaveText('1x1 conv, /2');
  await expect(ed.status('params')).toHaveText('11.69M');
  await expect(ed.status('macs')).toHaveText('1.81G');
  await expect(ed.status('blocks')).toContainText('5');
});

test('expands a block into its layers with the same dashed arc, and collapses it back', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=resnet18');
  await ed.canvas.node('layer2.0').dblclick();
  await expect(ed.canvas.node('layer2.0.conv1')).toBeVisible();
  await expect(page.getByTestId('canvas.group.layer2.0')).toBeVisible();
  await expect(ed.canvas.projectionArcs()).toHaveCount(3);
  await expect(ed.status('params')).toHaveText('11.69M');
  await page.getByTestId('canvas.collapse.layer2.0').click();
  await expect(ed.canvas.node('layer2.0')).toBeVisible();
  await expect(ed.canvas.node('layer2.0.conv1')).toHaveCount(0);
});
