import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

/** What the app says when it cannot open or restore something follows the language, 中文 here. */

test('in 中文, ?model= from another site is refused in Chinese and the document is untouched', async ({ page }) => {
  const ed = new EditorPage(page);
  await ed.open();
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await ed.openTemplate('tiny-resnet');
  await expect(ed.status('save')).toHaveText('已保存');
  const params = await ed.status('params').textContent();

  // The language is restored from the autosave, and so is the document the link must not replace.
  await ed.open('?model=https://example.com/x.onnx');
  const refusal = page.getByTestId('file.error');
  await expect(refusal).toContainText('未打开“https://example.com/x.onnx”；当前文档保持不变。');
  await expect(refusal.getByRole('listitem')).toHaveText('只能通过网址打开本站的文件（https://example.com 是另一个源）');
  await expect(refusal).not.toContainText('only files');
  await expect(page.getByTestId('topbar.docName')).toHaveText('Tiny ResNet');
  await expect(ed.status('params')).toHaveText(params!);
  await refusal.screenshot({ path: test.info().outputPath('model-url-refused-zh.png') });
  await refusal.getByRole('button', { name: '关闭' }).click();
  await expect(refusal).toBeHidden();
});

test('in 中文, an autosave whose document is not valid is reported in Chinese, by the core’s diagnostic, and saving goes on', async ({ page }) => {
  const ed = new EditorPage(page);
  // No autosave runs with persist=0, so the record written here is the one the next load finds.
  await ed.open('?persist=0&template=tiny-resnet');
  await page.evaluate(
    (record) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('keyval-store');
        req.onupgradeneeded = () => req.result.createObjectStore('keyval');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const tx = req.result.transaction('keyval', 'readwrite');
          tx.objectStore('keyval').put(record, 'residual-studio/autosave');
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    { schemaVersion: 1, revision: 1, tabId: 'e2e', savedAt: 0, document: '{"kind":"other"}', view: { direction: 'TB', theme: 'light', language: 'zh-CN' } },
  );
  await ed.open();
  // The record's language is used even though its document is not.
  await expect(page.getByTestId('topbar.templates')).toHaveText('模板');
  await expect(page.getByTestId('toast.error')).toHaveText(/^无法恢复自动保存：不是 Residual Studio 文档：kind 为 "other"/);
  // The next change saves (the broken record is set aside), with no banner about another tab.
  await page.getByTestId('topbar.theme').click();
  await expect(ed.status('save')).toHaveText('已保存');
  await expect(page.getByTestId('conflict')).toBeHidden();
});
