import { z } from 'zod';
import { diag, msg, type Diagnostic, type MessageRef } from '../diagnostics/catalogue.ts';
import type { ResidualDocument, UserBlockDef } from '../graph/types.ts';
import { userBlockDefSchema } from '../document/schema.ts';
import { checkBlockDef } from './block-library.ts';

/** The `kind` of a block library file. */
export const LIBRARY_KIND = 'residual-studio/block-library';
/** The version of block library files this build writes and reads. */
export const LIBRARY_VERSION = 1;

const libraryFileSchema = z.object({
  kind: z.literal(LIBRARY_KIND),
  version: z.literal(LIBRARY_VERSION),
  blocks: z.array(userBlockDefSchema).max(200),
});

/** A block library as a file: `{ kind, version, blocks }`, pretty-printed JSON. */
export function serializeBlockLibrary(blocks: readonly UserBlockDef[]): string {
  return `${JSON.stringify({ kind: LIBRARY_KIND, version: LIBRARY_VERSION, blocks }, null, 2)}\n`;
}

/**
 * Reads a block library file: checks it is one, validates every field (zod) and each block's
 * wiring. A bad file gives diagnostics (RS506) saying what is wrong and where, and no blocks.
 *
 * @example
 * const { blocks, diagnostics } = parseBlockLibrary(text);
 * if (!blocks) console.error(diagnostics[0].message);
 */
export function parseBlockLibrary(input: string | unknown): { blocks?: UserBlockDef[]; diagnostics: Diagnostic[] } {
  const bad = (ref: MessageRef, field?: string) => ({ diagnostics: [diag('RS506', ref, field ? { field } : {})] });
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      return bad(msg('library-not-json', { error: (e as Error).message }));
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(msg('library-wrong-kind', { kind: JSON.stringify(Array.isArray(raw) ? 'array' : typeof raw) }));
  const obj = raw as Record<string, unknown>;
  if (obj['kind'] !== LIBRARY_KIND) return bad(msg('library-wrong-kind', { kind: String(JSON.stringify(obj['kind'] ?? null)) }), 'kind');
  if (typeof obj['version'] === 'number' && obj['version'] > LIBRARY_VERSION) return bad(msg('library-newer', { version: obj['version'], max: LIBRARY_VERSION }), 'version');
  const r = libraryFileSchema.safeParse(obj);
  if (!r.success) {
    return {
      diagnostics: r.error.issues.slice(0, 20).map((i) => {
        const path = i.path.map(String);
        return diag('RS506', msg('library-invalid-field', { where: describe(obj, path), problem: i.message }), { field: path.join('.') });
      }),
    };
  }
  const blocks = r.data.blocks as unknown as UserBlockDef[];
  const problems: Diagnostic[] = [];
  const names = new Set<string>();
  for (const [i, b] of blocks.entries()) {
    const p = checkBlockDef(b);
    if (p) problems.push(diag('RS506', msg('library-invalid-field', { where: msg('library-path-block', { index: i, name: b.name, field: 'nodes' }), problem: p }), { field: `blocks.${i}` }));
    if (names.has(b.name)) problems.push(diag('RS506', msg('library-invalid-field', { where: msg('library-path-block', { index: i, name: b.name, field: 'name' }), problem: msg('make-block-name-taken', { name: b.name }) }), { field: `blocks.${i}.name` }));
    names.add(b.name);
  }
  return problems.length ? { diagnostics: problems } : { blocks, diagnostics: [] };
}

/** "block 2 (MyBlock), nodes.3.params" for a zod path into a library file. */
function describe(obj: Record<string, unknown>, path: string[]): MessageRef {
  if (path[0] === 'blocks' && path[1] !== undefined) {
    const b = (obj['blocks'] as Record<string, unknown>[] | undefined)?.[Number(path[1])];
    const name = b && typeof b['name'] === 'string' ? b['name'] : '?';
    return msg('library-path-block', { index: path[1], name, field: path.slice(2).join('.') || 'block' });
  }
  return msg('library-path-field', { field: path.join('.') || 'file' });
}

/**
 * Adds a library's blocks to a document's. A block already there by name with the same content
 * is skipped; one with the same name and different content is added under a fresh name
 * (`MyBlock_2`) and a fresh id, so nothing the document uses changes meaning.
 */
export function mergeBlockLibrary(doc: ResidualDocument, blocks: readonly UserBlockDef[]): { doc: ResidualDocument; added: string[] } {
  const have = [...(doc.blocks ?? [])];
  const added: string[] = [];
  // Compared with keys sorted: a definition read back from a file has its keys in the schema's order.
  const same = (a: UserBlockDef, b: UserBlockDef) => canonical({ ...a, id: '' }) === canonical({ ...b, id: '' });
  for (const b of blocks) {
    const byName = have.find((d) => d.name === b.name);
    if (byName && same(byName, b)) continue;
    let name = b.name;
    for (let i = 2; have.some((d) => d.name === name); i++) name = `${b.name}_${i}`;
    let id = b.id;
    for (let i = 2; have.some((d) => d.id === id); i++) id = `${b.id}-${i}`;
    have.push({ ...b, id, name });
    added.push(name);
  }
  return added.length ? { doc: { ...doc, blocks: have }, added } : { doc, added };
}

/** JSON with every object's keys sorted, so equal data gives equal text whatever order it was built in. */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(sort(v));
}
