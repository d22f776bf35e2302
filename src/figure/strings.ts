import type { FigureStrings } from './svg.ts';

/**
 * The figure's own words in each language the app speaks: the band label and the paper's column
 * titles (the layer labels are the paper's and stay as it writes them). The app's i18n tables
 * take these, and the CLI's `--lang` uses them, so both say the same.
 */
export const FIGURE_TEXT = {
  en: { outputSize: 'output size: {{size}}', titles: { vgg19: 'VGG-19', plain34: '34-layer plain', resnet34: '34-layer residual' } },
  'zh-CN': { outputSize: '输出尺寸：{{size}}', titles: { vgg19: 'VGG-19', plain34: '34 层普通网络', resnet34: '34 层残差网络' } },
} as const;

/** A language of {@link FIGURE_TEXT}. */
export type FigureLanguage = keyof typeof FIGURE_TEXT;

/** The figure's strings in a language. */
export const figureStrings = (lang: FigureLanguage): FigureStrings => ({ outputSize: (size) => FIGURE_TEXT[lang].outputSize.replace('{{size}}', size) });
