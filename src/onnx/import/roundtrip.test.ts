/**
 * Round trips of real PyTorch exports: import → compile (with the imported weights) → run in
 * onnxruntime → the same output as the original file and as torch itself (relative difference
 * ≤ 1e-4), the same parameter count, and torchvision's block counts. Big files are generated into
 * .cache/import/ by scripts/py/export_torchvision.py on first use.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasErrors } from '../../diagnostics/catalogue.ts';
import { analyze } from '../../shape/analyze.ts';
import { compile } from '../compile.ts';
import { decodeModel } from '../decode.ts';
import { importOnnx } from './index.ts';
import { CACHE, committedFixture, fileParams, relDiff, runModel, torchFixture, type Fixture } from './testing/fixtures.ts';
import { torchAvailable } from '../testing/torch-available.ts';

const TORCH = torchAvailable();
const results: Record<string, { vsOriginal: number; vsTorch: number; params: number; blocks: string }> = {};

const BLOCKS: Record<string, { identity: number; projection: number }> = {
  'tiny-basic': { identity: 1, projection: 1 },
  'tiny-bottleneck': { identity: 1, projection: 1 },
  'tiny-stack': { identity: 2, projection: 1 },
  resnet18: { identity: 5, projection: 3 },
  resnet50: { identity: 12, projection: 4 },
};

async function roundTrip(fx: Fixture, arch: string, fold: boolean) {
  const r = importOnnx(fx.bytes, { name: arch });
  expect(hasErrors(r.diagnostics), r.diagnostics.map((d) => d.message).join('\n')).toBe(false);
  const doc = r.doc!;
  const weights = r.weights!;
  const a = analyze(doc);
  expect(hasErrors(a.diagnostics)).toBe(false);
  expect(a.totals.blocks).toEqual({ ...BLOCKS[arch], zeroPad: 0 });
  const blocks = doc.nodes.filter((n) => n.op === 'BasicBlock' || n.op === 'Bottleneck');
  expect(blocks.every((b) => b.params['batchNorm'] === !fold)).toBe(true);
  expect(a.totals.params).toBe(fileParams(decodeModel(fx.bytes).model!));

  const c = compile(doc, { weights, analysis: a });
  expect(c.bytes).toBeDefined();
  // Every node with weights uses imported ones, and every imported tensor is used.
  expect([...c.weightSources.values()].every((s) => s === 'imported')).toBe(true);
  const inits = new Map(c.model!.graph.initializers.map((t) => [t.name, t]));
  for (const [name, t] of weights) expect(inits.get(name)?.data, name).toBe(t.data);

  const original = await runModel(fx.bytes, fx.input, fx.inputShape);
  const ours = await runModel(c.bytes!, fx.input, fx.inputShape);
  const vsOriginal = relDiff(ours, original);
  const vsTorch = relDiff(ours, fx.expected);
  results[fx.path.split('/').pop()!] = { vsOriginal, vsTorch, params: a.totals.params, blocks: `${a.totals.blocks.identity}/${a.totals.blocks.projection}` };
  expect(vsOriginal).toBeLessThanOrEqual(1e-4);
  expect(vsTorch).toBeLessThanOrEqual(1e-4);
  return { doc, weights };
}

describe('committed fixtures round trip', () => {
  it.each([
    ['tiny-basic-13.onnx', 'tiny-basic', false],
    ['tiny-bottleneck-13-fold.onnx', 'tiny-bottleneck', true],
    ['tiny-stack-13.onnx', 'tiny-stack', false],
  ] as const)('%s imports into blocks and computes what torch computed', async (file, arch, fold) => {
    await roundTrip(committedFixture(file), arch, fold);
  });

  it('names blocks and stages as torchvision does, and stages collapse like a template', () => {
    const { doc } = importOnnx(committedFixture('tiny-stack-13.onnx').bytes);
    const blocks = doc!.nodes.filter((n) => n.op === 'BasicBlock');
    expect(blocks.map((b) => b.name)).toEqual(['layer1.0', 'layer1.1', 'layer2.0']);
    expect(blocks.map((b) => b.group?.name)).toEqual(['layer1', 'layer1', 'layer2']);
    expect(blocks[0]!.group!.params).toMatchObject({ block: 'basic', count: 2, width: 16, stride: 1 });
    expect(doc!.nodes.map((n) => n.name)).toEqual(['input', 'conv1', 'bn1', 'relu', 'layer1.0', 'layer1.1', 'layer2.0', 'avgpool', 'flatten', 'fc', 'output']);
  });
});

describe.skipIf(!TORCH)('torchvision exports round trip (opsets 11-17, with and without BN folding)', () => {
  const cases: [string, number, boolean][] = [];
  for (const fold of [false, true]) {
    for (const arch of ['tiny-basic', 'tiny-bottleneck', 'tiny-stack']) for (const opset of [11, 13, 17]) cases.push([arch, opset, fold]);
    for (let opset = 11; opset <= 17; opset++) cases.push(['resnet18', opset, fold]);
    for (const opset of [11, 13, 17]) cases.push(['resnet50', opset, fold]);
  }
  it.each(cases)('%s opset %i fold-bn %s', { timeout: 600_000 }, async (arch, opset, fold) => {
    await roundTrip(torchFixture(arch, opset, fold), arch, fold);
  });
});

afterAll(() => {
  if (Object.keys(results).length > 0 && existsSync(CACHE)) writeFileSync(join(CACHE, 'roundtrip-results.json'), `${JSON.stringify(results, null, 1)}\n`);
});
