import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

/**
 * The residual family after 2015 in the editor: SE-ResNet-50, ResNet-50-D and the pre-activation
 * ResNet-110 from the gallery, each block card saying which block it is, its options in the
 * inspector, and its layers when expanded (screenshots: EN + 中文, light + dark, 1440 + 1920).
 */
const shot = (page: Page, name: string) => page.screenshot({ path: test.info().outputPath(name) });
/** A screenshot zoomed onto a card so its chips read, then the whole net fitted again (cards off screen are not drawn). */
async function zoomShot(ed: EditorPage, page: Page, card: string, steps: number, name: string) {
  await ed.canvas.zoomOn(card, steps);
  await shot(page, name);
  await page.locator('.react-flow__controls-fitview').click();
}

test('SE-ResNet-50: 16 bottleneck cards marked SE r=16, the paper\'s 28.09M parameters, and the squeeze-and-excitation gate inside an expanded block', async ({ page }) => {
  const ed = new EditorPage(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await ed.open('?template=se_resnet50');
  await expect(ed.canvas.blocks()).toHaveCount(16);
  await expect(ed.canvas.projectionArcs()).toHaveCount(4);
  await expect(ed.status('params')).toHaveText('28.09M');
  await expect(ed.status('diagnostics')).toHaveText('No problems');
  await expect(ed.canvas.node('layer3.2').getByTestId('card.squeezeExcite')).toHaveText('SE r=16');
  await ed.canvas.select('layer3.2');
  await expect(ed.inspector.field('squeezeExcite')).toBeChecked();
  await expect(ed.inspector.field('seReduction')).toHaveValue('16');
  await expect(page.getByText('Squeeze-and-excitation (Hu et al.)')).toBeVisible();
  await zoomShot(ed, page, 'layer3.2', 3, 'se-resnet50-collapsed-en-light-1440.png');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('topbar.theme').click();
  await expect(page.getByText('挤压-激励 SE（Hu 等）')).toBeVisible();
  await expect(page.getByText('SE 压缩比 r')).toBeVisible();
  await shot(page, 'se-resnet50-collapsed-zh-dark-1440.png');

  await ed.canvas.node('layer3.2').dblclick();
  for (const layer of ['se.pool', 'se.fc1', 'se.fc2', 'se.gate', 'se.scale']) await expect(ed.canvas.node(`layer3.2.${layer}`)).toBeVisible();
  await ed.canvas.select('layer3.2.se.fc1');
  await expect(ed.inspector.field('outChannels')).toHaveValue('64');
  await expect(ed.status('params')).toHaveText('28.09M');
  await zoomShot(ed, page, 'layer3.2.se.fc1', 4, 'se-resnet50-expanded-zh-dark-1440.png');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await shot(page, 'se-resnet50-zh-dark-1920.png');
});

test('ResNet-50-D: projections marked ResNet-D, dashed, with the average pool before the stride-1 1×1 conv when expanded', async ({ page }) => {
  const ed = new EditorPage(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await ed.open('?template=resnet50d');
  await expect(ed.canvas.blocks()).toHaveCount(16);
  await expect(ed.canvas.projectionArcs()).toHaveCount(4);
  await expect(ed.status('params')).toHaveText('25.58M');
  await expect(ed.canvas.node('layer2.0').getByTestId('card.resnetD')).toHaveText('ResNet-D');
  await ed.canvas.select('layer2.0');
  await expect(ed.inspector.field('projection')).toHaveValue('avgpool');
  await zoomShot(ed, page, 'layer2.0', 3, 'resnet50d-collapsed-en-light-1920.png');
  await ed.canvas.node('layer2.0').dblclick();
  await expect(ed.canvas.node('layer2.0.downsample.0')).toBeVisible();
  await ed.canvas.select('layer2.0.downsample.0');
  await expect(ed.inspector.field('kernel')).toHaveValue('2');
  await expect(ed.inspector.field('ceilMode')).toBeChecked();
  await ed.canvas.select('layer2.0.downsample.1');
  await expect(ed.inspector.field('stride')).toHaveValue('1');
  await expect(ed.status('params')).toHaveText('25.58M');
  await shot(page, 'resnet50d-expanded-en-light-1920.png');
  await page.getByTestId('topbar.theme').click();
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await ed.canvas.select('layer3.0');
  await expect(page.getByText('投影快捷连接', { exact: true })).toBeVisible();
  await shot(page, 'resnet50d-zh-dark-1920.png');
});

test('pre-activation ResNet-110: 54 cards marked pre-activation; expanded, a block starts with BN → ReLU and has nothing after its add', async ({ page }) => {
  const ed = new EditorPage(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await ed.open('?template=preact_resnet110');
  await expect(ed.canvas.blocks()).toHaveCount(54);
  await expect(ed.canvas.projectionArcs()).toHaveCount(2);
  await expect(ed.status('params')).toHaveText('1.73M');
  await expect(ed.status('diagnostics')).toHaveText('No problems');
  await ed.canvas.select('layer2.0');
  await expect(ed.inspector.field('preActivation')).toBeChecked();
  await expect(ed.canvas.node('layer2.0').getByTestId('card.preActivation')).toHaveText('pre-activation');
  await zoomShot(ed, page, 'layer2.0', 3, 'preact110-collapsed-en-light-1440.png');
  await ed.canvas.node('layer2.0').dblclick();
  for (const layer of ['bn1', 'relu1', 'conv1', 'bn2', 'relu2', 'conv2', 'add', 'downsample.0']) await expect(ed.canvas.node(`layer2.0.${layer}`)).toBeVisible();
  await expect(ed.canvas.node('layer2.0.relu')).toHaveCount(0);
  await zoomShot(ed, page, 'layer2.0.add', 2, 'preact110-expanded-en-light-1440.png');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('topbar.theme').click();
  await ed.canvas.select('layer2.0.bn1');
  await shot(page, 'preact110-expanded-zh-dark-1440.png');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await ed.canvas.select('layer3.5');
  await expect(page.getByText('预激活（BN → ReLU → 卷积，He 等 2016）')).toBeVisible();
  await shot(page, 'preact110-zh-dark-1920.png');
});
