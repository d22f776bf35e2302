import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { decodeModel } from '../src/onnx/decode.ts';
import { f32, int, ints, model, node } from '../src/onnx/import/testing/ir.ts';
import { serializeModel } from '../src/onnx/serialize.ts';
import { dropFile, EditorPage } from './pages/editor.ts';

/**
 * A file as PyTorch users export them, with what the first importer could not survive: dynamic
 * height and width, its own input and output names, and an op the editor does not model (here
 * Einsum, whose shape is unknown) in the middle. It opens, says what it did, runs, and exports
 * with its names and symbolic axes; an import in progress can be cancelled.
 */
const file = serializeModel(
  model(
    [
      node('Conv', ['img', 'w'], ['c'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])], '/stem/conv/Conv'),
      node('Einsum', ['c'], ['e'], [{ name: 'equation', kind: 'string', value: 'nchw->nchw' }], '/mix/Einsum'),
      node('Relu', ['e'], ['r'], [], '/act/Relu'),
      node('GlobalAveragePool', ['r'], ['g']),
      node('Flatten', ['g'], ['f']),
      node('Gemm', ['f', 'fcw', 'fcb'], ['y'], [int('transB', 1)], '/fc/Gemm'),
    ],
    [f32('w', [4, 3, 3, 3]), f32('fcw', [10, 4]), f32('fcb', [10])],
    { input: ['N', 3, 'H', 'W'], inputName: 'img', outputs: ['y'] },
  ),
);

test.describe('real-world ONNX files', () => {
  test.describe.configure({ timeout: 180_000 });

  test('a dynamic-size file with an op the editor does not model opens, runs, and exports with its names and symbolic axes', async ({ page }) => {
    const editor = new EditorPage(page);
    await editor.open('?template=tiny-resnet&persist=0&backend=wasm');
    await expect(editor.canvas.root).toBeVisible();
    await dropFile(page, 'dynamic.onnx', file);

    await expect(page.getByTestId('toast.info').filter({ hasText: 'RS606' })).toContainText('224×224');
    const opaque = page.getByTestId('canvas.node.mix');
    await expect(opaque.getByTestId('card.opaque')).toHaveText('kept as in the file: not an op the editor models');
    await expect(opaque.getByTestId('card.shape')).toHaveText('?');
    // The Einsum, and the Gemm after it, whose weights need its input's shape.
    await expect(editor.status('opaque')).toHaveText('2 kept as in the file');
    await page.screenshot({ path: 'test-results/import-real-world.png' });

    // Runs: the layers after the op of unknown shape are not cut off.
    await page.getByTestId('run.input.synthetic.gradient').click();
    await expect(page.getByTestId('run.panel')).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
    await expect(page.getByTestId('run.weights')).toHaveAttribute('data-fresh', '0');

    const download = page.waitForEvent('download');
    await page.getByTestId('topbar.export').click();
    const g = decodeModel(new Uint8Array(readFileSync(await (await download).path()))).model!.graph;
    expect(g.inputs.map((v) => [v.name, v.dims])).toEqual([['img', ['N', 3, 'H', 'W']]]);
    // Its shape follows an op of unknown shape: declared without one rather than guessed.
    expect(g.outputs.map((v) => [v.name, v.dims])).toEqual([['y', []]]);
  });

  test('an import in progress can be cancelled, and the open document stays as it was', async ({ page }) => {
    const editor = new EditorPage(page);
    await editor.open('?template=tiny-resnet&persist=0&backend=wasm&testImportDelay=30000');
    await expect(editor.canvas.blocks()).toHaveCount(2);
    await dropFile(page, 'dynamic.onnx', file);
    await expect(page.getByTestId('import.progress')).toBeVisible();
    await page.getByTestId('import.cancel').click();
    await expect(page.getByTestId('import.progress')).toBeHidden();
    await expect(page.getByTestId('file.error')).toContainText('cancelled');
    await expect(editor.canvas.blocks()).toHaveCount(2);
    await expect(page.getByTestId('canvas.node.mix')).toHaveCount(0);
  });
});
