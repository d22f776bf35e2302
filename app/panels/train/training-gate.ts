/**
 * One training at a time per editor. The Train panel and the degradation lab each train in
 * workers of their own; run together they would split the machine's cores (the lab alone already
 * runs two workers) and both would crawl. Each registers how to tell whether it trains; before
 * starting, each asks whether the other one does, and refuses with a message if so.
 */
import type { EditorStore } from '../../store/editor-store.ts';

/** Who can train: the Train panel or the degradation lab. */
export type Trainer = 'train' | 'lab';

const gates = new WeakMap<EditorStore, Map<Trainer, () => boolean>>();

/** Registers `who`'s "am I training?" for `editor` (a controller, once, when made). */
export function registerTrainer(editor: EditorStore, who: Trainer, training: () => boolean): void {
  let g = gates.get(editor);
  if (!g) gates.set(editor, (g = new Map()));
  g.set(who, training);
}

/** The other trainer of `editor` that is training now, if any: `who` must not start then. */
export function otherTraining(editor: EditorStore, who: Trainer): Trainer | undefined {
  for (const [name, training] of gates.get(editor) ?? []) if (name !== who && training()) return name;
  return undefined;
}
