import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { analyze } from '../src/shape/analyze.ts';
import { importOnnx } from '../src/onnx/import/index.ts';
import { CanvasPage, dropFile, EditorPage } from './pages/editor.ts';

/**
 * Opening ONNX files by dropping them on the canvas: a PyTorch export of a small ResNet becomes
 * blocks with solid (identity) and dashed (projection) arcs, runs on the imported weights and
 * exports again; a corrupt file shows the reason and leaves the open document exactly as it was.

 */
const FIXTURES = join(import.meta.dirname, '../src/onnx/import/fixtures');
const tinyStack = readFileSync(join(FIXTURES, 'tiny-stack-13.onnx'));

/** True once the editor's file input takes .onnx files (the drop hook shares that path). */
async function editorOpensOnnx(page: Page): Promise<boolean> {
  const accept = (await page.getByTestId('topbar.fileInput').getAttribute('accept')) ?? '';
  return accept.includes('.onnx');
}

const names = (page: Page) => page.locator('[data-testid^="canvas.node."]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')).sort());

test.describe('open an ONNX file by dropping it', () => {
  test.describe.configure({ timeout: 180_000 });

  test('a PyTorch ResNet becomes blocks with identity and projection arcs, runs, and exports again', async ({ page }) => {
    await new EditorPage(page).open('?template=tiny-resnet&persist=0&backend=wasm');
    const canvas = new CanvasPage(page);
    await expect(canvas.root).toBeVisible();
    expect(await editorOpensOnnx(page)).toBe(true);

    await dropFile(page, 'tiny-stack.onnx', tinyStack);
    await expect(canvas.blocks()).toHaveCount(3);
    await expect(canvas.identityArcs()).toHaveCount(2);
    await expect(canvas.projectionArcs()).toHaveCount(1);
    await expect(page.getByTestId('import.progress')).toBeHidden();

    // Runs on the imported weights: nothing freshly initialised.
    await page.getByTestId('run.input.synthetic.gradient').click();
    await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
    await expect(page.getByTestId('run.weights')).toHaveAttribute('data-fresh', '0');

    const exportButton = page.getByTestId('topbar.export');
    const download = page.waitForEvent('download');
    await exportButton.click();
    const file = await (await download).path();
    // The exported file re-opens with the same blocks and the imported weights.
    const again = importOnnx(new Uint8Array(readFileSync(file)));
    expect(again.embedded).toBe(true);
    expect(analyze(again.doc!).totals.blocks).toEqual({ identity: 2, projection: 1, zeroPad: 0 });
    expect(again.weights!.size).toBeGreaterThan(0);
  });

  test('a corrupt file shows the reason and leaves the open document unchanged', async ({ page }) => {
    await new EditorPage(page).open('?template=tiny-resnet&persist=0&backend=wasm');
    const canvas = new CanvasPage(page);
    await expect(canvas.blocks()).toHaveCount(2);
    expect(await editorOpensOnnx(page)).toBe(true);
    const before = await names(page);

    await dropFile(page, 'broken.onnx', tinyStack.subarray(0, 4000));
    await expect(page.getByTestId('file.error')).toBeVisible();
    await expect(page.getByTestId('file.error')).toContainText(/RS60\d/);
    expect(await names(page)).toEqual(before);
    await expect(canvas.blocks()).toHaveCount(2);
  });

  test('?model= opens a same-origin ONNX file, and refuses another origin', async ({ page }) => {
    await new EditorPage(page).open('?model=/models/fashion-resnet.onnx&persist=0&backend=wasm');
    const canvas = new CanvasPage(page);
    await expect(page.getByTestId('topbar.docName')).toHaveText('fashion-resnet');
    await expect(canvas.blocks()).toHaveCount(4);
    await expect(canvas.identityArcs()).toHaveCount(2);
    await expect(canvas.projectionArcs()).toHaveCount(2);

    await new EditorPage(page).open('?model=http://example.invalid/x.onnx&persist=0');
    await expect(page.getByTestId('file.error')).toContainText(/another origin/);
  });
});
