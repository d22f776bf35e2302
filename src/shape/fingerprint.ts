import type { GraphNode, Params } from '../graph/types.ts';
import { isStageKind } from '../ops/registry.ts';
import { VARIANT_PARAMS } from '../blocks/block-variants.ts';

/**
 * A block's params without the family options that are off: those options came after weights were
 * first saved, so a block without them keeps the owner its saved weights name (the shipped default
 * model, a user's autosave), and turning one on still gives the block fresh weights.
 */
function withoutDefaultVariants(p: Params): Params {
  const out: Record<string, Params[string]> = {};
  for (const [k, v] of Object.entries(p)) if (!VARIANT_PARAMS.some((s) => s.name === k && s.default === v)) out[k] = v;
  return out;
}

/** JSON with sorted keys, so equal params give equal text. */
export function stableJson(p: Params): string {
  return JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));
}

/**
 * What a layer's weights belong to: its op and params, plus those of the residual block it is
 * part of (not the stage: adding a block to a stage keeps the others' weights). Editing a block
 * changes the fingerprint of every layer in it, so the whole block gets fresh weights; editing
 * anything else changes nothing here.
 */
export function fingerprint(node: GraphNode): string {
  let g = node.group;
  while (g && isStageKind(g.kind)) g = g.parent;
  const own = `${node.op}${stableJson(node.params)}`;
  return g ? `${g.kind}${stableJson(withoutDefaultVariants(g.params))}/${own}` : own;
}
