import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTemplate } from '../templates/templates.ts';
import { compile } from './compile.ts';
import { relDiff, runOrt, testInput } from './testing/run-ort.ts';
import { randomBnStore } from './testing/weights.ts';

/**
 * "With the same weights, our compiled ResNets compute what torchvision computes": compile a
 * template (non-trivial BN statistics), load its initializers into torchvision's model by name
 * (strict: every state_dict entry must be there with the same shape), run both.
 */
describe('compiled templates match PyTorch (torchvision) with the same weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-torch-'));
  it.each([
    ['resnet18', 'resnet18', 224],
    ['resnet50', 'resnet50', 224],
    ['cifar-resnet20', 'cifar-resnet20', 32],
    ['fashion-resnet', 'fashion-resnet', 28],
  ] as const)('%s', async (template, arch, size) => {
    const doc = buildTemplate(template)!;
    const r = compile(doc, { weights: randomBnStore(doc) });
    const file = join(dir, `${template}.onnx`);
    writeFileSync(file, r.bytes!);
    const dims = [2, doc.input.channels, size, size];
    const x = testInput(dims.reduce((a, b) => a * b), 11);
    writeFileSync(join(dir, `${template}.in.bin`), new Uint8Array(x.buffer));
    execFileSync('/usr/bin/python3', ['scripts/py/torch_reference.py', '--arch', arch, '--onnx', file, '--input', join(dir, `${template}.in.bin`), '--shape', dims.join('x'), '--out', join(dir, `${template}.out.bin`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const buf = readFileSync(join(dir, `${template}.out.bin`));
    const torchOut = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const ours = await runOrt(r.bytes!, x, dims);
    expect(ours['logits']!.data.length).toBe(torchOut.length);
    const d = relDiff(ours['logits']!.data, torchOut);
    console.info(`${template}: relative difference to torchvision ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-4);
  }, 180_000);
});
