import type { GraphNode, Params } from '../graph/types.ts';
import { isStageKind } from '../ops/registry.ts';

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
  return g ? `${g.kind}${stableJson(g.params)}/${own}` : own;
}
