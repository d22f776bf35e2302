/**
 * torch.nn.Linear on a channels-last tensor, as ConvNeXt's blocks use it: torch exports
 * permute(0, 2, 3, 1) → MatMul with an [in, out] constant → Add of the bias → permute back. The
 * importer gives one editor Linear (weight in torch's [out, in] layout), not an opaque MatMul that
 * carries its weights in the document; the re-export computes the same in onnxruntime-node.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../shape/analyze.ts';
import { compile } from '../compile.ts';
import type { IrModel } from '../ir.ts';
import { serializeModel } from '../serialize.ts';
import { importOnnx } from './index.ts';
import { relDiff } from './testing/fixtures.ts';
import { f32, ints, model, node } from './testing/ir.ts';
import * as ort from 'onnxruntime-node';

const X = new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => Math.cos(i * 0.37)), [2, 3, 8, 8]);

async function run(bytes: Uint8Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({ [s.inputNames[0]!]: X });
    return out[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

/** x [N,3,8,8] → NHWC → MatMul [3,6] → Add bias (in the order given) → NCHW → Conv 6→4. */
function channelsLast(biasFirst: boolean, bias = true): IrModel {
  const add = biasFirst ? ['b', 'mm'] : ['mm', 'b'];
  return model(
    [
      node('Transpose', ['x'], ['nhwc'], [ints('perm', [0, 2, 3, 1])], '/block/Transpose'),
      node('MatMul', ['nhwc', 'w_t'], [bias ? 'mm' : 'lin'], [], '/block/pwconv1/MatMul'),
      ...(bias ? [node('Add', add, ['lin'], [], '/block/pwconv1/Add')] : []),
      node('Transpose', ['lin'], ['nchw'], [ints('perm', [0, 3, 1, 2])], '/block/Transpose_1'),
      node('Conv', ['nchw', 'cw'], ['y'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])], '/head/Conv'),
    ],
    // torch writes the Linear's weight transposed, [in, out], under a generated name.
    [f32('w_t', [3, 6]), f32('b', [6], (i) => 0.1 * i - 0.2), f32('cw', [4, 6, 3, 3])],
  );
}

describe('torch.nn.Linear on a channels-last tensor (ConvNeXt pwconv)', () => {
  it.each([
    ['Add(MatMul, bias)', false, true],
    ['Add(bias, MatMul): the bias first', true, true],
    ['MatMul alone (bias=False)', false, false],
  ])('%s imports as one Linear on N×8×8×3 and round-trips in onnxruntime', async (_name, biasFirst, bias) => {
    const bytes = serializeModel(channelsLast(biasFirst, bias));
    const r = importOnnx(bytes);
    expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
    const ops = r.doc!.nodes.map((n) => (n.op === 'Opaque' ? `Opaque:${String(n.params['opType'])}` : n.op));
    expect(ops).not.toContain('Opaque:MatMul');
    expect(ops).not.toContain('Opaque:Add');
    const linears = r.doc!.nodes.filter((n) => n.op === 'Linear');
    expect(linears).toHaveLength(1);
    expect(linears[0]!.params).toMatchObject({ outFeatures: 6, bias });
    const a = analyze(r.doc!);
    expect(a.nodes.get(linears[0]!.id)!.outputShapes[0]).toEqual([8, 8, 6]);
    expect(a.outputs[0]!.shape).toEqual([4, 8, 8]);
    // The weight is stored as torch's state_dict has it: [out, in].
    const weight = [...r.weights!.entries()].find(([k]) => k.endsWith('.weight') && r.weights!.get(k)!.dims.length === 2)!;
    expect(weight[1].dims).toEqual([6, 3]);
    const c = compile(r.doc!, { weights: r.weights! });
    expect(c.bytes, c.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')).toBeDefined();
    expect(relDiff(await run(c.bytes!), await run(bytes))).toBeLessThanOrEqual(1e-5);
  });

});
