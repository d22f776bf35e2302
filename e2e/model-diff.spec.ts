import { expect, test, type Page } from '@playwright/test';
import { serializeDocument } from '../src/document/document.ts';
import { resnext50FromResnet50 } from '../src/diff/testing/resnext.ts';
import { EditorPage } from './pages/editor.ts';

/** The diff panel, the compare dialog and the canvas marks. */
class DiffPage {
  constructor(readonly page: Page) {}
  get panel() {
    return this.page.getByTestId('diff.panel');
  }
  stage(name: string) {
    return this.page.getByTestId(`diff.stage.${name}`);
  }
  /** React Flow's node wrapper of a card, which carries the mark's class. */
  mark(name: string) {
    return this.page.locator('.react-flow__node', { has: this.page.getByTestId(`canvas.node.${name}`) });
  }
  async compareWithTemplate(id: string) {
    await this.page.getByTestId('topbar.compare').click();
    await this.page.getByTestId('compare.template').selectOption(id);
    await this.page.getByTestId('compare.template.go').click();
    await expect(this.panel).toBeVisible();
  }
  async compareWithFile(name: string, text: string) {
    await this.page.getByTestId('topbar.compare').click();
    await this.page.getByTestId('compare.fileInput').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: test.info().outputPath(name) });

test('ResNet-34 compared with Plain-34: every block marked changed, the Adds and projections counted per stage; leaving restores the view', async ({ page }) => {
  const ed = new EditorPage(page);
  const diff = new DiffPage(page);
  await ed.open('?template=resnet34');
  await diff.compareWithTemplate('plain34');
  await expect(page.getByTestId('diff.title')).toHaveText('Compared with Plain-34');
  await expect(page.getByTestId('diff.legend')).toContainText('added');
  // From Plain-34 to the open ResNet-34: one Add per block, plus conv and BN of each projection.
  await expect(diff.stage('layer1').getByTestId('diff.stage.layers')).toHaveText('+3 −0 ~0');
  await expect(diff.stage('layer2').getByTestId('diff.stage.layers')).toHaveText('+6 −0 ~0');
  await expect(diff.stage('layer2').getByTestId('diff.stage.blocks')).toHaveText('+0 −0 ~4');
  await expect(diff.stage('layer1').getByTestId('diff.stage.paramsDelta')).toHaveText('0');
  await expect(diff.stage('layer2').getByTestId('diff.stage.paramsDelta')).toHaveText('+8.4K');
  await expect(page.getByTestId('diff.totals')).toHaveText('Params 21,623,848 → 21,797,672 (+0.8 %) · MACs 3.64G → 3.66G (+0.5 %)');
  await expect(page.getByTestId('diff.block.layer2.0')).toContainText('Shortcut no shortcut → projection (1x1 conv)');
  await expect(page.getByTestId('diff.block.layer2.0').getByTestId('diff.layer.layer2.0.downsample.0')).toHaveAttribute('data-status', 'added');
  await expect(page.getByTestId('diff.block.layer1.0')).toContainText('layer1.0–2 (3 blocks)');
  // Diff mode opens on the first differences: layer1's blocks, marked changed.
  await expect(diff.mark('layer1.0')).toHaveClass(/diff-changed/);
  await expect(page.getByTestId('canvas')).toHaveClass(/diff-mode/);
  await page.getByTestId('diff.block.layer2.0').getByRole('button').click();
  await expect(diff.mark('layer2.0')).toHaveClass(/diff-changed/);
  await shot(page, 'resnet34-vs-plain34-en-light-1440.png');
  await page.getByTestId('diff.close').click();
  await expect(diff.panel).toBeHidden();
  await expect(page.locator('.react-flow__node[class*="diff-"]')).toHaveCount(0);
  await expect(page.getByTestId('canvas')).not.toHaveClass(/diff-mode/);
});

test('Plain-34 compared with ResNet-34 lists what only ResNet-34 has as removed', async ({ page }) => {
  const ed = new EditorPage(page);
  const diff = new DiffPage(page);
  await ed.open('?template=plain34');
  await diff.compareWithTemplate('resnet34');
  const removed = page.getByTestId('diff.removed');
  await expect(removed).toContainText('Only in ResNet-34 (removed)');
  await expect(removed.locator('li')).toHaveCount(22);
  await expect(page.getByTestId('diff.removed.layer4.0.downsample.1')).toBeVisible();
  // Every layer of Plain-34 has its counterpart: nothing on its canvas is added or changed.
  await expect(page.locator('.react-flow__node.diff-added, .react-flow__node.diff-changed')).toHaveCount(0);
  // Where ResNet-34's Adds and projections were, the next card carries a "−N" badge.
  const gap = page.locator('.react-flow__node.diff-gap').first();
  await expect(gap).toBeVisible();
  const label = await gap.evaluate((e) => getComputedStyle(e, '::before').content);
  expect(label).toMatch(/^"\u2212[1-9]\d*"$/);
  await shot(page, 'plain34-vs-resnet34-gaps-en-light-1440.png');
});

test('ResNet-50 compared with a ResNeXt-50 project file: every bottleneck changed, 32 groups, nearly equal cost (EN + 中文, light + dark)', async ({ page }) => {
  const ed = new EditorPage(page);
  const diff = new DiffPage(page);
  await ed.open('?template=resnet50');
  await diff.compareWithFile('resnext50.json', serializeDocument(resnext50FromResnet50()));
  await expect(page.getByTestId('diff.title')).toHaveText('Compared with resnext50.json');
  await expect(page.getByTestId('diff.totals')).toHaveText('Params 25,028,904 → 25,557,032 (+2.1 %) · MACs 4.23G → 4.09G (−3.3 %)');
  await expect(page.getByTestId('diff.total')).toContainText('+0 −0 ~16');
  await expect(page.getByTestId('diff.block.layer3.1')).toContainText('layer3.1–5 (5 blocks) Width 512 → 256, Expansion 2 → 4');
  await expect(page.getByTestId('diff.block.layer3.1').getByTestId('diff.layer.layer3.1.conv2')).toContainText('Groups 32 → 1');
  await page.getByTestId('diff.block.layer3.1').getByRole('button').click();
  await expect(diff.mark('layer3.1')).toHaveClass(/diff-changed/);
  await shot(page, 'resnet50-vs-resnext50-en-light-1440.png');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('topbar.theme').click();
  await expect(page.getByTestId('diff.title')).toHaveText('与 resnext50.json 对比');
  await expect(page.getByTestId('diff.block.layer3.1')).toContainText('分组 32 → 1');
  await shot(page, 'resnet50-vs-resnext50-zh-dark-1440.png');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await shot(page, 'resnet50-vs-resnext50-zh-dark-1920.png');
});

test('an earlier autosave can be compared with: the ResNet-18 there before ResNet-34 was opened', async ({ page }) => {
  const ed = new EditorPage(page);
  const diff = new DiffPage(page);
  await ed.open('?template=resnet18');
  await expect(ed.status('params')).toHaveText('11.69M');
  await expect(page.getByTestId('status.save')).toHaveText('Saved');
  await ed.openTemplate('resnet34');
  await expect(ed.status('params')).toHaveText('21.80M');
  await expect(page.getByTestId('status.save')).toHaveText('Saved');
  await page.getByTestId('topbar.compare').click();
  await expect(page.getByTestId('compare.autosave.0')).toContainText('ResNet-18');
  await page.getByTestId('compare').screenshot({ path: test.info().outputPath('compare-dialog-en-light.png') });
  await page.getByTestId('compare.autosave.0').click();
  await expect(page.getByTestId('diff.title')).toContainText('ResNet-18');
  await expect(diff.stage('layer3').getByTestId('diff.stage.blocks')).toHaveText('+4 −0 ~0');
  // The panel's entry shows its block on the canvas: ResNet-34's extra blocks are marked added.
  await expect(page.getByTestId('diff.block.layer3.2')).toContainText('layer3.2–5 (4 blocks) added: Basic block, 7 layers, 1,180,672 params');
  await page.getByTestId('diff.block.layer3.2').getByRole('button').click();
  await expect(diff.mark('layer3.2')).toHaveClass(/diff-added/);
  await expect(diff.mark('layer3.1')).not.toHaveClass(/diff-/);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await shot(page, 'resnet18-autosave-vs-resnet34-en-light-1920.png');
});

test('a file that is not a network is refused in the dialog, with its reason; the document and the view are unchanged', async ({ page }) => {
  const ed = new EditorPage(page);
  const diff = new DiffPage(page);
  await ed.open('?template=tiny-resnet');
  await diff.compareWithFile('broken.json', '{"schemaVersion": 1, "nodes": 3');
  await expect(page.getByTestId('compare.refused')).toContainText('“broken.json” cannot be compared; your document is unchanged.');
  await expect(page.getByTestId('compare.refused').locator('li')).not.toHaveCount(0);
  await page.getByTestId('compare').screenshot({ path: test.info().outputPath('compare-refused-en.png') });
  await page.getByTestId('compare.close').click();
  await expect(diff.panel).toBeHidden();
  await expect(page.getByTestId('topbar.docName')).toHaveText('Tiny ResNet');
});
