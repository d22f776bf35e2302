import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeDocument } from '../document/document.ts';
import { updateParams } from '../graph/edit.ts';
import { nodeId } from '../graph/ids.ts';
import { buildTemplate } from '../templates/templates.ts';
import { ROOT } from '../onnx/import/testing/fixtures.ts';
import { main } from './main.ts';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'rs-diff-'));

describe('residual-studio diff', () => {
  it('prints a per-stage table and the shortcuts that differ between ResNet-34 and Plain-34', async () => {
    const r = await run('diff', 'resnet34', 'plain34');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^a: ResNet-34\nb: Plain-34\n/);
    expect(r.out).toMatch(/^layer2 +changed +\+0 −0 ~4 =0 +\+0 −6 ~0 +1,116,416 +1,107,968 +−8,448/m);
    expect(r.out).toMatch(/^total +changed .* 21,797,672 +21,623,848 +−173,824/m);
    expect(r.out).toContain('layer2.0: changed: kind BasicBlock → layers, shortcut projection → none');
    expect(r.out).toMatch(/− downsample\.0 +Conv2d\n +− downsample\.1 +BatchNorm2d\n +− add +Add/);
    expect(r.out).toContain('layer3.1–5 (5 blocks): changed: kind BasicBlock → layers, shortcut identity → none');
  });

  it('--json gives the diff as data whose totals are what summary reports for each side', async () => {
    const r = await run('diff', 'resnet18', 'resnet34', '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    const params = async (t: string) => JSON.parse((await run('summary', t, '--json')).out).params as number;
    expect(d.params).toEqual({ a: await params('resnet18'), b: await params('resnet34'), delta: (await params('resnet34')) - (await params('resnet18')) });
    expect(d.stages.map((s: { name: string; counts: { blocks: { added: number } } }) => [s.name, s.counts.blocks.added])).toEqual([
      ['stem', 0],
      ['layer1', 1],
      ['layer2', 2],
      ['layer3', 4],
      ['layer4', 1],
      ['head', 0],
    ]);
  });

  it('reads project files and applies --input to both sides', async () => {
    const f = join(dir, 'wide.json');
    const tiny = buildTemplate('tiny-resnet')!;
    writeFileSync(f, serializeDocument(updateParams(tiny, nodeId('block2'), { width: 32 })));
    const r = await run('diff', 'tiny-resnet', f, '--input', '3x64x64');
    expect(r.code).toBe(0);
    expect(r.out).toContain('block2: changed: width 16 → 32');
    expect(r.out).toMatch(/~ fc +Linear: input N×16 → N×32/);
    const j = JSON.parse((await run('diff', 'tiny-resnet', f, '--input', '3x64x64', '--json')).out);
    expect(j.stages[0].layers[0].a.outputShape).toEqual([8, 64, 64]);
  });

  it('ResNet-50 against torchvision\'s ResNeXt-50 exported to ONNX (BN folded): the grouped bottlenecks, the folded BNs, the shortcuts matched', async () => {
    // The import corpus's file, made by its committed script (a no-op when this script version wrote it already).
    const out = join(ROOT, '.cache/corpus');
    mkdirSync(out, { recursive: true });
    execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/py/export_corpus.py'), '--out', out, '--only', 'resnext50_32x4d-17-fold'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    const r = await run('diff', 'resnet50', join(out, 'resnext50_32x4d-17-fold.onnx'), '--input', '3x64x64', '--json');
    expect(r.code).toBe(0);
    type Layer = { key: string; status: string; changes: { field: string; a?: unknown; b?: unknown }[] };
    const d = JSON.parse(r.out) as { counts: { blocks: Record<string, number> }; stages: { name: string; blocks: { key: string; b: { shortcut: string }; a: { shortcut: string }; layers: Layer[] }[] }[] };
    expect(d.counts.blocks).toEqual({ added: 0, removed: 0, changed: 16, same: 0 });
    for (const blk of d.stages.flatMap((s) => s.blocks)) {
      const layer = (k: string) => blk.layers.find((l) => l.key === k)!;
      expect(layer('conv2').changes).toContainEqual({ field: 'groups', a: 1, b: 32 });
      expect(layer('conv3').changes).toContainEqual({ field: 'bias', a: false, b: true });
      expect(['bn1', 'bn2', 'bn3'].map((k) => layer(k).status)).toEqual(['removed', 'removed', 'removed']);
      // The file's Add (named after its block) and its three ReLUs (relu, relu_1, relu_2) pair with the block's own.
      expect(blk.layers.filter((l) => l.status === 'added')).toEqual([]);
      expect(layer('add').status).toBe('same');
      expect(blk.b.shortcut).toBe(blk.a.shortcut);
    }
  }, 300_000);

  it('says so when the networks are the same', async () => {
    const r = await run('diff', 'resnet18', 'resnet18');
    expect(r.code).toBe(0);
    expect(r.out).toContain('no differences in blocks or layers');
  });

  it('bad input: one line on stderr naming the problem, exit code 1', async () => {
    const one = await run('diff', 'resnet18');
    expect(one.code).toBe(1);
    expect(one.err).toBe('residual-studio: diff takes two templates or project files (a and b), got 1\n');
    const missing = await run('diff', 'resnet18', join(dir, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.json" is neither a template .* nor a file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schemaVersion": 1, "nodes": 3}');
    const broken = await run('diff', bad, 'resnet18');
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^residual-studio: .*bad\.json: /);
    expect(broken.out).toBe('');
  });
});
