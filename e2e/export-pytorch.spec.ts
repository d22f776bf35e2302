import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { encodeTensors } from '../src/train/testing/torch-reference.ts';
import { decodeSafetensors } from '../src/weights/safetensors.ts';
import { f32, model, node } from '../src/onnx/import/testing/ir.ts';
import { serializeModel } from '../src/onnx/serialize.ts';
import { dropFile, EditorPage } from './pages/editor.ts';

/** Export PyTorch downloads a zip of the network's model.py and the weights it loads, named as the ONNX file's. */
test.describe('Export PyTorch', () => {
  test.describe.configure({ timeout: 120_000 });

  test('the default model downloads as a zip holding model.py and its trained weights', async ({ page }) => {
    const editor = new EditorPage(page);
    await editor.open('?persist=0&backend=wasm');
    await expect(page.getByTestId('topbar.docName')).toHaveText('Fashion-MNIST ResNet');
    const download = page.waitForEvent('download');
    await page.getByTestId('topbar.exportPyTorch').click();
    const d = await download;
    expect(d.suggestedFilename()).toBe('Fashion-MNIST-ResNet-pytorch.zip');
    await expect(page.getByTestId('toast.info')).toContainText('Exported Fashion-MNIST-ResNet-pytorch.zip');
    const files = unzipSync(new Uint8Array(readFileSync((await d.path())!)));
    expect(Object.keys(files).filter((f) => !f.endsWith('/')).sort()).toEqual(['Fashion-MNIST-ResNet-pytorch/model.py', 'Fashion-MNIST-ResNet-pytorch/weights.safetensors']);
    const py = strFromU8(files['Fashion-MNIST-ResNet-pytorch/model.py']!);
    expect(py).toMatch(/^class BasicBlock\(nn\.Module\):/m);
    expect(py).toMatch(/^class FashionMNISTResNet\(nn\.Module\):/m);
    expect(py).toContain('BasicBlock(16, 32, stride=2, shortcut="projection"),  # basic block, projection shortcut (1x1 conv, /2)');
    expect(py).toContain('def build_model(');
    // The shipped trained weights, not fresh ones: the same bytes per tensor as public/models.
    const { store } = decodeSafetensors(files['Fashion-MNIST-ResNet-pytorch/weights.safetensors']!);
    const shipped = decodeSafetensors(new Uint8Array(readFileSync(new URL('../public/models/fashion-resnet.weights.safetensors', import.meta.url)))).store!;
    expect([...store!.keys()].sort()).toEqual([...shipped.keys()].sort());
    expect([...store!.get('fc.weight')!.data.slice(0, 8)]).toEqual([...shipped.get('fc.weight')!.data.slice(0, 8)]);
    await page.screenshot({ path: 'test-results/export-pytorch.png' });
  });

  test('a network with an op PyTorch has no counterpart for says which, in Chinese too, and downloads nothing', async ({ page }) => {
    const editor = new EditorPage(page);
    await editor.open('?template=tiny-resnet&persist=0&backend=wasm');
    const file = serializeModel(
      model(
        [node('Conv', ['x', 'w'], ['c'], [], '/stem/conv/Conv'), node('Einsum', ['c'], ['e'], [{ name: 'equation', kind: 'string', value: 'nchw->nchw' }], '/mix/Einsum'), node('GlobalAveragePool', ['e'], ['y'])],
        [f32('w', [4, 3, 1, 1])],
        { input: ['N', 3, 8, 8], inputName: 'x', outputs: ['y'] },
      ),
    );
    await dropFile(page, 'einsum.onnx', file);
    await expect(page.getByTestId('canvas.node.mix')).toBeVisible();
    let downloaded = false;
    page.on('download', () => (downloaded = true));
    await page.getByTestId('topbar.exportPyTorch').click();
    await expect(page.getByTestId('toast.error').filter({ hasText: 'RS801' })).toContainText('Einsum (kept as in the imported file) has no PyTorch counterpart');
    await page.getByTestId('topbar.language').selectOption('zh-CN');
    await expect(page.getByTestId('topbar.exportPyTorch')).toHaveText('导出 PyTorch');
    await page.getByTestId('topbar.exportPyTorch').click();
    await expect(page.getByTestId('toast.error').filter({ hasText: 'RS801' }).last()).toContainText('在 PyTorch 中没有对应的模块');
    await page.screenshot({ path: 'test-results/export-pytorch-zh.png' });
    expect(downloaded).toBe(false);
  });

  test('weights saved from PyTorch open back onto the network by name and change what it predicts', async ({ page }) => {
    const editor = new EditorPage(page);
    await editor.open('?persist=0&backend=wasm');
    await expect(page.getByTestId('run.top.0')).toBeVisible({ timeout: 30_000 });
    const before = await page.getByTestId('run.top.0').getAttribute('data-class');
    // A state_dict as torch writes it (names and shapes only, none of our metadata), with class 7's bias raised far above the rest.
    const shipped = decodeSafetensors(new Uint8Array(readFileSync(new URL('../public/models/fashion-resnet.weights.safetensors', import.meta.url)))).store!;
    const target = before === '7' ? 3 : 7;
    const state = new Map([...shipped].map(([k, t]) => [k, { dims: t.dims, data: k === 'fc.bias' ? t.data.map((v, i) => (i === target ? v + 100 : v)) : t.data }]));
    await dropFile(page, 'trained.safetensors', encodeTensors(state));
    await expect(page.getByTestId('toast.info').filter({ hasText: 'trained.safetensors' })).toContainText(`Loaded ${shipped.size} weight tensors from trained.safetensors`);
    // The runtime worker loads the new weights and runs again (slow on a loaded machine).
    await expect(page.getByTestId('run.top.0')).toHaveAttribute('data-class', String(target), { timeout: 30_000 });
    // A file for another network changes nothing and says why.
    await dropFile(page, 'other.safetensors', encodeTensors(new Map([['head.weight', { dims: [2, 2], data: new Float32Array(4) }]])));
    await expect(page.getByTestId('toast.error').filter({ hasText: 'other.safetensors' })).toContainText('has no weights for this network');
    await expect(page.getByTestId('run.top.0')).toHaveAttribute('data-class', String(target));
  });
});
