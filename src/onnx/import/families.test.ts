/**
 * torchvision's residual families exported by torch come back as block cards, not loose layers:
 * ResNeXt-50 (BN folded by the export) and Wide ResNet-50-2 as 16 bottlenecks with their
 * cardinality and base width, in 4 stages; and the document they give exports again to a file
 * computing what torch's own file computes (onnxruntime-node, relative ≤ 1e-4).
 *
 * The files are the import corpus's (scripts/py/export_corpus.py, written once per script
 * version into .cache/corpus/).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../shape/analyze.ts';
import { compile } from '../compile.ts';
import { torchAvailable } from '../testing/torch-available.ts';
import { importOnnx } from './index.ts';
import { relDiff, runModel } from './testing/fixtures.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const OUT = join(ROOT, '.cache/corpus');
const FILES = [
  { id: 'resnext50_32x4d-17-fold', cardinality: 32, baseWidth: 4, batchNorm: false },
  { id: 'wide_resnet50_2-17', cardinality: 1, baseWidth: 128, batchNorm: true },
] as const;

describe.skipIf(!torchAvailable())('torch exports of ResNeXt and Wide ResNet import as their bottleneck blocks', () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/py/export_corpus.py'), '--out', OUT, '--only', ...FILES.map((f) => f.id)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  }, 300_000);

  it.each(FILES)('$id: 16 bottlenecks in 4 stages, each with cardinality $cardinality and base width $baseWidth; exports again to a file computing the same', async (f) => {
    const bytes = new Uint8Array(readFileSync(join(OUT, `${f.id}.onnx`)));
    const meta = JSON.parse(readFileSync(join(OUT, `${f.id}.onnx.meta.json`), 'utf8')) as { inputShape: number[]; params: number };
    const r = importOnnx(bytes);
    expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
    const doc = r.doc!;
    const blocks = doc.nodes.filter((n) => n.op === 'Bottleneck');
    expect(blocks).toHaveLength(16);
    // Each run of blocks is one stage, as the Stage card it was (its blocks shown expanded).
    const stages = [...new Map(blocks.map((b) => [b.group?.id, b.group])).values()].filter((g) => g?.kind === 'Stage').map((g) => g!);
    expect(stages.map((s) => [s.name, s.params['count']])).toEqual([['layer1', 3], ['layer2', 4], ['layer3', 6], ['layer4', 3]]);
    for (const b of blocks) expect({ cardinality: b.params['cardinality'], baseWidth: b.params['baseWidth'] }).toEqual({ cardinality: f.cardinality, baseWidth: f.baseWidth });
    for (const s of stages) expect({ cardinality: s.params['cardinality'] ?? 1, baseWidth: s.params['baseWidth'] ?? 64, batchNorm: s.params['batchNorm'] }).toEqual({ cardinality: f.cardinality, baseWidth: f.baseWidth, batchNorm: f.batchNorm });
    const a = analyze(doc);
    expect(a.totals.blocks.identity + a.totals.blocks.projection).toBe(16);
    expect(a.totals.blocks.projection).toBe(4);
    // torch's count includes the BN parameters a folded export no longer has.
    if (f.batchNorm) expect(a.totals.params).toBe(meta.params);
    expect(doc.nodes.filter((n) => n.op === 'Opaque')).toEqual([]);

    const again = compile(doc, { weights: r.weights!, embedDocument: false });
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const x = new Float32Array(readFileSync(join(OUT, `${f.id}.onnx.input.bin`)).buffer.slice(0));
    const [theirs, ours] = [await runModel(bytes, x, meta.inputShape), await runModel(again.bytes!, x, meta.inputShape)];
    expect(relDiff(ours, theirs)).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
