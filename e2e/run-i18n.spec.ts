import { expect, test } from '@playwright/test';

test('after switching to 中文 the run panel heading and the activation hint are Chinese', async ({ page }) => {
  await page.goto('/?template=tiny-resnet&persist=0&backend=wasm');
  const panel = page.getByTestId('run.panel');
  await expect(panel.getByRole('heading', { level: 2 })).toHaveText('Run');
  await expect(page.getByTestId('run.activations.empty')).toContainText('Select a node or an edge');

  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await expect(panel.getByRole('heading', { level: 2 })).toHaveText('运行');
  await expect(page.getByTestId('run.activations.empty')).toHaveText('在画布上选择一个节点或一条连线，即可查看它在本次运行中的激活值。');
});
