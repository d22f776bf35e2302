import type { Shape, ShortcutMode } from '../graph/types.ts';

/** What a block's shortcut actually is once its input shape is known. */
export type ShortcutKind = 'identity' | 'projection' | 'zero-pad';

/**
 * Resolves a block's shortcut mode against its dimensions: `auto` gives the identity when the
 * input already has the output's channels and the block keeps the resolution, a projection
 * otherwise (paper option B) — or a projection always under option C (`projectionEverywhere`).
 */
export function resolveShortcut(mode: ShortcutMode, input: Shape, outChannels: number, stride: number, projectionEverywhere: boolean): ShortcutKind {
  const keeps = input[0] === outChannels && stride === 1;
  if (mode === 'identity' || mode === 'projection') return mode;
  // Option A pads only where dimensions change; where they match it is the identity, as in the paper.
  if (mode === 'zero-pad') return keeps ? 'identity' : 'zero-pad';
  if (projectionEverywhere) return 'projection';
  return keeps ? 'identity' : 'projection';
}

/** True when a shortcut keeps the dimensions (drawn as a solid arc). */
export const keepsDimensions = (k: ShortcutKind): boolean => k === 'identity';

/** The label of a dimension-changing shortcut's dashed arc: "1x1 conv, /2", "zero-pad, /2". */
export function shortcutLabel(k: ShortcutKind, stride: number): string {
  if (k === 'identity') return 'identity';
  const base = k === 'projection' ? '1x1 conv' : 'zero-pad';
  return stride > 1 ? `${base}, /${stride}` : base;
}
