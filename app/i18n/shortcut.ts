import type { TFunction } from 'i18next';
import type { ShortcutInfo } from '../../src/index.ts';

/**
 * A shortcut's arc label in the UI language: "identity", or what changes the dimensions and by
 * which stride ("1x1 conv, /2"; in Chinese "1×1 卷积，步幅 2"). The core's `label` is the English.
 */
export function shortcutText(t: TFunction, sc: Pick<ShortcutInfo, 'kind' | 'stride'>): string {
  if (sc.kind === 'identity') return t('card.identity');
  const base = t(`shortcutLabel.${sc.kind}`);
  return sc.stride > 1 ? t('shortcutLabel.strided', { base, stride: sc.stride }) : base;
}
