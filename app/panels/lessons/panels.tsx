import type { ComponentType } from 'react';
import type { ResidualDocument } from '../../../src/index.ts';
import type { LessonPanel } from '../../../src/lessons/index.ts';

/** What a step's panel gets: the panel's data and the network on the canvas. */
export interface LessonPanelProps {
  readonly panel: LessonPanel;
  readonly doc: ResidualDocument;
}

/** The views a lesson step can open beside its card, by the panel's kind. */
export const lessonPanelViews: Partial<Record<LessonPanel['kind'], ComponentType<LessonPanelProps>>> = {};
