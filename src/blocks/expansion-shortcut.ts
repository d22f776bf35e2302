import type { NodeId } from '../graph/ids.ts';
import type { Expansion } from '../ops/types.ts';
import type { ShortcutKind } from './shortcut.ts';

/** A block's shortcut as its expansion builds it. */
export interface ExpansionShortcut {
  readonly kind: ShortcutKind;
  /** The shortcut's own stride (its conv's or ZeroPadShortcut's; 1 for the identity). */
  readonly stride: number;
  /** The Add where F(x) and the shortcut meet. */
  readonly add: NodeId;
  /** Input port of the Add the shortcut arrives at. */
  readonly port: number;
}

/**
 * Reads the shortcut off an expansion: of the Adds nearest the exit, the one with an input that
 * reaches x through at most a couple of layers. That input is the shortcut: straight from x it is
 * the identity (a solid arc), through a convolution a projection, through ZeroPadShortcut the
 * parameter-free option A (both dashed). Undefined when no Add sums x with a path from it.
 *
 * @example
 * shortcutOfExpansion(getOp('BasicBlock').expand!(node, [64, 56, 56], opts)); // { kind: 'identity', ... }
 */
export function shortcutOfExpansion(exp: Expansion): ExpansionShortcut | undefined {
  const byId = new Map(exp.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, NodeId>();
  for (const e of exp.edges) incoming.set(`${e.target}:${e.targetPort}`, e.source);
  const entries = new Set(exp.entries.map((x) => `${x.node}:${x.port}`));
  // Walks back from (node, port) along single-input layers to x; the layers passed, or undefined.
  const pathToX = (node: NodeId, port: number): NodeId[] | undefined => {
    const path: NodeId[] = [];
    let key = `${node}:${port}`;
    for (let i = 0; i < 4; i++) {
      if (entries.has(key)) return path;
      const src = incoming.get(key);
      const n = src && byId.get(src);
      if (!n || n.op === 'Add' || n.op === 'Concat' || n.op === 'Mul') return undefined;
      path.push(n.id);
      key = `${n.id}:0`;
    }
    return undefined;
  };
  const adds = exp.nodes.filter((n) => n.op === 'Add').reverse();
  for (const add of adds) {
    const paths = [0, 1].map((p) => pathToX(add.id, p));
    const port = paths[1] !== undefined && (paths[0] === undefined || paths[1].length <= paths[0].length) ? 1 : paths[0] !== undefined ? 0 : -1;
    if (port < 0) continue;
    // Both inputs straight from x is x + x, not a residual connection.
    if (paths[1 - port] !== undefined && paths[1 - port]!.length === 0) continue;
    const path = paths[port]!.map((id) => byId.get(id)!);
    const stride = (n: (typeof path)[number]) => Number(n.params['stride'] ?? 1);
    const zp = path.find((n) => n.op === 'ZeroPadShortcut');
    if (zp) return { kind: 'zero-pad', stride: stride(zp), add: add.id, port };
    const conv = path.find((n) => n.op === 'Conv2d');
    if (conv) return { kind: 'projection', stride: stride(conv), add: add.id, port };
    return { kind: 'identity', stride: 1, add: add.id, port };
  }
  return undefined;
}
