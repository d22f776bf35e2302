import type { ImportLayer } from './layers.ts';

/**
 * What a block-recovery pass decided for each layer it took: the block layer that stands in its
 * place (on the block's last member), or `null` for a member the block hides.
 */
export type Replacements = ReadonlyMap<ImportLayer, ImportLayer | null>;

/**
 * `layers` with each recovered block in place of its members, order kept (a block sits where its
 * last member was, so the list stays topological).
 */
export function applyReplacements(layers: readonly ImportLayer[], replaced: Replacements): ImportLayer[] {
  const out: ImportLayer[] = [];
  for (const l of layers) {
    const r = replaced.get(l);
    if (r === undefined) out.push(l);
    else if (r) out.push(r);
  }
  return out;
}
