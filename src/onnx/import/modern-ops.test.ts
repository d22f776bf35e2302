/**
 * Import of the activations and gates of modern residual nets: ONNX ops and torch 1.13's
 * multi-node exports (SiLU as Sigmoid·Mul, Hardswish at opset 13 as HardSigmoid·Mul, GELU as
 * Div/Erf/Add/Mul/Mul, ReLU6 as Clip with constant bounds) become editor layers, not opaque ops.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrors } from '../../diagnostics/catalogue.ts';
import { analyze } from '../../shape/analyze.ts';
import { compile } from '../compile.ts';
import { decodeModel } from '../decode.ts';
import { DataType, type IrAttribute, type IrModel, type IrNode, type IrTensor } from '../ir.ts';
import { serializeModel } from '../serialize.ts';
import { importOnnx } from './index.ts';
import { CACHE, ROOT, fileParams, readFixture, relDiff, runModel } from './testing/fixtures.ts';
import { model as irModel } from './testing/ir.ts';
import { torchAvailable } from '../testing/torch-available.ts';

const TORCH = torchAvailable();

const scalar = (name: string, v: number): IrTensor => ({ name, dims: [], dataType: DataType.FLOAT, data: Float32Array.of(v) });
const node = (opType: string, inputs: string[], outputs: string[], attributes: IrAttribute[] = []): IrNode => ({ name: `/act/${opType}_${outputs[0]}`, opType, inputs, outputs, attributes });
const f = (name: string, value: number): IrAttribute => ({ name, kind: 'float', value });

/** x [N,4,6,6] → nodes → outputs, with the given constants, at the given opset. */
const model = (nodes: IrNode[], initializers: IrTensor[] = [], opts: { outputs?: string[]; opset?: number } = {}): IrModel => irModel(nodes, initializers, { ...opts, input: ['N', 4, 6, 6] });

const X = Float32Array.from({ length: 2 * 4 * 6 * 6 }, (_, i) => 7 * Math.sin(i * 0.61));

/** Imports `m`; checks it has no opaque op, compiles it with the imported weights and runs both: the same output. */
async function imports(m: IrModel) {
  const bytes = serializeModel(m);
  const r = importOnnx(bytes);
  expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
  const c = compile(r.doc!, { weights: r.weights! });
  expect(c.bytes, c.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
  expect(relDiff(await runModel(c.bytes!, X, [2, 4, 6, 6]), await runModel(bytes, X, [2, 4, 6, 6]))).toBeLessThanOrEqual(1e-5);
  const layers = r.doc!.nodes.filter((n) => n.op !== 'Input' && n.op !== 'Output');
  return { ops: layers.map((n) => n.op), params: layers.map((n) => n.params), diagnostics: r.diagnostics };
}

describe('ONNX activation ops map to editor layers', () => {
  it.each([
    ['Clip 0..6 is ReLU6', [node('Clip', ['x', 'lo', 'hi'], ['y'])], [scalar('lo', 0), scalar('hi', 6)], 17, 'ReLU6', {}],
    ['Clip with other bounds is Clip', [node('Clip', ['x', 'lo', 'hi'], ['y'])], [scalar('lo', -0.5), scalar('hi', 2.5)], 13, 'Clip', { min: -0.5, max: 2.5 }],
    ['Clip without a max is clipped at the largest float32 (its shortest decimal)', [node('Clip', ['x', 'lo'], ['y'])], [scalar('lo', -1)], 17, 'Clip', { min: -1, max: 3.4028235e38 }],
    ['Clip-6 (attributes) before opset 11', [node('Clip', ['x'], ['y'], [f('min', 0), f('max', 6)])], [], 10, 'ReLU6', {}],
    ['HardSigmoid keeps ONNX’s default alpha 0.2', [node('HardSigmoid', ['x'], ['y'])], [], 17, 'Hardsigmoid', { alpha: 0.2, beta: 0.5 }],
    ['HardSwish', [node('HardSwish', ['x'], ['y'])], [], 14, 'Hardswish', {}],
    ['Gelu (opset 20)', [node('Gelu', ['x'], ['y'])], [], 20, 'GELU', { approximate: 'none' }],
    ['Gelu tanh (opset 20)', [node('Gelu', ['x'], ['y'], [{ name: 'approximate', kind: 'string', value: 'tanh' }])], [], 20, 'GELU', { approximate: 'tanh' }],
  ] as const)('%s', async (_name, nodes, inits, opset, op, params) => {
    const r = await imports(model([...nodes], [...inits], { opset }));
    expect(r.ops).toEqual([op]);
    expect(r.params[0]).toMatchObject(params);
    expect(r.diagnostics.filter((d) => d.code === 'RS605')).toEqual([]);
  });

  it('Clip with min above max stays opaque: as a layer it would be an error, and the file means every value becomes max', async () => {
    const r = await imports(model([node('Clip', ['x', 'lo', 'hi'], ['y'])], [scalar('lo', 1), scalar('hi', -1)]));
    expect(r.ops).toEqual(['Opaque']);
  });

  it('Mul of two feature maps that broadcast (an SE gate) is one Mul layer', async () => {
    const r = await imports(model([node('GlobalAveragePool', ['x'], ['g']), node('Sigmoid', ['g'], ['s']), node('Mul', ['x', 's'], ['y'])]));
    expect(r.ops).toEqual(['GlobalAvgPool', 'Sigmoid', 'Mul']);
  });
});

describe('torch’s multi-node activations fuse into one layer', () => {
  const gelu = (x: string, out: string) => [
    node('Div', [x, 'sqrt2'], ['d']),
    node('Erf', ['d'], ['e']),
    node('Add', ['e', 'one'], ['a']),
    node('Mul', [x, 'a'], ['m']),
    node('Mul', ['m', 'half'], [out]),
  ];
  // torch writes GELU's constants as Constant nodes next to their readers, after the Div: the fusion looks ahead for them.
  const geluConstants = (one = 1) => [
    { name: '/act/Constant_1', opType: 'Constant', inputs: [], outputs: ['one'], attributes: [{ name: 'value', kind: 'tensor', value: scalar('one', one) } as IrAttribute] },
    { name: '/act/Constant_2', opType: 'Constant', inputs: [], outputs: ['half'], attributes: [{ name: 'value', kind: 'tensor', value: scalar('half', 0.5) } as IrAttribute] },
  ];

  it.each([
    ['Sigmoid then Mul(x, sigmoid(x)) is SiLU', [node('Sigmoid', ['x'], ['s']), node('Mul', ['x', 's'], ['y'])], 13, ['SiLU']],
    ['… in either input order', [node('Sigmoid', ['x'], ['s']), node('Mul', ['s', 'x'], ['y'])], 17, ['SiLU']],
    ['HardSigmoid(1/6, 1/2) then Mul(x, ·) is Hardswish (torch at opset 13)', [node('HardSigmoid', ['x'], ['h'], [f('alpha', Math.fround(1 / 6))]), node('Mul', ['x', 'h'], ['y'])], 13, ['Hardswish']],
    ['HardSigmoid with ONNX’s alpha 0.2 then Mul stays two layers', [node('HardSigmoid', ['x'], ['h']), node('Mul', ['x', 'h'], ['y'])], 13, ['Hardsigmoid', 'Mul']],
    ['Sigmoid whose output is also read elsewhere stays Sigmoid + Mul', [node('Sigmoid', ['x'], ['s']), node('Mul', ['x', 's'], ['m']), node('Add', ['m', 's'], ['y'])], 17, ['Sigmoid', 'Mul', 'Add']],
    ['Sigmoid times another tensor is a gate, not SiLU', [node('Relu', ['x'], ['r']), node('Sigmoid', ['x'], ['s']), node('Mul', ['r', 's'], ['y'])], 17, ['ReLU', 'Sigmoid', 'Mul']],
  ] as const)('%s', async (_name, nodes, opset, ops) => {
    const r = await imports(model([...nodes], [], { opset }));
    expect(r.ops).toEqual(ops);
  });

  it('Sigmoid whose output is a graph output is not fused', async () => {
    const r = await imports(model([node('Sigmoid', ['x'], ['s']), node('Mul', ['x', 's'], ['y'])], [], { outputs: ['y', 's'] }));
    expect(r.ops).toEqual(['Sigmoid', 'Mul']);
  });

  it('Div/Erf/Add/Mul/Mul (constants as Constant nodes after the Div) is GELU', async () => {
    const [div, erf, add, mul, half] = gelu('x', 'y');
    const [one, c05] = geluConstants();
    const r = await imports(model([div!, erf!, one!, add!, mul!, c05!, half!], [scalar('sqrt2', Math.SQRT2)], { opset: 13 }));
    expect(r.ops).toEqual(['GELU']);
    expect(r.params[0]).toEqual({ approximate: 'none' });
  });

  it('the same chain adding 2 instead of 1 is not GELU', () => {
    const [div, erf, add, mul, half] = gelu('x', 'y');
    const [one, c05] = geluConstants(2);
    const r = importOnnx(serializeModel(model([div!, erf!, one!, add!, mul!, c05!, half!], [scalar('sqrt2', Math.SQRT2)], { opset: 13 })));
    expect(r.doc!.nodes.map((n) => n.op)).not.toContain('GELU');
  });

  it('our own exports of SiLU, Hardswish and GELU re-import as those ops at every opset, document stripped', () => {
    for (const opset of [13, 14, 17, 19, 20, 21]) {
      const { doc } = importOnnx(serializeModel(model([node('Relu', ['x'], ['y'])])));
      for (const op of ['SiLU', 'Hardswish', 'GELU', 'ReLU6', 'Hardsigmoid'] as const) {
        const c = compile({ ...doc!, opset, nodes: doc!.nodes.map((n) => (n.op === 'ReLU' ? { ...n, op } : n)) }, { embedDocument: false });
        const back = importOnnx(c.bytes!);
        // The export's own Identity to `logits` comes back as an Identity layer.
        expect(back.doc!.nodes.map((n) => n.op).filter((o) => o !== 'Identity'), `${op} at opset ${opset}`).toEqual(['Input', op, 'Output']);
      }
    }
  });
});

describe.skipIf(!TORCH)('a torch model with SE blocks, SiLU, Hardswish, Hardsigmoid, ReLU6 and GELU', () => {
  /** scripts/py/modern_ops.py's ModernSE exported at `opset`, generated once into .cache/import/. */
  const fixture = (opset: number) => {
    const path = join(CACHE, `modern-se-${opset}.onnx`);
    if (!existsSync(`${path}.meta.json`)) {
      mkdirSync(CACHE, { recursive: true });
      execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/py/modern_ops.py'), 'net', '--opset', String(opset), '--out', path], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    }
    return readFixture(path);
  };

  it.each([13, 17])('exported at opset %i imports with no opaque op and re-exports computing the same', { timeout: 300_000 }, async (opset) => {
    const fx = fixture(opset);
    const r = importOnnx(fx.bytes, { name: 'modern-se' });
    expect(hasErrors(r.diagnostics), r.diagnostics.map((d) => d.message).join('\n')).toBe(false);
    expect(r.diagnostics.filter((d) => d.code === 'RS605').map((d) => d.message)).toEqual([]);
    const doc = r.doc!;
    const ops = doc.nodes.map((n) => n.op);
    expect(ops).not.toContain('Opaque');
    const count = (op: string) => ops.filter((o) => o === op).length;
    expect({ SiLU: count('SiLU'), Hardswish: count('Hardswish'), ReLU6: count('ReLU6'), GELU: count('GELU'), Sigmoid: count('Sigmoid'), Hardsigmoid: count('Hardsigmoid'), Mul: count('Mul'), Add: count('Add') }).toEqual({
      SiLU: 3, // the stem's and both SE squeezes'
      Hardswish: 2,
      ReLU6: 2,
      GELU: 1,
      Sigmoid: 1, // block 1's SE gate
      Hardsigmoid: 1, // block 2's SE gate
      Mul: 2, // the two gates
      Add: 2, // the two residual sums
    });

    const a = analyze(doc);
    expect(hasErrors(a.diagnostics)).toBe(false);
    expect(a.totals.params).toBe(fx.meta.params);
    expect(a.totals.params).toBe(fileParams(decodeModel(fx.bytes).model!));

    for (const exportOpset of [opset, 21]) {
      const c = compile({ ...doc, opset: exportOpset }, { weights: r.weights!, analysis: a });
      expect(c.bytes).toBeDefined();
      expect([...c.weightSources.values()].every((s) => s === 'imported')).toBe(true);
      const original = await runModel(fx.bytes, fx.input, fx.inputShape);
      const ours = await runModel(c.bytes!, fx.input, fx.inputShape);
      expect(relDiff(ours, original), `re-export at opset ${exportOpset}`).toBeLessThanOrEqual(1e-4);
      expect(relDiff(ours, fx.expected), `re-export at opset ${exportOpset} vs torch`).toBeLessThanOrEqual(1e-4);
    }
  });
});
