import { useTranslation } from 'react-i18next';
import { blockVariant, type Params } from '../../src/index.ts';

/**
 * The family options a block card carries, as chips under its title: a pre-activation block, its
 * squeeze-and-excitation (with r), and ResNet-D's average-pooled projection — so a card says which
 * paper's block it is without being expanded.
 */
export function VariantChips({ params }: { readonly params: Params }) {
  const { t } = useTranslation();
  const v = blockVariant(params);
  return (
    <>
      {v.preActivation && <span className="chip" data-testid="card.preActivation" title={t('param.preActivation')}>{t('card.preAct')}</span>}
      {v.squeezeExcite && <span className="chip" data-testid="card.squeezeExcite" title={t('param.squeezeExcite')}>{t('card.se', { r: v.seReduction })}</span>}
      {v.avgPoolProjection && <span className="chip" data-testid="card.resnetD" title={t('option.projection.avgpool')}>{t('card.resnetD')}</span>}
    </>
  );
}
