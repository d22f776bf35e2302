import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { makeBlock } from '../../blocks/block-library.ts';
import { twoInstances, siluDownTwice } from '../../blocks/testing/user-blocks.ts';
import { buildTemplate } from '../../templates/templates.ts';
import type { ResidualDocument, UserBlockDef } from '../../graph/types.ts';
import { analyze } from '../../shape/analyze.ts';
import type { WeightStore } from '../../weights/types.ts';
import { compile, lowerToIr } from '../compile.ts';
import { tensorData } from '../ir.ts';
import { relDiff, testInput } from '../testing/run-ort.ts';
import { importOnnx } from './index.ts';

async function run(doc: ResidualDocument, weights?: WeightStore): Promise<Float32Array> {
  const { bytes, diagnostics } = compile(doc, weights ? { weights } : {});
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const s = await ort.InferenceSession.create(bytes!, { logSeverityLevel: 3 });
  try {
    const dims = [2, doc.input.channels, doc.input.height, doc.input.width];
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', testInput(dims.reduce((a, b) => a * b), 5), dims) });
    return new Float32Array(out[s.outputNames[0]!]!.data as Float32Array);
  } finally {
    await s.release();
  }
}

/** The graph as a file from elsewhere would have it: no embedded document to reopen. */
const bare = (doc: ResidualDocument) => compile(doc, { embedDocument: false }).bytes!;
const cards = (doc: ResidualDocument) => doc.nodes.filter((n) => n.op !== 'Input' && n.op !== 'Output').map((n) => `${n.name}:${n.op}`);

describe('ONNX import recognises user-defined blocks by their structure', () => {
  it('a block used twice comes back as two instance cards of it, with the same weights and the same outputs', async () => {
    const { doc } = siluDownTwice();
    const r = importOnnx(bare(doc), { library: doc.blocks! });
    expect(r.diagnostics).toEqual([]);
    const got = r.doc!;
    const instances = got.nodes.filter((n) => n.op === 'user:siludown');
    // Each instance's own params read off its layers: 8 → 16 and 16 → 32 channels, both /2.
    expect(instances.map((n) => [n.name, n.params])).toEqual([
      ['down1', { width: 16, stride: 2 }],
      ['down2', { width: 32, stride: 2 }],
    ]);
    expect(got.nodes.filter((n) => /^down\d\./.test(n.name))).toEqual([]);
    expect(got.blocks).toEqual(doc.blocks);
    const a = analyze(got);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // Both cards draw the projection arc (dashed, 1×1 conv /2), and cost what the original did.
    expect(instances.map((n) => a.shortcuts.find((s) => s.at === n.id))).toMatchObject([
      { kind: 'projection', stride: 2, collapsed: true },
      { kind: 'projection', stride: 2, collapsed: true },
    ]);
    expect(a.totals.params).toBe(analyze(doc).totals.params);
    expect(a.totals.macs).toBe(analyze(doc).totals.macs);
    // Every weight of the file is in the store under the same name, the same numbers.
    const { model } = lowerToIr(doc, {});
    const inits = model!.graph.initializers.filter((t) => /\.(weight|bias|running_mean|running_var)$/.test(t.name));
    expect(inits.length).toBeGreaterThan(15);
    for (const t of inits) expect([...r.weights!.get(t.name)!.data], t.name).toEqual([...(tensorData(t) as Float32Array)]);
    expect(await run(got, r.weights)).toEqual(await run(doc));
  });

  it('without the library the same file is plain layers; with it, a block that reads like a built-in one is the user\'s', () => {
    const { doc } = siluDownTwice();
    expect(cards(importOnnx(bare(doc)).doc!).filter((c) => c.includes('user:'))).toEqual([]);
    // MyBlock is a basic block as the paper draws it: the library says it is MyBlock.
    const two = twoInstances();
    const asBuiltIn = cards(importOnnx(bare(two.doc)).doc!);
    expect(asBuiltIn.filter((c) => c.endsWith(':BasicBlock'))).toHaveLength(2);
    const asUser = cards(importOnnx(bare(two.doc), { library: two.doc.blocks! }).doc!);
    expect(asUser.filter((c) => c.endsWith(':user:myblock'))).toEqual(['block1:user:myblock', 'myblock_1:user:myblock']);
    expect(asUser.filter((c) => c.endsWith(':BasicBlock'))).toEqual([]);
  });

  it('a file with BN folded into the convs (as torch exports in eval mode) gives the same cards, computing what the file computes', async () => {
    const { doc } = siluDownTwice();
    const bytes = compile(doc, { embedDocument: false, foldBatchNorm: true }).bytes!;
    const r = importOnnx(bytes, { library: doc.blocks! });
    expect(r.diagnostics).toEqual([]);
    expect(r.doc!.nodes.filter((n) => n.op === 'user:siludown').map((n) => [n.name, n.params])).toEqual([
      ['down1', { width: 16, stride: 2 }],
      ['down2', { width: 32, stride: 2 }],
    ]);
    // The block's BN passes the folded conv through: scale 1, the folded bias as its shift.
    expect([...r.weights!.get('down2.bn1.weight')!.data]).toEqual(new Array(32).fill(1));
    expect(relDiff(await run(r.doc!, r.weights), await run(doc))).toBeLessThanOrEqual(1e-5);
    // The cards cost what the original's do (the stem's BN, outside any block, stays folded into conv1).
    const cost = (d: ResidualDocument, name: string) => analyze(d).nodes.get(d.nodes.find((n) => n.name === name)!.id)!.cost.params;
    for (const name of ['down1', 'down2']) expect(cost(r.doc!, name)).toBe(cost(doc, name));
    expect(r.doc!.nodes.some((n) => n.name === 'bn1')).toBe(false);
  });

  it('a user block holding built-in blocks is found once they are recovered', async () => {
    const tiny = buildTemplate('tiny-resnet')!;
    const made = makeBlock(tiny, tiny.nodes.filter((n) => n.op === 'BasicBlock').map((n) => n.id), { name: 'TwoBlocks' });
    expect(made.diagnostics).toEqual([]);
    const r = importOnnx(bare(made.doc), { library: made.doc.blocks! });
    expect(cards(r.doc!)).toEqual(['conv1:Conv2d', 'bn1:BatchNorm2d', 'relu:ReLU', 'twoblocks_1:user:twoblocks', 'globalavgpool:GlobalAvgPool', 'flatten:Flatten', 'fc:Linear', 'identity:Identity']);
    expect(r.weights!.has('twoblocks_1.block2.downsample.0.weight')).toBe(true);
    expect(await run(r.doc!, r.weights)).toEqual(await run(made.doc));
  });

  it('layers that differ from the definition in one field stay layers', () => {
    const { doc } = siluDownTwice();
    const def = doc.blocks![0]!;
    // The same wiring, but the definition's second conv has no bias: the file's has one.
    const other: UserBlockDef = { ...def, nodes: def.nodes.map((n) => (n.name === 'conv2' ? { ...n, params: { ...n.params, bias: false } } : n)) };
    const r = importOnnx(bare(doc), { library: [other] });
    expect(cards(r.doc!).filter((c) => c.includes('user:'))).toEqual([]);
    expect(cards(r.doc!)).toContain('down1.conv2:Conv2d');
  });
});
