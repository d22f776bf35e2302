import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en.ts';
import { zhCN } from '../i18n/zh-CN.ts';
import { CONTROLS, type LinkRefusal } from '../links/classroom-link.ts';
import { CONTROL_SELECTORS, refusalNotice, restrictionCss } from './restrictions.ts';

describe('classroom-link restrictions', () => {
  it('every control a link can name has a place in the page and a label in both languages', () => {
    for (const c of CONTROLS) {
      expect(CONTROL_SELECTORS[c], c).toMatch(/^\[data-testid="[\w.]+"\]$/);
      expect(en.teach.control[c], c).toBeTruthy();
      expect(zhCN.teach.control[c], c).toBeTruthy();
    }
  });

  it('hides hidden controls and only greys locked ones (they stay visible, made inert)', () => {
    const css = restrictionCss(['palette'], ['inspector']);
    expect(css).toContain('[data-testid="palette"] { display: none !important; }');
    expect(css).not.toMatch(/inspector"\] \{ display: none/);
    expect(css).toContain('[data-testid="inspector"] { opacity: 0.5;');
    expect(restrictionCss([], [])).toBe('');
  });

  it('says why each kind of refused link was refused, in a sentence both tables have', () => {
    const refusals: LinkRefusal[] = [
      { kind: 'notALink' },
      { kind: 'corrupt', detail: 'x' },
      { kind: 'newer', version: 2 },
      { kind: 'invalid', detail: 'x' },
      { kind: 'document', diagnostic: { code: 'RS501', severity: 'error', message: 'm' } },
    ];
    for (const r of refusals) {
      const n = refusalNotice(r);
      if (!('key' in n)) throw new Error('a refusal is an app message');
      const leaf = n.key.split('.').slice(2).join('.') as keyof typeof en.teach.refused;
      expect(en.teach.refused[leaf], n.key).toBeTruthy();
      expect(zhCN.teach.refused[leaf], n.key).toBeTruthy();
    }
  });
});
