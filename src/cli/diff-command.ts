/**
 * `residual-studio diff a b [--json]`: compares two networks (template ids, project files or
 * ONNX files) block by block and layer by layer, per stage, with params and MACs on both sides.
 */
import { diffDocuments } from '../diff/model-diff.ts';
import { formatDiffText } from '../diff/format-text.ts';
import { parseArgs, UsageError } from './args.ts';
import { load, type Io } from './main.ts';

/**
 * Runs `diff`: a readable report on stdout, or the whole {@link diffDocuments} result with
 * `--json`. Exit code 0 whether or not the networks differ; 1 when either cannot be read.
 */
export async function diffCommand(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, { json: 'bool', input: 'string' });
  if (positional.length !== 2) throw new UsageError(`diff takes two templates or project files (a and b), got ${positional.length}`);
  const [a, b] = await Promise.all(positional.map((p) => load(p, flags)));
  const d = diffDocuments(a!.doc, b!.doc);
  io.stdout(flags['json'] ? `${JSON.stringify(d, null, 1)}\n` : formatDiffText(d));
  return 0;
}
