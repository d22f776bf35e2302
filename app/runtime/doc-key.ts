import type { ResidualDocument } from '../../src/index.ts';

/** cyrb53: a fast 53-bit string hash; collisions are irrelevant at a handful of cached sessions. */
export function hash53(s: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** JSON with object keys sorted and canvas positions dropped (moving a card changes no model). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (k, val: unknown) => {
    if (k === 'position' || k === 'name' && typeof val !== 'string') return undefined;
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return val;
  });
}

/**
 * The identity of the model a document compiles to: everything but layout and the title.
 * Two documents with the same key compile to the same ONNX model, so a session can be reused.
 */
export function modelKey(doc: ResidualDocument): string {
  const { name: _title, ...rest } = doc;
  return hash53(canonical({ ...rest, nodes: [...rest.nodes].sort((a, b) => (a.id < b.id ? -1 : 1)), edges: [...rest.edges].sort((a, b) => (a.id < b.id ? -1 : 1)) }));
}

/**
 * The worker's session cache key: the model, the exposed tensors (in any order) and the backend
 * asked for. The page computes it too, so it can send the run right behind the compile.
 */
export function sessionKey(model: string, expose: readonly string[], backend: string): string {
  return `${model}|${[...expose].sort().join(',')}|${backend}`;
}
