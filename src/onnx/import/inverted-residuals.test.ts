/**
 * torchvision's mobilenet_v2 exported by torch comes back as its 17 inverted residual block
 * cards, not loose layers — with BN kept (opset 11) and with BN folded into the convs (opset 13)
 * — and the document exports again to a file computing what torch's own file computes
 * (onnxruntime-node, relative ≤ 1e-4). The files are the import corpus's
 * (scripts/py/export_corpus.py, written once per script version into .cache/corpus/).
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
  { id: 'mobilenet_v2-11', batchNorm: true },
  { id: 'mobilenet_v2-13-fold', batchNorm: false },
] as const;
// torchvision's inverted_residual_setting, block by block: (t, out channels, stride).
const SETTING: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];
const BLOCKS = SETTING.flatMap(([t, c, n, s]) => Array.from({ length: n }, (_, j) => ({ expansion: t, outChannels: c, stride: j === 0 ? s : 1 })));

describe.skipIf(!torchAvailable())('torch exports of MobileNetV2 import as inverted residual blocks', () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/py/export_corpus.py'), '--out', OUT, '--only', ...FILES.map((f) => f.id)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  }, 300_000);

  it.each(FILES)('$id: 17 inverted residual blocks named features.1 … features.17 with torchvision\'s t, width and stride; exports again to a file computing the same', async (f) => {
    const bytes = new Uint8Array(readFileSync(join(OUT, `${f.id}.onnx`)));
    const meta = JSON.parse(readFileSync(join(OUT, `${f.id}.onnx.meta.json`), 'utf8')) as { inputShape: number[]; params: number };
    const r = importOnnx(bytes);
    expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
    const doc = r.doc!;
    const blocks = doc.nodes.filter((n) => n.op === 'InvertedResidual');
    expect(blocks.map((b) => b.name)).toEqual(BLOCKS.map((_, i) => `features.${i + 1}`));
    expect(blocks.map((b) => b.params)).toEqual(BLOCKS.map((b) => ({ ...b, batchNorm: f.batchNorm })));
    expect(doc.nodes.filter((n) => n.op === 'Opaque')).toEqual([]);
    // Nothing of a block is left on the canvas as a loose layer: only the stem, the last 1×1 conv and the head.
    expect(doc.nodes.filter((n) => n.op === 'Conv2d').map((n) => n.name)).toEqual(['features.0.0', 'features.18.0']);
    const a = analyze(doc);
    expect(a.totals.blocks).toEqual({ identity: 10, projection: 0, zeroPad: 0 });
    // torch's count includes the BN parameters a folded export no longer has.
    if (f.batchNorm) expect(a.totals.params).toBe(meta.params);

    const again = compile(doc, { weights: r.weights!, embedDocument: false });
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect([...again.weightSources.values()].filter((s) => s !== 'imported')).toEqual([]);
    const x = new Float32Array(readFileSync(join(OUT, `${f.id}.onnx.input.bin`)).buffer.slice(0));
    const [theirs, ours] = [await runModel(bytes, x, meta.inputShape), await runModel(again.bytes!, x, meta.inputShape)];
    expect(relDiff(ours, theirs)).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
