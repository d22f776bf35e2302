/** English text of the lessons' UI (app/panels/lessons/*); the lessons' own text is in their files (src/lessons/data). */
export const lessonEn = {
  lessons: 'Lessons',
  listTitle: 'Lessons',
  steps: '{{n}} steps',
  openFile: 'Open lesson file…',
  openFileHint: 'A lesson written as a JSON file (see src/lessons/README.md); it is checked before it opens.',
  fileOpened: 'Opened the lesson “{{title}}”.',
  close: 'Close',
  exit: 'Leave the lesson',
  stepOf: 'Step {{step}} of {{total}}',
  prev: 'Back',
  next: 'Next',
  finish: 'Finish',
  todo: 'Your turn:',
  waiting: 'Waiting for you…',
  done: 'Done ✓',
  openLab: 'Open the degradation lab',
  startLab: 'Train both now',
  openLesion: 'Open the lesion study',
  startLesion: 'Run the study',
  signalsCaption: 'At initialisation, layer by layer: this network against its plain counterpart.',
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
/** Shape every translation of the lessons' UI text must have. */
export type LessonResources = Widen<typeof lessonEn>;
