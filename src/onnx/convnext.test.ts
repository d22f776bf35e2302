/**
 * LayerNorm, layer scale, stochastic depth and the ConvNeXt block compute what PyTorch's own
 * modules compute on the same weights, and the convnext_tiny template what torchvision's
 * `convnext_tiny` computes (its weights given by name), at the opsets where the lowering differs:
 * 13–16 spell LayerNorm out (ReduceMean, Sub, Pow, Sqrt, Div), 17 on use LayerNormalization.
 * One run of scripts/py/forward_reference.py for all cases; relative difference ≤ 1e-4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chain } from '../graph/testing/chain.ts';
import type { InputSpec, OpKind, Params, ResidualDocument } from '../graph/types.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';
import type { StoredTensor, WeightStore } from '../weights/types.ts';
import { compile, lowerToIr } from './compile.ts';
import { runModel } from './import/testing/fixtures.ts';
import { relDiff, testInput } from './testing/run-ort.ts';
import { forwardReference, type ForwardCase, type ForwardResult } from './testing/torch-forward.ts';
import { torchAvailable } from './testing/torch-available.ts';

const TORCH = torchAvailable();
const OPSETS = [13, 16, 17, 21];

/**
 * Random weights for every LayerNorm and LayerScale (and BN-free convs keep their fresh init):
 * fresh ones are γ = 1, β = 0 and layer scale 1e-6, under which a ConvNeXt block is nearly the
 * identity and a wrong main path would go unnoticed.
 */
function randomNormStore(doc: ResidualDocument, seed = 11): WeightStore {
  const { model } = lowerToIr(doc);
  const owners = new Map(analyze(doc).layers.filter((l) => l.op === 'LayerNorm' || l.op === 'LayerScale').map((l) => [l.name, l]));
  const store = new Map<string, StoredTensor>();
  let k = seed;
  for (const t of model!.graph.initializers) {
    const m = /^(.*)\.(weight|bias)$/.exec(t.name);
    const l = m ? owners.get(m[1]!) : undefined;
    if (!l) continue;
    const n = t.dims.reduce((a, b) => a * b, 1);
    const data = testInput(n, k++).map((v) => (l.op === 'LayerScale' ? 0.5 * v : m![2] === 'weight' ? 1 + 0.5 * v : 0.3 * v));
    store.set(t.name, { dims: t.dims, data, owner: l.owner, origin: 'trained' });
  }
  return store;
}

let seed = 300;
function opCase(name: string, ops: [OpKind, Params?][], input: InputSpec, batch = 2): ForwardCase {
  const doc = chain([['Input'], ...ops, ['Output']], input).doc;
  expect(analyze(doc).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { name, doc, weights: randomNormStore(doc), input: testInput(batch * input.channels * input.height * input.width, seed++).map((v) => 3 * v), batch };
}

function convnextCase(size: number): ForwardCase {
  const doc = buildTemplate('convnext_tiny', { input: { channels: 3, height: size, width: size } })!;
  return { name: `convnext_tiny at ${size}×${size}`, doc, weights: randomNormStore(doc), arch: 'convnext_tiny', input: testInput(3 * size * size, seed++), batch: 1 };
}

const map = (channels: number, height: number): InputSpec => ({ channels, height, width: height });

describe.skipIf(!TORCH)('ConvNeXt\'s ops and block against PyTorch, and convnext_tiny against torchvision (relative ≤ 1e-4)', () => {
  const cases: ForwardCase[] = [
    opCase('LayerNorm over the channels of a map (LayerNorm2d)', [['LayerNorm']], map(6, 5)),
    opCase('LayerNorm eps 1e-5 after a conv', [['Conv2d', { outChannels: 5, kernel: 3, padding: 1 }], ['LayerNorm', { eps: 1e-5 }]], map(3, 4)),
    opCase('LayerNorm on a vector (nn.LayerNorm)', [['Flatten'], ['LayerNorm']], map(2, 3)),
    opCase('LayerScale on a map', [['LayerScale']], map(4, 3)),
    opCase('StochasticDepth p 0.3 (identity at inference)', [['StochasticDepth', { p: 0.3 }]], map(3, 3)),
    opCase('ConvNeXt block width 8', [['ConvNeXtBlock', { width: 8 }]], map(8, 9)),
    opCase('ConvNeXt block width 4, stochastic depth 0.2', [['ConvNeXtBlock', { width: 4, stochasticDepth: 0.2 }]], map(4, 7)),
    // 64×64 reaches every stage (16, 8, 4, 2 pixels): the counts are the 224×224 ones (templates.test).
    convnextCase(64),
  ];
  const torch = new Map<string, ForwardResult>();
  beforeAll(() => {
    forwardReference(cases).forEach((r, i) => torch.set(cases[i]!.name, r));
  }, 300_000);

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dims = [c.batch, c.doc.input.channels, c.doc.input.height, c.doc.input.width];
    const ref = torch.get(c.name)!.output.data;
    for (const opset of OPSETS) {
      const r = compile(c.doc, { opset, weights: c.weights! });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const ours = await runModel(r.bytes!, c.input, dims);
      expect(relDiff(ours, ref), `opset ${opset}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('LayerNorm is LayerNormalization from opset 17, spelled out below it', () => {
    const doc = chain([['Input'], ['LayerNorm'], ['Output']], map(4, 3)).doc;
    const ops = (opset: number) => lowerToIr(doc, { opset }).model!.graph.nodes.map((n) => n.opType).filter((t) => t !== 'Identity'); // the graph output's own Identity
    expect(ops(16)).toEqual(['Transpose', 'ReduceMean', 'Sub', 'Pow', 'ReduceMean', 'Add', 'Sqrt', 'Div', 'Mul', 'Add', 'Transpose']);
    expect(ops(17)).toEqual(['Transpose', 'LayerNormalization', 'Transpose']);
  });
});
