/**
 * torchvision's convnext_tiny exported by torch 1.13 comes back as its 18 ConvNeXt block cards,
 * not loose layers — at opset 17 (LayerNormalization) and 16 (LayerNorm spelled out as ReduceMean,
 * Sub, Pow, Sqrt, Div) — with the stem's, the downsampling layers' and the head's LayerNorm2d as
 * LayerNorm layers, and the document exports again to a file computing what torch's own file
 * computes (onnxruntime-node, relative ≤ 1e-4). Exported at 32×32 with 10 classes, to stay fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../shape/analyze.ts';
import { buildTemplate } from '../../templates/templates.ts';
import { compile } from '../compile.ts';
import { torchAvailable } from '../testing/torch-available.ts';
import { importOnnx } from './index.ts';
import { relDiff, runModel } from './testing/fixtures.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const OPSETS = [16, 17];
const BLOCKS = [3, 3, 9, 3].flatMap((n, i) => Array.from({ length: n }, (_, j) => ({ name: `features.${2 * i + 1}.${j}`, width: 96 << i })));

describe.skipIf(!torchAvailable())('torch exports of ConvNeXt-Tiny import as ConvNeXt blocks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-convnext-'));
  beforeAll(() => {
    for (const opset of OPSETS) {
      const args = [join(ROOT, 'scripts/py/export_torchvision.py'), '--arch', 'convnext_tiny', '--opset', String(opset), '--out', join(dir, `${opset}.onnx`), '--input', '3x32x32', '--num-classes', '10', '--batch', '1'];
      execFileSync('/usr/bin/python3', args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    }
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(OPSETS)('opset %i: 18 ConvNeXt blocks with torchvision\'s names and widths, LayerNorm2d as LayerNorm, no opaque op; exports again to a file computing the same', async (opset) => {
    const path = join(dir, `${opset}.onnx`);
    const bytes = new Uint8Array(readFileSync(path));
    const meta = JSON.parse(readFileSync(`${path}.meta.json`, 'utf8')) as { inputShape: number[]; params: number };
    const r = importOnnx(bytes);
    expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
    const doc = r.doc!;
    expect(doc.nodes.filter((n) => n.op === 'Opaque').map((n) => n.params['opType'])).toEqual([]);
    const blocks = doc.nodes.filter((n) => n.op === 'ConvNeXtBlock');
    expect(blocks.map((b) => ({ name: b.name, width: b.params['width'] }))).toEqual(BLOCKS);
    expect(doc.nodes.filter((n) => n.op === 'LayerNorm').map((n) => n.name)).toEqual(['features.0.1', 'features.2.0', 'features.4.0', 'features.6.0', 'classifier.0']);
    const a = analyze(doc);
    expect(a.totals.blocks).toEqual({ identity: 18, projection: 0, zeroPad: 0 });
    expect(a.totals.params).toBe(meta.params);

    const again = compile(doc, { weights: r.weights!, embedDocument: false });
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect([...again.weightSources.values()].filter((s) => s !== 'imported')).toEqual([]);
    const x = new Float32Array(readFileSync(`${path}.input.bin`).buffer.slice(0));
    const [theirs, ours] = [await runModel(bytes, x, meta.inputShape), await runModel(again.bytes!, x, meta.inputShape)];
    expect(relDiff(ours, theirs)).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});

describe('our own exports of ConvNeXt-Tiny import back as ConvNeXt blocks', () => {
  it.each([13, 17, 18, 21])('opset %i, the embedded document stripped: 18 blocks, 5 LayerNorms, the same parameter count', (opset) => {
    const doc = buildTemplate('convnext_tiny', { input: { channels: 3, height: 32, width: 32 }, classes: 10 })!;
    const r = compile(doc, { opset, embedDocument: false });
    expect(r.bytes).toBeDefined();
    const back = importOnnx(r.bytes!).doc!;
    expect(back.nodes.filter((n) => n.op === 'Opaque')).toEqual([]);
    expect(back.nodes.filter((n) => n.op === 'ConvNeXtBlock').map((n) => n.name)).toEqual(BLOCKS.map((b) => b.name));
    expect(back.nodes.filter((n) => n.op === 'LayerNorm')).toHaveLength(5);
    expect(analyze(back).totals.params).toBe(analyze(doc).totals.params);
  });
});
