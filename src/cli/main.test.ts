import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeDocument } from '../document/document.ts';
import { buildTemplate } from '../templates/templates.ts';
import { main } from './main.ts';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));

describe('residual-studio CLI', () => {
  it('lists templates', async () => {
    const r = await run('templates');
    expect(r.code).toBe(0);
    for (const id of ['resnet18', 'resnet152', 'cifar-resnet110', 'plain34', 'plain-cifar56', 'vgg19', 'tiny-resnet']) expect(r.out).toContain(id);
  });

  it('summary --json reports params, MACs and block kinds', async () => {
    const r = await run('summary', 'resnet50', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.params).toBe(25_557_032);
    expect((j.macs / 1e9).toFixed(3)).toBe('4.089');
    expect(j.blocks).toMatchObject({ identity: 12, projection: 4 });
    expect(j.layers.find((l: { name: string }) => l.name === 'layer2.0')).toMatchObject({ op: 'Bottleneck', output: ['N', 512, 28, 28], shortcut: 'projection' });
    expect(j.stages.map((s: { name: string; blocks: number }) => [s.name, s.blocks])).toEqual([['layer1', 3], ['layer2', 4], ['layer3', 6], ['layer4', 3]]);
  });

  it('summary honours --input and --classes and prints a table', async () => {
    const r = await run('summary', 'resnet18', '--input', '1x64x64', '--classes', '7');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fc\s+Linear\s+N×7/);
    expect(r.out).toMatch(/blocks: 5 identity, 3 projection/);
  });

  it('summary reads a project file', async () => {
    const f = join(dir, 'tiny.json');
    writeFileSync(f, serializeDocument(buildTemplate('tiny-resnet')!));
    const r = await run('summary', f, '--json');
    expect(JSON.parse(r.out).blocks).toEqual({ identity: 1, projection: 1, zeroPad: 0 });
  });

  it('export writes an ONNX file with the options applied', async () => {
    const f = join(dir, 'c20.onnx');
    const r = await run('export', 'cifar-resnet20', '-o', f, '--opset', '13', '--seed', '5', '--zero-init-residual');
    expect(r.code).toBe(0);
    const bytes = readFileSync(f);
    expect(bytes.length).toBeGreaterThan(1_000_000);
    const meta = JSON.parse(execFileSync('/usr/bin/python3', ['-c', `import onnx,json; m=onnx.load(${JSON.stringify(f)}); onnx.checker.check_model(m, full_check=True); print(json.dumps({"opset": m.opset_import[0].version, "doc": dict((p.key,p.value) for p in m.metadata_props)["residual_studio.document"]}))`], { encoding: 'utf8' }));
    expect(meta.opset).toBe(13);
    const doc = JSON.parse(meta.doc);
    expect(doc.seed).toBe(5);
    expect(doc.zeroInitResidual).toBe(true);
  });

  const bad: [string, string[], RegExp][] = [
    ['unknown template', ['summary', 'resnet19'], /"resnet19" is neither a template/],
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['unknown option', ['summary', 'resnet18', '--jsn'], /unknown option --jsn/],
    ['bad --input', ['summary', 'resnet18', '--input', '224'], /--input must look like 3x224x224/],
    ['bad --classes', ['summary', 'resnet18', '--classes', '0'], /--classes must be a whole number/],
    ['bad --opset', ['export', 'resnet18', '-o', join(dir, 'x.onnx'), '--opset', '9'], /opset 9 is not supported/],
    ['missing -o', ['export', 'resnet18'], /needs -o/],
    ['unwritable output', ['export', 'tiny-resnet', '-o', '/nonexistent/dir/x.onnx'], /cannot write/],
  ];
  it.each(bad)('%s: one line on stderr, exit code 1', async (_n, argv, msg) => {
    const r = await run(...argv);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(msg);
    expect(r.err).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it.each([
    ['not JSON', 'hello'],
    ['foreign JSON', '{"kind":"something"}'],
    ['bad node', JSON.stringify({ ...JSON.parse(serializeDocument(buildTemplate('tiny-resnet')!)), nodes: [{ id: 'x' }] })],
  ])('a %s project file is refused in one line', async (_n, text) => {
    const f = join(dir, `bad-${_n.replace(/\W/g, '')}.json`);
    writeFileSync(f, text);
    const r = await run('summary', f);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('an invalid graph fails summary and export with its first error', async () => {
    const doc = buildTemplate('tiny-resnet')!;
    const f = join(dir, 'invalid.json');
    writeFileSync(f, serializeDocument({ ...doc, nodes: doc.nodes.map((n) => (n.name === 'block2' ? { ...n, params: { ...n.params, shortcut: 'identity' } } : n)) }));
    const s = await run('summary', f);
    expect(s.code).toBe(1);
    expect(s.out).toMatch(/RS206/);
    const e = await run('export', f, '-o', join(dir, 'invalid.onnx'));
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/RS206 block2: an identity shortcut cannot change dimensions/);
    expect(e.err.trim().split('\n')).toHaveLength(1);
  });

  it('works as the installed bin, with exit codes', () => {
    const ok = spawnSync('node', ['bin/residual-studio.mjs', 'summary', 'tiny-resnet', '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).params).toBeGreaterThan(0);
    const bad = spawnSync('node', ['bin/residual-studio.mjs', 'summary', 'missing.json'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
