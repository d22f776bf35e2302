/**
 * `residual-studio export-pytorch <template|project.json|model.onnx> -o DIR`: writes `DIR/model.py`
 * (PyTorch source a person could have written) and `DIR/weights.safetensors` (what its
 * `build_model()` loads: the project's real weights, fresh ones from its seed elsewhere).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exportPyTorch, PYTORCH_WEIGHTS_FILE } from '../export/pytorch/model-py.ts';
import { parseArgs, UsageError } from './args.ts';
import { load, type Io } from './main.ts';
import { writeFile } from './project-files.ts';

/** Runs `export-pytorch`; returns the exit code. Bad input is one line on stderr (via {@link UsageError}). */
export async function exportPyTorchCommand(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, { o: 'string', output: 'string', input: 'string', classes: 'string' });
  if (positional.length !== 1) throw new UsageError('export-pytorch takes one template, project file or ONNX file');
  const dir = (flags['o'] ?? flags['output']) as string | undefined;
  if (!dir) throw new UsageError('export-pytorch needs -o DIR (the folder for model.py and its weights)');
  const { doc, weights } = await load(positional[0]!, flags);
  const r = exportPyTorch(doc, weights ? { weights } : {});
  if (!r.modelPy) {
    const first = r.diagnostics.find((d) => d.severity === 'error');
    throw new UsageError(`cannot export ${doc.name} as PyTorch: ${first?.code} ${first?.message}`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  writeFile(join(dir, 'model.py'), r.modelPy);
  writeFile(join(dir, PYTORCH_WEIGHTS_FILE), r.weights!);
  const tensors = r.state!.size;
  io.stdout(`wrote ${join(dir, 'model.py')} and ${join(dir, PYTORCH_WEIGHTS_FILE)} (${tensors} tensors, ${(r.weights!.length / 2 ** 20).toFixed(1)} MB)\n`);
  for (const d of r.diagnostics) if (d.severity === 'warning') io.stderr(`warning ${d.code}: ${d.message}\n`);
  return 0;
}
