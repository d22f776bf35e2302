/**
 * Making and saving a document: the part of `document.ts` that needs no validator. Kept apart so
 * that code which only builds documents (templates, the compiler writing a document into its
 * file, the CLI's `export`) does not load the schema validator (zod) that reading one needs.
 */
import type { ResidualDocument } from '../graph/types.ts';
import { SCHEMA_VERSION } from '../graph/types.ts';
import { DEFAULT_OPSET } from '../onnx/ir.ts';

/** The `kind` marker of a saved project file, so a foreign JSON file is recognised as such. */
export const FILE_KIND = 'residual-studio/document';

/** An empty document: just an Input and an Output. */
export function createDocument(init: Partial<ResidualDocument> = {}): ResidualDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    name: 'Untitled',
    input: { channels: 3, height: 32, width: 32 },
    nodes: [],
    edges: [],
    seed: 0,
    opset: DEFAULT_OPSET,
    projectionEverywhere: false,
    zeroInitResidual: false,
    ...init,
  };
}

/** Serialises a document to the project file's JSON text. */
export function serializeDocument(doc: ResidualDocument): string {
  return JSON.stringify({ kind: FILE_KIND, ...doc }, null, 1);
}
