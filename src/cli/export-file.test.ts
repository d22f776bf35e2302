import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, lowerToIr } from '../onnx/compile.ts';
import { planModel } from '../onnx/serialize.ts';
import { buildTemplate } from '../templates/templates.ts';
import { initTensorInto } from '../weights/init.ts';
import { openReplacing, writeModelFile } from './export-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'rs-export-'));
const runner = join(dir, 'run.mjs');

/** Runs the bundled CLI (workers need a bundle they can load) and returns its timings line. */
function exportWith(template: string, threads: number, out: string): { tensorsPerThread: number[] } {
  const r = spawnSync('node', [runner, 'export', template, '-o', out, '--seed', '3', '--threads', String(threads), '--timings'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('residual-studio timings '));
  return JSON.parse(line!.slice('residual-studio timings '.length));
}

describe('writeModelFile', () => {
  beforeAll(async () => {
    // The same two bundles scripts/build-cli.mjs makes (the CLI, split, and the weight worker), in a place of this test's own.
    const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', outdir: dir, outExtension: { '.js': '.mjs' } } as const;
    await Promise.all([
      build({
        ...common,
        entryPoints: { cli: join(import.meta.dirname, 'main.ts') },
        splitting: true,
        chunkNames: 'cli-chunk-[hash]',
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      }),
      build({ ...common, entryPoints: { 'weights-worker': join(import.meta.dirname, 'weights-worker.ts') } }),
    ]);
    writeFileSync(runner, "const { main } = await import('./cli.mjs');\nprocess.exitCode = await main(process.argv.slice(2));\n");
  }, 60_000);

  it('writes the bytes of serializeModel on the calling thread', async () => {
    const doc = buildTemplate('cifar-resnet20')!;
    const out = join(dir, 'c20.onnx');
    const fd = openSync(out, 'w');
    const model = lowerToIr(doc, { deferWeights: true }).model!;
    const { size, timings } = await writeModelFile(model, fd, { threads: 1 });
    closeSync(fd);
    const expected = compile(doc).bytes!;
    expect(size).toBe(expected.length);
    expect(new Uint8Array(readFileSync(out))).toEqual(expected);
    expect(timings.tensorsPerThread).toHaveLength(1);
  });

  it("plans every fresh tensor with its recipe as data, which makes the closure's values (what a worker makes)", () => {
    const model = lowerToIr(buildTemplate('resnet18')!, { deferWeights: true, opset: 17 }).model!;
    const { tensors } = planModel(model);
    expect(tensors.length).toBeGreaterThan(50);
    for (const t of tensors) {
      expect(t.freshInit).toBeDefined();
      if (t.elements > 300_000) continue; // a sample is enough; the byte-for-byte test below covers the rest
      const a = new Float32Array(t.elements);
      const b = new Float32Array(t.elements);
      t.fill(a);
      initTensorInto(t.freshInit!.spec, b, t.freshInit!.seed, t.freshInit!.key);
      expect(b).toEqual(a);
    }
  });

  it('gives the same file byte for byte with 1, 2 and 3 threads, the workers making part of it', () => {
    const one = join(dir, 'r152-1.onnx');
    const two = join(dir, 'r152-2.onnx');
    const three = join(dir, 'r152-3.onnx');
    expect(exportWith('resnet152', 1, one).tensorsPerThread).toHaveLength(1);
    const t2 = exportWith('resnet152', 2, two);
    const t3 = exportWith('resnet152', 3, three);
    const ref = readFileSync(one);
    expect(readFileSync(two).equals(ref)).toBe(true);
    expect(readFileSync(three).equals(ref)).toBe(true);
    // ResNet-152's 60M weights take the main thread long enough that workers join in; were none
    // to, this test would not be testing threads.
    expect([...t2.tensorsPerThread.slice(1), ...t3.tensorsPerThread.slice(1)].some((n) => n > 0)).toBe(true);
  }, 120_000);

  it('openReplacing replaces a file (keeping its permissions, leaving nothing beside it) and writes through a symlink', async () => {
    const sub = mkdtempSync(join(dir, 'replace-'));
    const f = join(sub, 'model.onnx');
    writeFileSync(f, 'old contents, longer than the new', { mode: 0o640 });
    const o = openReplacing(f);
    writeSync(o.fd, 'new');
    closeSync(o.fd);
    await o.cleanup;
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    expect(readdirSync(sub)).toEqual(['model.onnx']);
    const link = join(sub, 'link.onnx');
    symlinkSync(f, link);
    const l = openReplacing(link);
    writeSync(l.fd, 'via link');
    closeSync(l.fd);
    await l.cleanup;
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('via link');
  });
});
