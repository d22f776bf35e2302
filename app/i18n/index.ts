import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

/** Initialises i18next with the English and Simplified Chinese resources. */
export function initI18n(language: string) {
  void i18next.use(initReactI18next).init({
    // `diagTerms`: param and op labels for diagnostic arguments (English shows the names as is).
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN, diagTerms: { param: zhCN.param, op: zhCN.op } } },
    ns: ['translation', 'diagTerms'],
    defaultNS: 'translation',
    lng: language,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  return i18next;
}

export { i18next };
