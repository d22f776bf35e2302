import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

test('drag a Basic block from the palette, connect it, change its stride: the arc turns dashed and shapes update', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=blank');
  await ed.palette.dragOnto('block.basic', ed.canvas.root, { x: 160, y: 130 });
  const block = ed.canvas.node('block_1');
  await expect(block).toBeVisible();
  await ed.canvas.connect('input', 'block_1');
  await ed.canvas.connect('block_1', 'output');
  await expect(ed.canvas.shapeOf('block_1')).toHaveText('→ N×64×32×32');
  await ed.canvas.select('block_1');
  await ed.inspector.set('width', '3');
  await expect(ed.canvas.arcOf('block_1')).toHaveAttribute('data-testid', 'canvas.arc.identity');
  await ed.inspector.set('stride', '2');
  await expect(ed.canvas.arcOf('block_1')).toHaveAttribute('data-testid', 'canvas.arc.projection');
  await expect(block.getByTestId('canvas.arc.label')).toHaveText('1x1 conv, /2');
  await expect(ed.canvas.shapeOf('block_1')).toHaveText('→ N×3×16×16');
});

test('a refused connection (cycle / taken input) shows the reason', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=tiny-resnet');
  await ed.canvas.connect('fc', 'conv1');
  await expect(page.getByTestId('toast.error')).toContainText(/refused/i);
  await expect(ed.status('diagnostics')).toHaveText('No problems');
});

test('an identity shortcut that changes dimensions is pinned with a one-click fix', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=resnet18');
  await ed.canvas.select('layer2.0');
  await ed.inspector.set('shortcut', 'identity');
  await expect(ed.canvas.diagnostic('layer2.0')).toContainText('RS206');
  await expect(ed.status('diagnostics')).not.toHaveText('No problems');
  await ed.canvas.fix('layer2.0').click();
  await expect(ed.canvas.diagnostic('layer2.0')).toHaveCount(0);
  await expect(ed.inspector.field('shortcut')).toHaveValue('projection');
  await expect(ed.status('diagnostics')).toHaveText('No problems');
});

test('undo and redo edits, by buttons and keys', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=resnet18');
  await ed.canvas.select('layer1.1');
  await ed.inspector.set('stride', '2');
  await expect(ed.canvas.projectionArcs()).toHaveCount(4);
  await page.getByTestId('topbar.undo').click();
  await expect(ed.canvas.projectionArcs()).toHaveCount(3);
  await page.getByTestId('topbar.redo').click();
  await expect(ed.canvas.projectionArcs()).toHaveCount(4);
  await ed.canvas.root.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(ed.canvas.projectionArcs()).toHaveCount(3);
  await page.keyboard.press('Control+Shift+z');
  await expect(ed.canvas.projectionArcs()).toHaveCount(4);
  await ed.canvas.select('layer4.1');
  await page.keyboard.press('Delete');
  await expect(ed.canvas.node('layer4.1')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(ed.canvas.node('layer4.1')).toHaveCount(1);
});

test('dragging a card moves it, its frame follows on drop, and one undo puts it back', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open('?template=resnet18');
  await ed.canvas.node('layer2.0').dblclick();
  const conv = ed.canvas.node('layer2.0.conv1');
  const frame = page.getByTestId('canvas.group.layer2.0');
  await expect(conv).toBeVisible();
  const a = (await conv.boundingBox())!;
  const f = (await frame.boundingBox())!;
  await page.mouse.move(a.x + 30, a.y + 10);
  await page.mouse.down();
  await page.mouse.move(a.x + 80, a.y + 10, { steps: 4 });
  await page.mouse.move(a.x + 160, a.y + 10, { steps: 4 });
  await page.mouse.up();
  await expect.poll(async () => (await conv.boundingBox())!.x - a.x).toBeGreaterThan(60);
  await expect.poll(async () => (await frame.boundingBox())!.width).toBeGreaterThan(f.width + 20);
  await page.getByTestId('topbar.undo').click();
  await expect.poll(async () => Math.abs((await conv.boundingBox())!.x - a.x)).toBeLessThan(2);
  await expect(ed.canvas.node('layer2.0.conv1')).toBeVisible();
});
