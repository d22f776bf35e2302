import type { EditorSlice } from './editor-store.ts';

export type LayoutDirection = 'TB' | 'LR';
export type Theme = 'light' | 'dark';
export type Language = 'en' | 'zh-CN';
export interface Viewport {
  readonly x: number;
  readonly y: number;
  readonly zoom: number;
}

/** How the editor looks: saved with the document, never undone. */
export interface ViewSlice {
  view: { readonly direction: LayoutDirection; readonly theme: Theme; readonly language: Language; readonly viewport: Viewport | undefined };
  setDirection(d: LayoutDirection): void;
  setTheme(t: Theme): void;
  setLanguage(l: Language): void;
  setViewport(v: Viewport): void;
}

export const DEFAULT_VIEW: ViewSlice['view'] = { direction: 'TB', theme: 'light', language: 'en', viewport: undefined };

export const createViewSlice: EditorSlice<ViewSlice> = (set, get) => ({
  view: DEFAULT_VIEW,
  setDirection(direction) {
    set({ view: { ...get().view, direction } });
  },
  setTheme(theme) {
    set({ view: { ...get().view, theme } });
  },
  setLanguage(language) {
    set({ view: { ...get().view, language } });
  },
  setViewport(viewport) {
    const v = get().view.viewport;
    if (v && v.x === viewport.x && v.y === viewport.y && v.zoom === viewport.zoom) return;
    set({ view: { ...get().view, viewport } });
  },
});
