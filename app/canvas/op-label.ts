import type { TFunction } from 'i18next';
import { userBlockDef, type BlockLibrary, type OpKind } from '../../src/index.ts';

/** What a kind is called in the UI: a user-defined block by its own name, a built-in op in the UI language. */
export function opLabel(t: TFunction, kind: OpKind, library: BlockLibrary): string {
  const def = userBlockDef(kind, library);
  if (def) return def.name;
  if (kind.startsWith('user:')) return kind.slice('user:'.length);
  return t(`op.${kind}`);
}
