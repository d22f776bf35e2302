import { diag, msg, type Diagnostic, type MessageRef } from '../diagnostics/catalogue.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { SCHEMA_VERSION } from '../graph/types.ts';
import { DEFAULT_OPSET } from '../onnx/ir.ts';
import { FILE_KIND } from './create.ts';
import { documentSchema } from './schema.ts';

// Re-exported from here, where every user of a document has always found them.
export { createDocument, FILE_KIND, serializeDocument } from './create.ts';

/**
 * Forward migrations: `MIGRATIONS[v]` turns a version-v document into version v+1. Version 0
 * was the pre-release layout (blocks with `planes` instead of `width`, no `projectionEverywhere`).
 */
const MIGRATIONS: Record<number, (d: Record<string, unknown>) => Record<string, unknown>> = {
  0: (d) => ({
    ...d,
    schemaVersion: 1,
    projectionEverywhere: d['projectionEverywhere'] ?? false,
    zeroInitResidual: d['zeroInitResidual'] ?? false,
    opset: d['opset'] ?? DEFAULT_OPSET,
    nodes: Array.isArray(d['nodes']) ? d['nodes'].map(renamePlanes) : d['nodes'],
  }),
  // v2 added the optional block library (`blocks`); a v1 document has none.
  1: (d) => ({ ...d, schemaVersion: 2 }),
};

/** v0 → v1 for one node: `planes` became `width`. Anything not shaped like a node is left for validation to report. */
function renamePlanes(n: unknown): unknown {
  if (typeof n !== 'object' || n === null) return n;
  const node = n as Record<string, unknown>;
  const params = node['params'];
  if (typeof params !== 'object' || params === null || !('planes' in params)) return n;
  const { planes, ...rest } = params as Record<string, unknown>;
  return { ...node, params: { ...rest, width: planes } };
}

/**
 * Parses a saved document (text or already-parsed JSON): checks it is ours, migrates it forward
 * and validates every field. Errors say which node and which field, and why.
 *
 * @example
 * const { doc, diagnostics } = parseDocument(text);
 * if (!doc) console.error(diagnostics[0].message);
 */
export function parseDocument(input: string | unknown): { doc?: ResidualDocument; diagnostics: Diagnostic[] } {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      return { diagnostics: [diag('RS503', msg('doc-not-json', { error: (e as Error).message }))] };
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { diagnostics: [diag('RS503', msg('doc-not-object'))] };
  let obj = raw as Record<string, unknown>;
  if (obj['kind'] !== undefined && obj['kind'] !== FILE_KIND) return { diagnostics: [diag('RS503', msg('doc-wrong-kind', { kind: String(JSON.stringify(obj['kind'])) }))] };
  if (obj['kind'] === undefined && !('nodes' in obj)) return { diagnostics: [diag('RS503', msg('doc-no-kind'))] };
  let v = obj['schemaVersion'] ?? 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return { diagnostics: [diag('RS502', msg('schema-not-integer', { value: String(JSON.stringify(v)) }), { field: 'schemaVersion' })] };
  if (v > SCHEMA_VERSION) return { diagnostics: [diag('RS502', msg('schema-newer', { version: v, max: SCHEMA_VERSION }), { field: 'schemaVersion' })] };
  while (v < SCHEMA_VERSION) {
    obj = MIGRATIONS[v]!(obj);
    v++;
  }
  const { kind: _kind, ...rest } = obj;
  const r = documentSchema.safeParse(rest);
  if (!r.success) {
    return {
      diagnostics: r.error.issues.slice(0, 20).map((i) => {
        const path = i.path.map(String);
        const where = describePath(rest, path);
        return diag('RS501', msg('doc-invalid-field', { where, problem: i.message }), { field: path.join('.') });
      }),
    };
  }
  const doc = r.data as unknown as ResidualDocument;
  const ids = new Set<string>();
  const problems: Diagnostic[] = [];
  for (const n of doc.nodes) {
    if (ids.has(n.id)) problems.push(diag('RS501', msg('doc-duplicate-id', { name: n.name, id: n.id }), { nodeId: n.id, field: 'id' }));
    ids.add(n.id);
  }
  for (const e of doc.edges) {
    if (!ids.has(e.source) || !ids.has(e.target)) problems.push(diag('RS501', msg('doc-edge-missing-node', { edge: e.id, node: !ids.has(e.source) ? e.source : e.target }), { edgeId: e.id }));
  }
  if (problems.length) return { diagnostics: problems };
  return { doc, diagnostics: [] };
}

/** "node 3 (layer1.0), params.stride" for a zod path into the document. */
function describePath(doc: Record<string, unknown>, path: string[]): MessageRef {
  if (path[0] === 'nodes' && path[1] !== undefined) {
    const node = (doc['nodes'] as Record<string, unknown>[] | undefined)?.[Number(path[1])];
    const index = path[1];
    const field = path.slice(2).join('.');
    if (node && typeof node['name'] === 'string') {
      const name = node['name'];
      return path.length > 2 ? msg('doc-path-node-named-field', { index, name, field }) : msg('doc-path-node-named', { index, name });
    }
    return path.length > 2 ? msg('doc-path-node-field', { index, field }) : msg('doc-path-node', { index });
  }
  if (path[0] === 'edges' && path[1] !== undefined) return path.length > 2 ? msg('doc-path-edge-field', { index: path[1], field: path.slice(2).join('.') }) : msg('doc-path-edge', { index: path[1] });
  return path.length ? msg('doc-path-field', { field: path.join('.') }) : msg('doc-path-document');
}
