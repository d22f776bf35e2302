import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DEBIAN_FASHION_MNIST } from '../data/directory.ts';
import { serializeDocument } from '../document/document.ts';
import { connect, removeNodes } from '../graph/edit.ts';
import type { NodeId } from '../graph/ids.ts';
import { encodeIdx } from '../data/idx.ts';
import { compile } from '../onnx/compile.ts';
import { buildTemplate } from '../templates/templates.ts';
import { compileTraining } from '../train/compile-training.ts';
import { load, main, type Io } from './main.ts';

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

const dir = mkdtempSync(join(tmpdir(), 'rs-train-'));

/** An MNIST-layout directory of `count` random 28×28 pictures with labels i % classes. */
function dataDir(name: string, count: number, opts: { classes?: number; labels?: number; damage?: (gz: Uint8Array) => Uint8Array } = {}): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const images = encodeIdx({ type: 'uint8', dims: [count, 28, 28], data: Uint8Array.from({ length: count * 784 }, (_, i) => (i * 2654435761) >>> 24) });
  const labels = encodeIdx({ type: 'uint8', dims: [opts.labels ?? count], data: Uint8Array.from({ length: opts.labels ?? count }, (_, i) => i % (opts.classes ?? 10)) });
  const gz = gzipSync(images);
  writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), opts.damage ? opts.damage(gz) : gz);
  writeFileSync(join(d, 'train-labels-idx1-ubyte'), labels);
  return d;
}

async function run(args: string[]) {
  const io = capture();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

describe('residual-studio train: arguments and data', () => {
  const data = dataDir('small', 64);
  const out = join(dir, 'never.json');
  const cases: [string, string[], RegExp][] = [
    ['no -o', ['train', 'tiny-resnet', '--data', data], /train needs -o trained.json/],
    ['-o not a project', ['train', 'tiny-resnet', '--data', data, '-o', join(dir, 'x.onnx')], /-o must end in .json/],
    ['no --data', ['train', 'tiny-resnet', '-o', out], /train needs --data DIR.*train-images-idx3-ubyte/],
    ['no model', ['train', '--data', data, '-o', out], /train takes one template or project file/],
    ['a bad --epochs', ['train', 'tiny-resnet', '--data', data, '-o', out, '--epochs', '0'], /--epochs must be a whole number from 1/],
    ['a bad --batch', ['train', 'tiny-resnet', '--data', data, '-o', out, '--batch', '2.5'], /--batch must be a whole number from 1 to 65536, got "2.5"/],
    ['a bad --lr', ['train', 'tiny-resnet', '--data', data, '-o', out, '--lr', 'fast'], /--lr must be a number above 0/],
    ['an unknown optimiser', ['train', 'tiny-resnet', '--data', data, '-o', out, '--optimizer', 'adam'], /--optimizer must be sgd or adamw, got "adam"/],
    ['--betas for SGD', ['train', 'tiny-resnet', '--data', data, '-o', out, '--betas', '0.9,0.99'], /--betas applies to --optimizer adamw/],
    ['--nesterov for AdamW', ['train', 'tiny-resnet', '--data', data, '-o', out, '--optimizer', 'adamw', '--nesterov'], /--nesterov applies to --optimizer sgd/],
    ['malformed --betas', ['train', 'tiny-resnet', '--data', data, '-o', out, '--optimizer', 'adamw', '--betas', '0.9'], /--betas must be two numbers in \[0, 1\)/],
    ['--nesterov without momentum', ['train', 'tiny-resnet', '--data', data, '-o', out, '--nesterov', '--momentum', '0'], /--nesterov needs a --momentum above 0/],
    ['an unknown schedule', ['train', 'tiny-resnet', '--data', data, '-o', out, '--schedule', 'onecycle'], /--schedule must be constant or step or cosine/],
    ['--gamma without the step schedule', ['train', 'tiny-resnet', '--data', data, '-o', out, '--gamma', '0.5'], /--gamma applies to --schedule step/],
    ['a bad --fit', ['train', 'tiny-resnet', '--data', data, '-o', out, '--fit', 'stretch'], /--fit must be resize or pad/],
    ['an unknown option', ['train', 'tiny-resnet', '--data', data, '-o', out, '--epoch', '2'], /unknown option --epoch/],
    ['fewer images than a batch', ['train', 'tiny-resnet', '--data', data, '-o', out, '--limit', '10', '--batch', '16'], /10 training images \(--limit 10\) are fewer than one batch of 16/],
    ['a missing directory', ['train', 'tiny-resnet', '--data', join(dir, 'nowhere'), '-o', out], /cannot read the directory .*nowhere: ENOENT/],
  ];
  it.each(cases)('%s: one line on stderr, exit 1, nothing written', async (_, args, message) => {
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  const damaged: [string, string, RegExp][] = [
    ['a truncated gzip file', dataDir('cut', 64, { damage: (gz) => gz.subarray(0, gz.length - 100) }), /train-images-idx3-ubyte.gz: the gzip data is truncated or damaged/],
    ['a flipped byte', dataDir('flipped', 64, { damage: (gz) => gz.map((b, i) => (i === 200 ? b ^ 1 : b)) }), /train-images-idx3-ubyte.gz: .*(truncated|damaged)/],
    ['counts that differ', dataDir('counts', 64, { labels: 60 }), /holds 64 images but train-labels-idx1-ubyte holds 60 labels/],
    ['labels past the network\'s classes', dataDir('classes', 64, { classes: 12 }), /the training set has label 11, but the network has 10 classes/],
  ];
  it.each(damaged)('refuses %s with its message', async (_, data, message) => {
    const r = await run(['train', 'tiny-resnet', '--data', data, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

describe('residual-studio train: Ctrl-C', () => {
  it('stops after the step in flight and writes what was trained', { timeout: 60_000 }, async () => {
    const project = join(dir, 'interrupted.json');
    const listeners = process.listenerCount('SIGINT');
    const io = capture();
    const stdout = io.stdout;
    const interrupting: Io = {
      stdout: (s) => {
        stdout(s);
        if (s.startsWith('epoch 1/3')) process.emit('SIGINT');
      },
      stderr: io.stderr,
    };
    const code = await main(['train', 'tiny-resnet', '--data', dataDir('interrupt', 64), '--epochs', '3', '--batch', '16', '--test-limit', '0', '-o', project], interrupting);
    expect(code).toBe(0);
    expect(io.err).toMatch(/stopping after this step/);
    expect(io.out).toMatch(/stopped after 4 of 12 steps/);
    expect(io.out).not.toMatch(/^epoch 2/m);
    expect((await load(project, {})).weights?.get('conv1.weight')?.origin).toBe('trained');
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});

describe('residual-studio export-training', () => {
  it('writes a step file onnxruntime opens, with the contract\'s inputs and outputs', async () => {
    const file = join(dir, 'step.onnx');
    const r = await run(['export-training', 'tiny-resnet', '-o', file, '--batch', '8', '--optimizer', 'adamw', '--label-smoothing', '0.1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*step.onnx .*batch 8, AdamW lr 0.001 betas 0.9,0.999/);
    expect(r.out).toMatch(/input \[8,3,32,32\] float32, target \[8\] int64, lr float32/);
    const s = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)));
    try {
      expect(s.outputNames.slice(0, 3)).toEqual(['loss', 'logits', 'correct']);
      expect(s.outputNames).toContain('conv1.weight.next');
    } finally {
      await s.release();
    }
  });

  it('a document that cannot train: its diagnostic, exit 1', async () => {
    // Tiny ResNet cut after its last block: the output is a feature map, not class scores.
    const cut = removeNodes(buildTemplate('tiny-resnet')!, ['avgpool', 'flatten', 'fc'] as NodeId[]);
    const project = join(dir, 'feature-map.json');
    writeFileSync(project, serializeDocument(connect(cut, { source: 'block2' as NodeId, sourcePort: 0, target: 'output' as NodeId, targetPort: 0 }).doc));
    const r = await run(['export-training', project, '-o', join(dir, 'fm.onnx')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^residual-studio: cannot train Tiny ResNet: RS702 /);
    expect(existsSync(join(dir, 'fm.onnx'))).toBe(false);
  });

  it('bad options are refused by name', async () => {
    expect((await run(['export-training', 'tiny-resnet', '-o', join(dir, 'o.onnx'), '--opset', '12'])).err).toMatch(/--opset must be a whole number from 13 to 21/);
    expect((await run(['export-training', 'tiny-resnet'])).err).toMatch(/export-training needs -o step.onnx/);
  });
});

describe.runIf(existsSync(DEBIAN_FASHION_MNIST))('residual-studio train on Fashion-MNIST', () => {
  it('two epochs of tiny-resnet on 512 images: the loss falls, and the project re-loads with its trained weights', { timeout: 120_000 }, async () => {
    const project = join(dir, 'tiny-trained.json');
    const r = await run(['train', 'tiny-resnet', '--data', DEBIAN_FASHION_MNIST, '--limit', '512', '--test-limit', '256', '--epochs', '2', '--batch', '32', '--seed', '3', '-o', project]);
    // stderr has at most progress lines (every 10 s on a slow machine), no error.
    expect(r.err).not.toMatch(/residual-studio:/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/resized to 32×32 \(bilinear.*grey copied to 3 channels/);
    const losses = [...r.out.matchAll(/^epoch \d\/2: loss ([\d.]+), train accuracy ([\d.]+), test accuracy ([\d.]+)/gm)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(2);
    expect(losses[1]!).toBeLessThan(losses[0]!);

    const loaded = await load(project, {});
    expect(loaded.doc.weights?.uri).toBe('tiny-trained.weights.safetensors');
    const w = loaded.weights!;
    const doc = buildTemplate('tiny-resnet')!;
    const start = compileTraining({ ...doc, seed: 3 }, { batch: 32, stateInitializers: false }).initialState();
    expect([...w.keys()].sort()).toEqual([...start.keys()].filter((k) => !k.includes('momentum_buffer')).sort());
    expect(w.get('conv1.weight')!.origin).toBe('trained');
    expect(w.get('conv1.weight')!.data).not.toEqual(start.get('conv1.weight'));
    expect(w.get('bn1.running_mean')!.data).not.toEqual(start.get('bn1.running_mean'));
    // The compiler takes every trained tensor (owners match), so an export carries them.
    const c = compile(loaded.doc, { weights: w });
    expect(new Set(c.weightSources.values())).toEqual(new Set(['trained']));
  });
});
