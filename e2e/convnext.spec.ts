import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

const shot = (page: Page, name: string) => page.screenshot({ path: test.info().outputPath(name) });

/** Zooms the canvas in around a card (32 cards in one column are too small to read when fitted). */
async function zoomOn(page: Page, ed: EditorPage, name: string, steps: number) {
  const box = (await ed.canvas.node(name).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < steps; i++) await page.mouse.wheel(0, -300);
  await expect(ed.canvas.node(name)).toBeVisible();
}

test('ConvNeXt-Tiny from the gallery: 18 ConvNeXt block cards with identity arcs, torchvision\'s counts, the block\'s layers when expanded (EN + 中文, light + dark, 1440 + 1920)', async ({ page }) => {
  const ed = new EditorPage(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await ed.open();
  await ed.openTemplate('convnext_tiny');
  await expect(page.getByTestId('topbar.docName')).toHaveText('ConvNeXt-Tiny');
  await expect(page.locator('[data-testid^="canvas.node."][data-kind="ConvNeXtBlock"]')).toHaveCount(18);
  await expect(ed.canvas.identityArcs()).toHaveCount(18);
  await expect(ed.canvas.projectionArcs()).toHaveCount(0);
  await expect(ed.status('params')).toHaveText('28.59M');
  await expect(ed.status('macs')).toHaveText('4.46G');
  await expect(ed.status('diagnostics')).toHaveText('No problems');
  await ed.canvas.select('features.3.1');
  await expect(ed.inspector.field('width')).toHaveValue('192');
  // The card names its width and no stride (a ConvNeXt block never has one).
  await expect(ed.canvas.node('features.3.1').getByTestId('card.width')).toHaveText('width 192');
  await expect(ed.canvas.node('features.3.1').getByTestId('card.stride')).toHaveCount(0);
  await expect(page.getByText('Layer scale γ (initial)')).toBeVisible();
  await zoomOn(page, ed, 'features.3.1', 6);
  await shot(page, 'convnext-collapsed-en-light-1440.png');

  // Expanded: depthwise 7×7 in 192 groups, LayerNorm, the 1×1 to 4× the width, GELU, the 1×1 back, layer scale.
  await ed.canvas.node('features.3.1').dblclick();
  await ed.canvas.fit();
  await expect(page.getByTestId('canvas.group.features.3.1')).toBeVisible();
  for (const local of ['block.0', 'block.2', 'block.3', 'block.4', 'block.5', 'layer_scale', 'add']) await expect(ed.canvas.node(`features.3.1.${local}`)).toBeVisible();
  await ed.canvas.select('features.3.1.block.0');
  await expect(ed.inspector.field('groups')).toHaveValue('192');
  await expect(ed.inspector.field('kernel')).toHaveValue('7');
  await zoomOn(page, ed, 'features.3.1.block.3', 4);
  await ed.canvas.select('features.3.1.block.3');
  await expect(ed.inspector.field('outChannels')).toHaveValue('768');
  await expect(ed.status('params')).toHaveText('28.59M');
  await shot(page, 'convnext-expanded-en-light-1440.png');

  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('topbar.theme').click();
  await ed.canvas.select('features.3.1.block.2');
  await expect(page.getByText('层归一化').first()).toBeVisible();
  await shot(page, 'convnext-expanded-zh-dark-1440.png');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await ed.canvas.fit();
  await zoomOn(page, ed, 'features.5.0', 5);
  await ed.canvas.select('features.5.0');
  await expect(page.getByText('随机深度概率 p')).toBeVisible();
  await shot(page, 'convnext-zh-dark-1920.png');
});
