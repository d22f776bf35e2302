/**
 * "Our activations and gates compute what torch's own modules compute": each op is compiled into
 * Input → op → Output at the opsets where its lowering differs, run in onnxruntime-node on our
 * exported ONNX, and compared with nn.SiLU, nn.Hardswish, nn.Hardsigmoid, nn.ReLU6, nn.GELU,
 * torch.clamp and a broadcasting torch.mul on the same inputs (scripts/py/modern_ops.py, run once).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chain } from '../graph/testing/chain.ts';
import { connect } from '../graph/edit.ts';
import type { OpKind, Params, ResidualDocument } from '../graph/types.ts';
import { compile } from './compile.ts';
import { relDiff, runModel } from './import/testing/fixtures.ts';
import { testInput } from './testing/run-ort.ts';
import { torchAvailable } from './testing/torch-available.ts';

const TORCH = torchAvailable();
const DIMS = [2, 4, 5, 5];
/** Inputs in ±8: past every knee (ReLU6's 6, Hardswish's ±3, Hardsigmoid's ±3) and into GELU's and SiLU's tails. */
const X = testInput(DIMS.reduce((a, b) => a * b), 21).map((v) => 8 * v);

interface Case {
  readonly name: string;
  /** The torch side, as scripts/py/modern_ops.py names it. */
  readonly module: string;
  readonly kwargs?: Record<string, unknown>;
  /** The document: Input → these → Output (Mul: Input and GlobalAvgPool(Input) → Mul). */
  readonly doc: () => ResidualDocument;
  readonly opsets: readonly number[];
}

const input = { channels: DIMS[1]!, height: DIMS[2]!, width: DIMS[3]! };
const one = (op: OpKind, params: Params = {}) => () => chain([['Input'], [op, params], ['Output']], input).doc;
/** x · mean_hw(x): the feature map into Mul's port 0, its N×C×1×1 channel means into port 1. */
const gate = () => {
  const { doc, ids } = chain([['Input'], ['GlobalAvgPool'], ['Mul'], ['Output']], input);
  // chain fed the pool into port 0; torch.mul(x, gate) has the map first.
  const d = { ...doc, edges: doc.edges.filter((e) => e.target !== ids[2]) };
  return connect(connect(d, { source: ids[0]!, sourcePort: 0, target: ids[2]!, targetPort: 0 }).doc, { source: ids[1]!, sourcePort: 0, target: ids[2]!, targetPort: 1 }).doc;
};

const CASES: readonly Case[] = [
  { name: 'SiLU', module: 'SiLU', doc: one('SiLU'), opsets: [13, 17, 21] },
  { name: 'Hardswish', module: 'Hardswish', doc: one('Hardswish'), opsets: [13, 14, 17, 21] },
  { name: 'Hardsigmoid', module: 'Hardsigmoid', doc: one('Hardsigmoid'), opsets: [13, 17, 21] },
  { name: 'ReLU6', module: 'ReLU6', doc: one('ReLU6'), opsets: [13, 17, 21] },
  { name: 'GELU', module: 'GELU', doc: one('GELU'), opsets: [13, 17, 19, 20, 21] },
  { name: 'GELU tanh', module: 'GELU', kwargs: { approximate: 'tanh' }, doc: one('GELU', { approximate: 'tanh' }), opsets: [13, 17, 20, 21] },
  { name: 'Clip', module: 'clamp', kwargs: { min: -1.5, max: 2.25 }, doc: one('Clip', { min: -1.5, max: 2.25 }), opsets: [13, 17, 21] },
  { name: 'Mul (SE broadcast)', module: 'mul_gate', doc: gate, opsets: [13, 17, 21] },
];

describe.skipIf(!TORCH)('activations and Mul match torch modules (onnxruntime-node on our ONNX)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-act-'));
  const torchOut = new Map<string, Float32Array>();

  beforeAll(() => {
    const inputFile = join(dir, 'x.bin');
    writeFileSync(inputFile, new Uint8Array(X.buffer));
    const spec = CASES.map((c, i) => ({ module: c.module, kwargs: c.kwargs ?? {}, input: inputFile, shape: DIMS, out: join(dir, `${i}.out.bin`) }));
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(spec));
    execFileSync('/usr/bin/python3', ['scripts/py/modern_ops.py', 'ops', '--spec', join(dir, 'cases.json')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    CASES.forEach((c, i) => {
      const b = readFileSync(join(dir, `${i}.out.bin`));
      torchOut.set(c.name, new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
    });
  }, 120_000);

  it.each(CASES.flatMap((c) => c.opsets.map((o) => [c.name, o, c] as const)))('%s at opset %i', async (_name, opset, c) => {
    const r = compile({ ...c.doc(), opset });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ours = await runModel(r.bytes!, X, DIMS);
    const expected = torchOut.get(c.name)!;
    expect(ours.length).toBe(expected.length);
    expect(relDiff(ours, expected)).toBeLessThanOrEqual(1e-4);
  });
});
