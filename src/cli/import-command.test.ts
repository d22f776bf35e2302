import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedFixture, relDiff, ROOT, runModel } from '../onnx/import/testing/fixtures.ts';
import { model as irModel, node } from '../onnx/import/testing/ir.ts';
import { serializeModel } from '../onnx/serialize.ts';
import { compile } from '../onnx/compile.ts';
import { siluDownTwice } from '../blocks/testing/user-blocks.ts';
import { serializeBlockLibrary } from '../blocks/library-file.ts';
import { main, type Io } from './main.ts';

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

const dir = mkdtempSync(join(tmpdir(), 'rs-import-'));
const fx = committedFixture('tiny-stack-13.onnx');
const model = join(dir, 'tiny-stack.onnx');
writeFileSync(model, fx.bytes);

describe('residual-studio import', () => {
  it('writes the project and its weights; summary and export then work, and export uses the weights', async () => {
    const project = join(dir, 'project.json');
    const io = capture();
    expect(await main(['import', model, '-o', project], io)).toBe(0);
    expect(io.out).toMatch(/3 residual blocks/);
    const doc = JSON.parse(readFileSync(project, 'utf8'));
    expect(doc.weights.uri).toBe('project.weights.safetensors');
    expect(existsSync(join(dir, 'project.weights.safetensors'))).toBe(true);

    const s = capture();
    expect(await main(['summary', project, '--json'], s)).toBe(0);
    expect(JSON.parse(s.out).blocks).toEqual({ identity: 2, projection: 1, zeroPad: 0 });

    const out = join(dir, 'again.onnx');
    expect(await main(['export', project, '-o', out], capture())).toBe(0);
    const y = await runModel(new Uint8Array(readFileSync(out)), fx.input, fx.inputShape);
    expect(relDiff(y, fx.expected)).toBeLessThanOrEqual(1e-4);
  });

  it('summary and export take an .onnx file directly', async () => {
    const s = capture();
    expect(await main(['summary', model, '--json'], s)).toBe(0);
    expect(JSON.parse(s.out).blocks).toEqual({ identity: 2, projection: 1, zeroPad: 0 });
    const out = join(dir, 'direct.onnx');
    expect(await main(['export', model, '-o', out], capture())).toBe(0);
    const y = await runModel(new Uint8Array(readFileSync(out)), fx.input, fx.inputShape);
    expect(relDiff(y, fx.expected)).toBeLessThanOrEqual(1e-4);
  });

  const bad: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('not a model at all\n')],
    ['truncated', fx.bytes.subarray(0, 5000)],
    ['random', Uint8Array.from({ length: 3000 }, (_, i) => (i * 2654435761) >>> 24)],
  ];
  it.each(bad)('a %s file: exit 1, one line on stderr, nothing written', async (name, bytes) => {
    const f = join(dir, `${name}.onnx`);
    writeFileSync(f, bytes);
    for (const cmd of [['import', f, '-o', join(dir, `${name}.json`)], ['summary', f], ['export', f, '-o', join(dir, `${name}-out.onnx`)]]) {
      const io = capture();
      expect(await main(cmd, io)).toBe(1);
      expect(io.err.trimEnd().split('\n')).toHaveLength(1);
      expect(io.err).toMatch(/^residual-studio: .*RS60\d/);
    }
    expect(existsSync(join(dir, `${name}.json`))).toBe(false);
  });

  it('the real bin exits 1 with one line for a corrupt file', () => {
    const f = join(dir, 'corrupt.onnx');
    writeFileSync(f, fx.bytes.subarray(0, 777));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/residual-studio.mjs'), 'import', f, '-o', join(dir, 'c.json')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/RS60\d/);
  }, 120_000);

  it('gives up past --time-limit with RS607 and exit code 1; --input-size sets the working size of a dynamic file; bad values are refused', async () => {
    const slow = capture();
    expect(await main(['import', model, '-o', join(dir, 'slow.json'), '--time-limit', '0.000001'], slow)).toBe(1);
    expect(slow.err).toMatch(/RS607 the import gave up after 0 s/);
    expect(existsSync(join(dir, 'slow.json'))).toBe(false);

    const dyn = join(dir, 'dynamic.onnx');
    writeFileSync(dyn, serializeModel(irModel([node('Relu', ['x'], ['y'])], [], { input: ['N', 3, 'H', 'W'] })));
    const project = join(dir, 'dynamic.json');
    const io = capture();
    expect(await main(['import', dyn, '-o', project, '--input-size', '96x64'], io)).toBe(0);
    expect(io.out).toMatch(/warning RS606: input 'x' has symbolic axes \(H, W\): shapes and costs are shown for 96×64/);
    expect(JSON.parse(readFileSync(project, 'utf8')).input).toMatchObject({ height: 96, width: 64, name: 'x', symbolic: { height: 'H', width: 'W' } });

    for (const bad of [['--input-size', '96'], ['--time-limit', '-3']]) {
      const e = capture();
      expect(await main(['import', dyn, '-o', project, ...bad], e)).toBe(1);
      expect(e.err).toMatch(new RegExp(bad[0]!));
    }
  });

  it('--blocks lib.json turns the library\'s blocks back into instance cards; a bad library file is refused and nothing is written', async () => {
    const { doc } = siluDownTwice();
    const onnx = join(dir, 'silu.onnx');
    writeFileSync(onnx, compile(doc, { embedDocument: false }).bytes!);
    const lib = join(dir, 'blocks.json');
    writeFileSync(lib, serializeBlockLibrary(doc.blocks!));
    const project = join(dir, 'silu.json');
    const io = capture();
    expect(await main(['import', onnx, '-o', project, '--blocks', lib], io)).toBe(0);
    expect(io.out).toMatch(/2 residual blocks/);
    const got = JSON.parse(readFileSync(project, 'utf8')) as { nodes: { name: string; op: string }[]; blocks: { name: string }[] };
    expect(got.nodes.filter((n) => n.op === 'user:siludown').map((n) => n.name)).toEqual(['down1', 'down2']);
    expect(got.blocks.map((b) => b.name)).toEqual(['SiluDown']);

    const bad = join(dir, 'bad-blocks.json');
    writeFileSync(bad, JSON.stringify({ kind: 'residual-studio/document', version: 1, blocks: [] }));
    const e = capture();
    expect(await main(['import', onnx, '-o', join(dir, 'never.json'), '--blocks', bad], e)).toBe(1);
    expect(e.err).toMatch(/bad-blocks\.json: RS506 .*not a Residual Studio block library/);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });
});
