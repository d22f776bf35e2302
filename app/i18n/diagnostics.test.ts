import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { chain } from '../../src/graph/testing/chain.ts';
import { analyze, connect, MESSAGES, OPS, placeholdersOf, type MessageId } from '../../src/index.ts';
import { diagnosticText, fixText, translateMessage } from './diagnostics.ts';
import { diagnosticsZhCN } from './diagnostics.zh-CN.ts';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

async function i18n(lng: string) {
  const i = i18next.createInstance();
  await i.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN, diagTerms: { param: zhCN.param, op: zhCN.op } } },
    ns: ['translation', 'diagTerms'],
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });
  return i.t;
}

const ids = Object.keys(MESSAGES) as MessageId[];

describe('diagnostic translations', () => {
  it('every message id of the core has English (the core table) and zh-CN text with the same placeholders', () => {
    expect(en.diagnostics).toBe(MESSAGES);
    expect(Object.keys(diagnosticsZhCN).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const zh = diagnosticsZhCN[id];
      expect(zh.trim(), id).not.toBe('');
      expect(placeholdersOf(zh), id).toEqual(placeholdersOf(MESSAGES[id]));
    }
  });

  it('the Chinese uses the concept note’s terms', () => {
    expect(diagnosticsZhCN['fix-projection']).toBe('使用投影快捷连接');
    expect(diagnosticsZhCN['add-shapes']).toMatch(/逐元素相加.*快捷连接.*投影快捷连接/);
    expect(diagnosticsZhCN['identity-changes-dims']).toMatch(/恒等映射/);
  });

  it('an Add of mismatched shapes and its fix read in Chinese, shapes unchanged', async () => {
    const t = await i18n('zh-CN');
    const { doc, ids: n } = chain([['Input'], ['Conv2d', { outChannels: 16 }], ['Conv2d', { outChannels: 32, stride: 2 }], ['BatchNorm2d'], ['Add'], ['ReLU'], ['Output']]);
    const d = analyze(connect(doc, { source: n[1]!, sourcePort: 0, target: n[4]!, targetPort: 1 }).doc).diagnostics[0]!;
    expect(diagnosticText(t, d)).toBe('add_1：无法将 N×32×16×16 与 N×16×32×32 逐元素相加 —— 快捷连接必须进行维度变换：请使用投影快捷连接（1×1 卷积，步长 2 + BN）');
    expect(fixText(t, d.fix!)).toBe('使用投影快捷连接');
  });

  it('param and op names in a message show their Chinese labels; nested phrases are translated', async () => {
    const t = await i18n('zh-CN');
    const d = analyze(chain([['Input'], ['Conv2d', { stride: 0 }], ['Output']]).doc).diagnostics[0]!;
    expect(diagnosticText(t, d)).toBe('conv_1：步幅不能小于 1，实际为 0');
    expect(fixText(t, d.fix!)).toBe('把步幅恢复为 1');
    expect(translateMessage(t, { id: 'import-unrepresentable', args: { reason: { id: 'import-input-count', args: { n: 2 } } } })).toBe('无法表示这个图：它有 2 个图输入；编辑器只支持恰好一个图像输入');
  });

  it('every param an op declares has a label (diagnostics name params by it), in both languages', () => {
    const names = new Set(Object.values(OPS).flatMap((op) => op.params.map((p) => p.name)));
    expect([...names].filter((n) => !(n in en.param))).toEqual([]);
    expect([...names].filter((n) => !(n in zhCN.param))).toEqual([]);
  });

  it('in English the app shows exactly the core’s message; an unknown id falls back to it', async () => {
    const t = await i18n('en');
    const d = analyze(chain([['Input'], ['Conv2d', { stride: 0 }], ['Output']]).doc).diagnostics[0]!;
    expect(diagnosticText(t, d)).toBe(d.message);
    expect(fixText(t, d.fix!)).toBe(d.fix!.label);
    const zh = await i18n('zh-CN');
    expect(diagnosticText(zh, { message: 'from elsewhere', messageRef: { id: 'no-such-id' as MessageId, args: {} } })).toBe('from elsewhere');
    expect(diagnosticText(zh, { message: 'no id at all' })).toBe('no id at all');
  });
});
