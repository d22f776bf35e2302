import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

test('after switching to 中文 the run panel heading and the activation hint are Chinese', async ({ page }) => {
  await new EditorPage(page).open('?template=tiny-resnet&persist=0&backend=wasm');
  const panel = page.getByTestId('run.panel');
  await expect(panel.getByRole('heading', { level: 2 })).toHaveText('Run');
  await expect(page.getByTestId('run.activations.empty')).toContainText('Select a node or an edge');

  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await expect(panel.getByRole('heading', { level: 2 })).toHaveText('运行');
  await expect(page.getByTestId('run.activations.empty')).toHaveText('在画布上选择一个节点或一条连线，即可查看它在本次运行中的激活值。');
});

test('in 中文 the run panel says in Chinese why WebGPU was not used and why the result is stale', async ({ page }) => {
  test.setTimeout(180_000);
  await new EditorPage(page).open('?template=tiny-resnet&persist=0&backend=auto');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('run.input.synthetic.gradient').click();
  const panel = page.getByTestId('run.panel');
  await expect(panel).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  // Here WebGPU is SwiftShader (software), so auto runs WASM and says why, in Chinese.
  await expect(page.getByTestId('run.backend.actual')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('run.backend.reason')).toContainText('未使用 WebGPU：软件 WebGPU 适配器');

  await page.locator('[data-testid="canvas.node.block2"] .card-head').click();
  await page.getByTestId('inspector.field.width').fill('24');
  await page.getByTestId('inspector.field.shortcut').selectOption('identity');
  const reason = page.getByTestId('run.stale.reason');
  await expect(reason).toHaveAttribute('data-code', 'RS206');
  await expect(reason).toContainText('恒等映射的快捷连接不能改变维度');
  await expect(reason).toContainText('显示上一次有效的结果');
});
