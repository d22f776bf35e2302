import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { serializeDocument } from '../document/create.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { encodeSafetensors } from '../weights/safetensors.ts';
import type { WeightStore } from '../weights/types.ts';
import { UsageError } from './args.ts';

/** Writes a file; a failure is one line saying which file and why. */
export function writeFile(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Writes a project and, when there are any, its weights beside it as
 * `<project>.weights.safetensors`, the document's `weights` pointing at that file by name with its
 * SHA-256 — the layout `import` and `train` write and `load` reads. Returns the weights file's
 * name, or undefined when no weights were written.
 */
export function writeProject(out: string, doc: ResidualDocument, weights?: WeightStore, metadata: Readonly<Record<string, string>> = {}): string | undefined {
  if (!weights || weights.size === 0) {
    writeFile(out, serializeDocument(doc));
    return undefined;
  }
  const weightsFile = `${basename(out).replace(/\.json$/i, '')}.weights.safetensors`;
  const bytes = encodeSafetensors(weights, metadata);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFile(join(dirname(out), weightsFile), bytes);
  writeFile(out, serializeDocument({ ...doc, weights: { uri: weightsFile, sha256 } }));
  return weightsFile;
}
