/**
 * Test support: PyTorch's forward pass (eval mode) for many cases, from one run of
 * `scripts/py/forward_reference.py` (importing torch takes seconds; the cases take milliseconds).
 *
 * A case is a document: a template by torch architecture name (torchvision's ResNets and VGG,
 * `residual_models.build_model`'s CIFAR, plain and Fashion-MNIST nets), or any document as its
 * flat layer list ({@link layersJson}) run with torch's own modules, one per layer. The state is the
 * one the compiler starts the document with ({@link docState}), so both sides hold the same
 * weights; the manifest's format is the script's docstring.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResidualDocument } from '../../graph/types.ts';
import { decodeTensors, docState, encodeTensors, layersJson, PYTHON } from '../../train/testing/torch-reference.ts';
import type { WeightStore } from '../../weights/types.ts';

/** Where the script lives, from this file. */
export const FORWARD_REFERENCE_SCRIPT = fileURLToPath(new URL('../../../scripts/py/forward_reference.py', import.meta.url));

/** One case of {@link forwardReference}. */
export interface ForwardCase {
  readonly name: string;
  readonly doc: ResidualDocument;
  /** Weights the compiler is given too (BN statistics that matter); fresh from the seed elsewhere. */
  readonly weights?: WeightStore;
  /** The torch side: an architecture by name, or (default) the document's layers as torch modules. */
  readonly arch?: string;
  readonly numClasses?: number;
  /** torchvision's `zero_init_residual=True` (report the BN weights it zeroes). */
  readonly zeroInitResidual?: boolean;
  /** The input, N×C×H×W with C, H, W the document's. */
  readonly input: Float32Array;
  readonly batch: number;
}

/** What torch computed for a case. */
export interface ForwardResult {
  readonly output: { readonly dims: readonly number[]; readonly data: Float32Array };
  /** zero-init cases: the BN weights torchvision's builder zeroes. */
  readonly zeroed?: readonly string[];
}

/**
 * Runs every case in one invocation of the script; results in the order of `cases`. Throws with
 * the script's stderr (each failing case named, with its missing or mis-shaped state) on failure.
 *
 * @example
 * ```ts
 * const [r] = forwardReference([{ name: 'resnet18', doc, arch: 'resnet18', input, batch: 1 }]);
 * r.output.data; // torchvision's logits
 * ```
 */
export function forwardReference(cases: readonly ForwardCase[]): ForwardResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'rs-forward-ref-'));
  try {
    const manifest = cases.map((c, i) => {
      const { channels, height, width } = c.doc.input;
      const dims = [c.batch, channels, height, width];
      if (c.input.length !== dims.reduce((a, b) => a * b, 1)) throw new RangeError(`forwardReference: case ${c.name}: ${c.input.length} input values for [${dims.join(', ')}]`);
      writeFileSync(join(dir, `${i}.state.safetensors`), encodeTensors(docState(c.doc, c.weights)));
      writeFileSync(join(dir, `${i}.input.safetensors`), encodeTensors(new Map([['input', { dims, data: c.input }]])));
      const model = c.arch !== undefined ? { arch: c.arch, ...(c.numClasses !== undefined ? { num_classes: c.numClasses } : {}), ...(c.zeroInitResidual ? { zero_init_residual: true } : {}) } : { layers: layersJson(c.doc) };
      return { name: c.name, model, state: `${i}.state.safetensors`, input: `${i}.input.safetensors`, out: `${i}.out.safetensors` };
    });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ cases: manifest }));
    try {
      execFileSync(PYTHON, [FORWARD_REFERENCE_SCRIPT, '--manifest', join(dir, 'manifest.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000, maxBuffer: 64 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`forward_reference.py failed:\n${e.stderr || e.message}`, { cause: err });
    }
    return manifest.map((m, i) => {
      const out = decodeTensors(new Uint8Array(readFileSync(join(dir, m.out)))).get('output')!;
      const zeroed = cases[i]!.zeroInitResidual ? (JSON.parse(readFileSync(join(dir, `${m.out}.json`), 'utf8')) as { zeroed: string[] }).zeroed : undefined;
      return { output: { dims: out.dims, data: out.data as Float32Array }, ...(zeroed ? { zeroed } : {}) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
