import { describe, expect, it } from 'vitest';
import { compileSignals } from '../train/signals.ts';
import { openNode, randomArray } from '../train/testing/graph.ts';
import { docState, layersJson, torchReference, type RefTensor, type TorchCase } from '../train/testing/torch-reference.ts';
import { labPair } from './degradation.ts';
import { byWeightedLayer } from './layer-signals.ts';

/**
 * What the lab's signals chart plots for its own pair (depth 14, widths 8/16/32, option A
 * shortcuts): per weighted layer, the weight's gradient norm and the std after its ReLU, from
 * our signals graph in onnxruntime-node, against torch running the same layers on the same
 * weights and batch (train mode, cross-entropy, backward). Bounds as in src/train/signals.test.ts
 * (gradient norms 5e-3 relative: float32 reductions over N·H·W; stds 1e-4).
 */
const BATCH = 8;
const { plain, residual } = labPair(14);
const NETS = { plain, residual } as const;

describe('the lab’s signals at initialisation, by weighted layer, match torch', () => {
  const input: RefTensor = { dims: [BATCH, 1, 28, 28], data: randomArray(BATCH * 28 * 28, 5, 2) };
  const target: RefTensor = { dims: [BATCH], data: BigInt64Array.from({ length: BATCH }, (_, i) => BigInt((i * 3) % 10)) };
  const cases: TorchCase[] = Object.entries(NETS).map(([name, doc]) => ({
    name,
    model: { layers: layersJson(doc) },
    state: docState(doc),
    data: new Map([
      ['input', input],
      ['target', target],
    ]),
    mode: 'signals',
  }));
  let refs: ReadonlyMap<string, RefTensor>[] | undefined;
  const reference = () => (refs ??= torchReference(cases));

  Object.entries(NETS).forEach(([name, doc], i) => {
    it(`${name}-14: 14 weighted layers, each gradient norm and activation std as torch computes it`, async () => {
      const s = compileSignals(doc, { batch: BATCH });
      const runner = await openNode(s.bytes!);
      const out = await runner.run({ input, target });
      const mine = byWeightedLayer(
        s.activations.map((a) => ({ layer: a.layer, op: a.op, value: Number(out[a.output]!.data[0]) })),
        s.gradients.map((g) => ({ layer: g.layer, op: g.op, param: g.param, value: Number(out[g.output]!.data[0]) })),
      );
      const ref = reference()[i]!;
      const theirs = byWeightedLayer(
        s.activations.map((a) => ({ layer: a.layer, op: a.op, value: Number(ref.get(a.output)!.data[0]) })),
        s.gradients.map((g) => ({ layer: g.layer, op: g.op, param: g.param, value: Number(ref.get(g.output)!.data[0]) })),
      );
      expect(mine.names).toHaveLength(14);
      expect(mine.names[0]).toBe('conv1');
      expect(mine.names.at(-1)).toBe('fc');
      expect(mine.names).toEqual(theirs.names);
      // Every conv is followed by a ReLU; the fc is not.
      expect(mine.actStd.slice(0, 13).every((v) => v !== null && v > 0)).toBe(true);
      expect(mine.actStd[13]).toBeNull();
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
      mine.gradNorm.forEach((g, k) => expect(rel(g, theirs.gradNorm[k]!), `gradient norm of ${mine.names[k]}`).toBeLessThan(5e-3));
      mine.actStd.forEach((v, k) => v !== null && expect(rel(v, theirs.actStd[k]!), `std after ${mine.names[k]}`).toBeLessThan(1e-4));
    }, 120_000);
  });
});
