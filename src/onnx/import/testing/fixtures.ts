/**
 * Test support for ONNX import: small committed fixtures, big PyTorch exports generated on demand
 * into the gitignored `.cache/import/` by scripts/py/export_torchvision.py (cached by file name),
 * and onnxruntime-node helpers to run and compare models.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { DataType, type IrModel } from '../../ir.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root. */
export const ROOT = join(here, '../../../..');
/** Where generated fixtures live. */
export const CACHE = join(ROOT, '.cache/import');

/** A model file with the fixed input it was exported with and torch's output for it. */
export interface Fixture {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly input: Float32Array;
  readonly inputShape: number[];
  readonly expected: Float32Array;
  readonly meta: { arch: string; opset: number; foldBn: boolean; params: number; inputShape: number[]; outputShape: number[] };
}

const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

/** Reads a fixture written by export_torchvision.py. */
export function readFixture(path: string): Fixture {
  const meta = JSON.parse(readFileSync(`${path}.meta.json`, 'utf8')) as Fixture['meta'];
  return { path, bytes: new Uint8Array(readFileSync(path)), input: f32(readFileSync(`${path}.input.bin`)), inputShape: meta.inputShape, expected: f32(readFileSync(`${path}.expected.bin`)), meta };
}

/** A committed fixture under src/onnx/import/fixtures/ (e.g. `tiny-stack-13.onnx`). */
export const committedFixture = (name: string): Fixture => readFixture(join(here, '../fixtures', name));

/** The file name a torch export is cached under. */
export const torchFixtureName = (arch: string, opset: number, fold: boolean, batch = 2) => `${arch}-${opset}${fold ? '-fold' : ''}${batch === 2 ? '' : `-b${batch}`}.onnx`;

/** A PyTorch export of `arch` at `opset` (BN folded or not), generated once into .cache/import/. */
export function torchFixture(arch: string, opset: number, fold: boolean, batch = 2): Fixture {
  const path = join(CACHE, torchFixtureName(arch, opset, fold, batch));
  if (!existsSync(`${path}.meta.json`)) {
    mkdirSync(CACHE, { recursive: true });
    const args = [join(ROOT, 'scripts/py/export_torchvision.py'), '--arch', arch, '--opset', String(opset), '--out', path, '--batch', String(batch)];
    if (fold) args.push('--fold-bn');
    execFileSync('/usr/bin/python3', args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  }
  return readFixture(path);
}

/** Runs a model on one float input with onnxruntime-node; returns its first output. */
export async function runModel(bytes: Uint8Array, input: Float32Array, dims: readonly number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Largest absolute difference relative to the largest magnitude of the reference. */
export function relDiff(actual: Float32Array, reference: Float32Array): number {
  if (actual.length !== reference.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Learnable parameters a file carries: float initializer elements, BN running statistics excluded. */
export function fileParams(model: IrModel): number {
  return model.graph.initializers
    .filter((t) => t.dataType === DataType.FLOAT && !/running_(mean|var)$/.test(t.name))
    .reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1), 0);
}
