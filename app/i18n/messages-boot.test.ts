import { describe, expect, it } from 'vitest';
import { decodeSafetensors, parseDocument, placeholdersOf } from '../../src/index.ts';
import { noticeText, noticeValues, type UiMessage } from '../store/ui-slice.ts';
import { en } from './en.ts';
import { initI18n } from './index.ts';
import { zhCN } from './zh-CN.ts';

/**
 * The app's own messages around opening files (`?model=`), restoring the autosave and exporting
 * ONNX: present in both languages with the same placeholders, and shown in Chinese — with the core's
 * diagnostics and the browser's text nested in them — when the UI is in Chinese.
 */

// The app's own i18next set-up (resources, the diagTerms namespace), not a copy of it.
const i18n = initI18n('en');
const tEn = i18n.getFixedT('en');
const tZh = i18n.getFixedT('zh-CN');

/** `section.key` → text, for the sections these messages live in. */
function leaves(o: object, prefix: string): [string, string][] {
  return Object.entries(o).flatMap(([k, v]): [string, string][] => (typeof v === 'string' ? [[`${prefix}.${k}`, v]] : leaves(v as object, `${prefix}.${k}`)));
}
const sections = ['file', 'toast', 'boot', 'export'] as const;

describe('messages of opening by URL, restoring and exporting', () => {
  it('every key of the file, toast, boot and export sections has Chinese text with the same placeholders', () => {
    for (const s of sections) {
      const enKeys = leaves(en[s], s);
      const zh = new Map(leaves(zhCN[s], s));
      expect([...zh.keys()].sort(), s).toEqual(enKeys.map(([k]) => k).sort());
      for (const [key, text] of enKeys) {
        const zhText = zh.get(key)!;
        expect(zhText, key).toMatch(/[\u4e00-\u9fff]/);
        expect(placeholdersOf(zhText), key).toEqual(placeholdersOf(text));
      }
    }
  });

  it('a refusal of ?model= reads in Chinese; the origin stays as it is', () => {
    expect(noticeText(tZh, { key: 'file.otherOrigin', values: { origin: 'https://example.com' } })).toBe('只能通过网址打开本站的文件（https://example.com 是另一个源）');
    expect(noticeText(tZh, { key: 'file.httpStatus', values: { status: 404, statusText: 'Not Found' } })).toBe('服务器返回 HTTP 404 Not Found');
    expect(noticeText(tZh, { key: 'file.downloadFailed', values: { detail: 'Failed to fetch' } })).toBe('无法下载（Failed to fetch）');
    expect(noticeText(tZh, { key: 'file.notUrl' })).toBe('这不是有效的网址');
    // English is what it was before the messages had keys (e2e/import-onnx.spec.ts looks for "another origin").
    expect(noticeText(tEn, { key: 'file.otherOrigin', values: { origin: 'https://example.com' } })).toBe('only files from this site can be opened by URL (https://example.com is another origin)');
  });

  it('a stored document the core refuses is named by its diagnostic, in Chinese, in the restore toast', () => {
    const d = parseDocument('{"kind":"other"}').diagnostics[0]!;
    expect(tZh('toast.restoreFailed', noticeValues(tZh, { message: d }))).toBe('无法恢复自动保存：不是 Residual Studio 文档：kind 为 "other"');
    expect(tZh('toast.restoreFailed', noticeValues(tZh, { message: { key: 'boot.autosaveFormat', values: { version: '7' } } }))).toBe('无法恢复自动保存：它的保存格式无法识别（schemaVersion 7）');
    // IndexedDB's own error text is kept inside the translated sentence.
    expect(tZh('toast.restoreFailed', noticeValues(tZh, { message: 'QuotaExceededError' }))).toBe('无法恢复自动保存：QuotaExceededError');
  });

  it('an export with fresh weights says so in Chinese, with the reader’s diagnostic or the browser’s text inside', () => {
    const bad = decodeSafetensors(new Uint8Array([1, 2, 3])).diagnostics[0]!;
    expect(bad.messageRef?.id).toBe('safetensors-invalid');
    const fromReader: UiMessage = { key: 'export.freshWeights', values: { reason: bad } };
    expect(tZh(fromReader.key, noticeValues(tZh, fromReader.values))).toMatch(/^已使用新初始化的权重导出：无法载入训练好的权重（不是有效的 safetensors 文件：.+）。$/);
    expect(tZh('export.freshWeights', noticeValues(tZh, { reason: 'Failed to fetch' }))).toBe('已使用新初始化的权重导出：无法载入训练好的权重（Failed to fetch）。');
  });

  it('a crashed export worker is reported in Chinese, nested messages too', () => {
    const crash: UiMessage = { key: 'export.workerFailed', values: { detail: { key: 'export.unknown' } } };
    expect(tZh('toast.exportCrashed', noticeValues(tZh, { message: crash }))).toBe('导出失败：导出 worker 失败（没有给出原因）');
    expect(tEn('toast.exportCrashed', noticeValues(tEn, { message: crash }))).toBe('Export failed: the export worker failed (no reason was given)');
  });

  it('an ONNX file whose weights stay in memory is said once, not twice', () => {
    const d = { code: 'RS504', severity: 'warning', message: 'x', messageRef: { id: 'weights-memory-only', args: { error: 'QuotaExceededError' } } } as const;
    expect(tZh('toast.weightsLocal', noticeValues(tZh, { message: d }))).toBe('已打开，但权重只保存在内存中（QuotaExceededError），重新加载后会丢失。');
    expect(tEn('toast.weightsLocal', noticeValues(tEn, { message: d }))).toBe('Opened, but the weights are kept only in memory (QuotaExceededError); they will not survive a reload.');
  });
});
