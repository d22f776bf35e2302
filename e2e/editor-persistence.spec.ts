import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

const fixture = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;

test('reload restores the same document and view', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open();
  await ed.openTemplate('resnet18');
  await ed.canvas.select('layer1.1');
  await ed.inspector.set('stride', '2');
  await page.getByTestId('topbar.theme').click();
  // The theme has rendered, and with it the save status of that change ("Unsaved changes…" until written).
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('status.save')).toHaveText('Saved');
  await page.reload();
  await page.waitForFunction(() => window.__rsBench?.ready !== undefined);
  await expect(page.getByTestId('topbar.docName')).toHaveText('ResNet-18');
  await expect(ed.canvas.projectionArcs()).toHaveCount(4);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('save to a file and open it again', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=resnet18');
  await ed.canvas.select('layer3.1');
  await ed.inspector.set('width', '200');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('topbar.save').click()]);
  const path = await download.path();
  const text = readFileSync(path, 'utf8');
  expect(JSON.parse(text).kind).toBe('residual-studio/document');
  await ed.openTemplate('blank');
  await expect(ed.canvas.blocks()).toHaveCount(0);
  await page.getByTestId('topbar.fileInput').setInputFiles(path);
  await expect(ed.canvas.blocks()).toHaveCount(8);
  await ed.canvas.select('layer3.1');
  await expect(ed.inspector.field('width')).toHaveValue('200');
});

test('a corrupt or foreign file is refused and the document is unchanged', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=tiny-resnet');
  const before = await page.getByTestId('status.params').textContent();
  await page.getByTestId('topbar.fileInput').setInputFiles(fixture('corrupt.json'));
  await expect(page.getByTestId('file.error')).toContainText('RS503');
  await page.getByTestId('topbar.fileInput').setInputFiles(fixture('foreign.json'));
  await expect(page.getByTestId('file.error')).toContainText('some-other-app');
  await expect(page.getByTestId('topbar.docName')).toHaveText('Tiny ResNet');
  await expect(page.getByTestId('status.params')).toHaveText(before!);
  await page.getByTestId('topbar.fileInput').setInputFiles(fixture('tiny-resnet.json'));
  await expect(page.getByTestId('file.error')).toBeHidden();
});

test('switches to 中文, and the choice survives a reload', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open();
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await expect(page.getByTestId('palette.group.block')).toContainText('残差块');
  await expect(page.getByTestId('palette.block.basic')).toHaveText('基本残差块');
  await expect(page.getByTestId('status.save')).toHaveText('已保存');
  await page.reload();
  await expect(page.getByTestId('topbar.templates')).toHaveText('模板');

  // The core's diagnostics follow the language too: an identity shortcut on a downsampling block
  // is pinned in Chinese (shapes as they are), and so is its one-click fix.
  await ed.openTemplate('resnet18');
  await ed.canvas.select('layer2.0');
  // The shortcut's arc label and the inspector's choices are in Chinese as well.
  await expect(ed.canvas.node('layer2.0').getByTestId('canvas.arc.label')).toHaveText('1×1 卷积，步幅 2');
  await expect(ed.inspector.field('shortcut').locator('option:checked')).toHaveText('自动');
  await ed.inspector.set('shortcut', 'identity');
  const pin = ed.canvas.diagnostic('layer2.0');
  await expect(pin).toContainText('RS206');
  await expect(pin).toContainText('layer2.0：恒等映射的快捷连接不能改变维度（无法将 N×128×28×28 与 N×64×56×56 逐元素相加');
  await expect(ed.canvas.fix('layer2.0')).toHaveText('修复：使用投影快捷连接');
  await expect(ed.inspector.fix()).toHaveText('修复：使用投影快捷连接');
  await pin.screenshot({ path: test.info().outputPath('diagnostic-zh.png') });
  await ed.canvas.fix('layer2.0').click();
  await expect(pin).toHaveCount(0);
  await expect(ed.status('diagnostics')).toHaveText('没有问题');
});
