import blockIsTheUnit from './data/block-is-the-unit.json';
import degradation from './data/degradation.json';
import ensembles from './data/ensembles.json';
import identityAndProjection from './data/identity-and-projection.json';
import identityIsEasy from './data/identity-is-easy.json';
import { lessonSchema, type Lesson } from './schema.ts';

export * from './schema.ts';
export * from './lesson.ts';
export * from './check.ts';

/**
 * The lessons that ship with the app, in teaching order (data files in `data/`, the same format a
 * teacher's lesson file has; `lessons.test.ts` runs {@link resolveLesson}'s checks on each).
 */
export const LESSONS: readonly Lesson[] = [blockIsTheUnit, identityAndProjection, identityIsEasy, degradation, ensembles].map((l) => lessonSchema.parse(l));

/** A shipped lesson by id. */
export const lessonById = (id: string): Lesson | undefined => LESSONS.find((l) => l.id === id);
