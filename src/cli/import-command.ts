/**
 * `residual-studio import in.onnx -o project.json`: imports an ONNX file into a project file and
 * writes its weights beside it as `<project>.weights.safetensors` (the document's `weights.uri`
 * is that file's name, relative to the project). Also the loader that lets `summary` and
 * `export` take an `.onnx` file directly.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Diagnostic } from '../diagnostics/catalogue.ts';
import { serializeDocument } from '../document/document.ts';
import { importOnnx } from '../onnx/import/index.ts';
import { DEFAULT_DECODE_LIMITS } from '../onnx/limits.ts';
import { encodeSafetensors } from '../weights/safetensors.ts';
import { parseArgs, UsageError } from './args.ts';
import type { Io, Loaded } from './main.ts';

/** Reads and imports an ONNX file; a bad file is a {@link UsageError} with the first problem. */
export function loadOnnx(path: string): Loaded & { diagnostics: Diagnostic[] } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Refuse before reading a file past the reader's limit into memory.
  if (size > DEFAULT_DECODE_LIMITS.maxFileBytes) throw new UsageError(`${path}: RS603 the file is ${size} bytes, over the ${DEFAULT_DECODE_LIMITS.maxFileBytes}-byte limit for imported models`);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = importOnnx(bytes, { name: basename(path).replace(/\.onnx$/i, '') });
  if (!r.doc) {
    const first = r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0];
    throw new UsageError(`${path}: ${first ? `${first.code} ${oneLine(first.message)}` : 'cannot be imported'}`);
  }
  return { doc: r.doc, ...(r.weights ? { weights: r.weights } : {}), diagnostics: r.diagnostics };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ');

/** The `import` command. */
export function importCommand(args: string[], io: Io): number {
  const { positional, flags } = parseArgs(args, { o: 'string', output: 'string', quiet: 'bool' });
  if (positional.length !== 1) throw new UsageError('import takes one .onnx file: residual-studio import in.onnx -o project.json');
  const out = (flags['o'] ?? flags['output']) as string | undefined;
  if (!out) throw new UsageError('import needs -o project.json');
  const { doc, weights, diagnostics } = loadOnnx(positional[0]!);
  const weightsFile = `${basename(out).replace(/\.json$/i, '')}.weights.safetensors`;
  let project = doc;
  if (weights && weights.size > 0) {
    const bytes = encodeSafetensors(weights);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    write(join(dirname(out), weightsFile), bytes);
    project = { ...doc, weights: { uri: weightsFile, sha256 } };
  }
  write(out, serializeDocument(project));
  const blocks = project.nodes.filter((n) => n.op === 'BasicBlock' || n.op === 'Bottleneck').length;
  const opaque = project.nodes.filter((n) => n.op === 'Opaque').length;
  io.stdout(`wrote ${out} (${project.nodes.length} nodes, ${blocks} residual blocks${opaque ? `, ${opaque} opaque ops` : ''})${weights?.size ? ` and ${weightsFile} (${weights.size} tensors)` : ''}\n`);
  if (!flags['quiet']) for (const d of diagnostics.filter((x) => x.severity !== 'info')) io.stdout(`${d.severity} ${d.code}: ${oneLine(d.message)}\n`);
  return 0;
}

function write(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
