/**
 * `residual-studio import in.onnx -o project.json`: imports an ONNX file into a project file and
 * writes its weights beside it as `<project>.weights.safetensors` (the document's `weights.uri`
 * is that file's name, relative to the project). Also the loader that lets `summary` and
 * `export` take an `.onnx` file directly.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Diagnostic } from '../diagnostics/catalogue.ts';
import { importOnnx } from '../onnx/import/index.ts';
import { DEFAULT_DECODE_LIMITS } from '../onnx/limits.ts';
import { parseArgs, UsageError } from './args.ts';
import { writeProject } from './project-files.ts';
import type { Io, Loaded } from './main.ts';
import { isResidualBlockKind } from '../ops/registry.ts';
import { parseBlockLibrary } from '../blocks/library-file.ts';
import type { UserBlockDef } from '../graph/types.ts';

/** The CLI's default time limit for one import: far beyond any real file (ResNet-152 takes ~0.2 s). */
export const IMPORT_TIME_LIMIT_S = 60;

/** Options of {@link loadOnnx}. */
export interface LoadOnnxOptions {
  /** Working size for a file whose input height/width are symbolic. */
  readonly inputSize?: { readonly height: number; readonly width: number };
  /** Give up after this many seconds (default {@link IMPORT_TIME_LIMIT_S}). */
  readonly timeLimitS?: number;
  /** User-defined blocks to recognise (a block library file's, `--blocks lib.json`). */
  readonly library?: readonly UserBlockDef[];
}

/** Reads and imports an ONNX file; a bad file is a {@link UsageError} with the first problem. */
export function loadOnnx(path: string, opts: LoadOnnxOptions = {}): Loaded & { diagnostics: Diagnostic[] } {
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
  const r = importOnnx(bytes, {
    name: basename(path).replace(/\.onnx$/i, ''),
    timeLimitMs: (opts.timeLimitS ?? IMPORT_TIME_LIMIT_S) * 1000,
    ...(opts.inputSize ? { inputSize: opts.inputSize } : {}),
    ...(opts.library ? { library: opts.library } : {}),
  });
  if (!r.doc) {
    const first = r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0];
    throw new UsageError(`${path}: ${first ? `${first.code} ${oneLine(first.message)}` : 'cannot be imported'}`);
  }
  return { doc: r.doc, ...(r.weights ? { weights: r.weights } : {}), diagnostics: r.diagnostics };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ');

function inputSizeFlag(v: string | boolean | undefined): Pick<LoadOnnxOptions, 'inputSize'> {
  if (typeof v !== 'string') return {};
  const m = /^(\d+)x(\d+)$/i.exec(v);
  const [h, w] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(h >= 1 && h <= 8192 && w >= 1 && w <= 8192)) throw new UsageError(`--input-size must look like 224x224 (height x width, 1–8192), got "${v}"`);
  return { inputSize: { height: h, width: w } };
}

function timeLimitFlag(v: string | boolean | undefined): Pick<LoadOnnxOptions, 'timeLimitS'> {
  if (typeof v !== 'string') return {};
  const s = Number(v);
  if (!(s > 0 && s <= 86400)) throw new UsageError(`--time-limit must be a number of seconds above 0, got "${v}"`);
  return { timeLimitS: s };
}

/** `--blocks lib.json`: a block library file's blocks; a bad file is a {@link UsageError} saying what is wrong and where. */
function blocksFlag(v: string | boolean | undefined): Pick<LoadOnnxOptions, 'library'> {
  if (typeof v !== 'string') return {};
  let text: string;
  try {
    text = readFileSync(v, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${v}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { blocks, diagnostics } = parseBlockLibrary(text);
  if (!blocks) throw new UsageError(`${v}: ${diagnostics.map((d) => `${d.code} ${oneLine(d.message)}`).join('; ')}`);
  return { library: blocks };
}

/** The `import` command. */
export function importCommand(args: string[], io: Io): number {
  const { positional, flags } = parseArgs(args, { o: 'string', output: 'string', quiet: 'bool', 'input-size': 'string', 'time-limit': 'string', blocks: 'string' });
  if (positional.length !== 1) throw new UsageError('import takes one .onnx file: residual-studio import in.onnx -o project.json');
  const out = (flags['o'] ?? flags['output']) as string | undefined;
  if (!out) throw new UsageError('import needs -o project.json');
  const { doc, weights, diagnostics } = loadOnnx(positional[0]!, { ...inputSizeFlag(flags['input-size']), ...timeLimitFlag(flags['time-limit']), ...blocksFlag(flags['blocks']) });
  const weightsFile = writeProject(out, doc, weights);
  const blocks = doc.nodes.filter((n) => isResidualBlockKind(n.op)).length;
  const opaque = doc.nodes.filter((n) => n.op === 'Opaque').length;
  io.stdout(`wrote ${out} (${doc.nodes.length} nodes, ${blocks} residual blocks${opaque ? `, ${opaque} opaque ops` : ''})${weightsFile ? ` and ${weightsFile} (${weights!.size} tensors)` : ''}\n`);
  if (!flags['quiet']) for (const d of diagnostics.filter((x) => x.severity !== 'info')) io.stdout(`${d.severity} ${d.code}: ${oneLine(d.message)}\n`);
  return 0;
}


