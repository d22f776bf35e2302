import type { OpKind } from '../graph/types.ts';
import type { OpDef } from './types.ts';

/**
 * Stands in for a user-defined block whose definition is not in the document's block library (a
 * node pasted from another document, a library entry removed): it has no expansion, so the
 * analysis reports the node (RS109) instead of guessing its layers.
 */
export const missingBlock = (kind: OpKind): OpDef => ({
  kind,
  category: 'block',
  summary: 'A block type this document’s block library does not hold.',
  params: [],
  inputCount: () => 1,
  block: { role: 'block' },
  label: kind.slice('user:'.length),
  // A user block's name is the user's own, the same in every language.
  labels: { en: kind.slice('user:'.length), 'zh-CN': kind.slice('user:'.length) },
});
