import type { TFunction } from 'i18next';
import type { invertedResidualNoShortcut, ShortcutInfo } from '../../src/index.ts';

/**
 * A shortcut's arc label in the UI language: "identity", or what changes the dimensions and by
 * which stride ("1x1 conv, /2"; in Chinese "1×1 卷积，步幅 2"). The core's `label` is the English.
 */
/** Why a block has no shortcut (an inverted residual that changes stride or width), short for its card or whole for the inspector. */
export function noShortcutText(t: TFunction, why: NonNullable<ReturnType<typeof invertedResidualNoShortcut>>, where: 'card' | 'inspector'): string {
  return why.reason === 'stride' ? t(`${where}.noShortcutStride`, { stride: why.stride }) : t(`${where}.noShortcutWidth`, { from: why.inChannels, to: why.outChannels });
}

export function shortcutText(t: TFunction, sc: Pick<ShortcutInfo, 'kind' | 'stride'>): string {
  if (sc.kind === 'identity') return t('card.identity');
  const base = t(`shortcutLabel.${sc.kind}`);
  return sc.stride > 1 ? t('shortcutLabel.strided', { base, stride: sc.stride }) : base;
}
