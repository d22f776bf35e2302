import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { OPS, shortcutLabel, type ShortcutKind } from '../../src/index.ts';
import { en } from './en.ts';
import { shortcutText } from './shortcut.ts';
import { zhCN } from './zh-CN.ts';

async function tFor(lng: 'en' | 'zh-CN') {
  const i = i18next.createInstance();
  await i.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng, fallbackLng: 'en', interpolation: { escapeValue: false } });
  return i.t;
}

describe('shortcut arc labels and enum choices in the UI language', () => {
  it('in English the app says exactly what the core and the CLI say', async () => {
    const t = await tFor('en');
    for (const kind of ['identity', 'projection', 'zero-pad'] as ShortcutKind[]) {
      for (const stride of [1, 2, 4]) {
        if (kind === 'identity' && stride > 1) continue;
        expect(shortcutText(t, { kind, stride })).toBe(shortcutLabel(kind, stride));
      }
    }
  });

  it('in Chinese a strided projection says 1×1 卷积 and its stride', async () => {
    const t = await tFor('zh-CN');
    expect(shortcutText(t, { kind: 'projection', stride: 2 })).toBe('1×1 卷积，步幅 2');
    expect(shortcutText(t, { kind: 'zero-pad', stride: 1 })).toBe('补零');
    expect(shortcutText(t, { kind: 'identity', stride: 1 })).toBe(zhCN.card.identity);
  });

  it('every choice of every enum param has a label in both languages', () => {
    for (const op of Object.values(OPS)) {
      for (const spec of op.params) {
        if (spec.type !== 'enum') continue;
        for (const o of spec.options) {
          for (const r of [en, zhCN] as const) {
            const labels = (r.option as Record<string, Record<string, string> | undefined>)[spec.name];
            expect(labels?.[o], `${op.kind}.${spec.name} = ${o}`).toBeTruthy();
          }
        }
      }
    }
  });
});
