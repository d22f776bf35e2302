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

test('a template from the gallery says it is opening while it is laid out, then appears laid out in one step', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open();
  await page.getByTestId('topbar.templates').click();
  // Records what the gallery showed between the click and its closing (the layout runs in a worker).
  await page.evaluate(() => {
    const w = window as unknown as { __opening: string[] };
    w.__opening = [];
    new MutationObserver(() => {
      const busy = document.querySelector('[data-testid^="gallery.template."][aria-busy="true"]');
      const others = [...document.querySelectorAll<HTMLButtonElement>('[data-testid^="gallery.template."]')].filter((b) => b !== busy);
      if (busy) w.__opening.push(`${busy.textContent} | others disabled: ${others.every((b) => b.disabled)}`);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await page.getByTestId('gallery.template.resnet50').click();
  await expect(page.getByTestId('gallery')).toBeHidden();
  await expect(page.getByTestId('topbar.docName')).toHaveText('ResNet-50');
  const seen = await page.evaluate(() => (window as unknown as { __opening: string[] }).__opening);
  expect(seen[0]).toBe('ResNet-50Opening… | others disabled: true');
  // The canvas shows it already laid out: no card overlaps the next one down.
  const boxes = await Promise.all(['conv1', 'layer1.0', 'layer1.1'].map(async (n) => (await ed.canvas.node(n).boundingBox())!));
  expect(boxes[1]!.y).toBeGreaterThan(boxes[0]!.y + boxes[0]!.height);
  expect(boxes[2]!.y).toBeGreaterThan(boxes[1]!.y + boxes[1]!.height);
});
