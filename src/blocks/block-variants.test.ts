/**
 * The residual family after 2015 — pre-activation (He et al. 2016), squeeze-and-excitation (Hu et
 * al.) and ResNet-D's average-pooled projection ("Bag of Tricks") — against the torch reference
 * modules of scripts/py/residual_models.py (torchvision has none of them): the templates' parameter
 * and MAC counts; each template compiled to ONNX computes in onnxruntime-node what torch's module
 * computes on the same weights (relative ≤ 1e-4); and one SGD step of a small pre-activation net
 * (CIFAR ResNet-20 depth), a tiny SE net and a tiny ResNet-D net changes the loss and every tensor as torch.optim's step does. Exported as
 * PyTorch code, each template runs in torch (scripts/py/check_pytorch_export.py) as its ONNX does.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResidualDocument } from '../graph/types.ts';
import { exportPyTorch, PYTORCH_WEIGHTS_FILE } from '../export/pytorch/model-py.ts';
import { compile } from '../onnx/compile.ts';
import { runModel } from '../onnx/import/testing/fixtures.ts';
import { relDiff, testInput } from '../onnx/testing/run-ort.ts';
import { PYTHON, torchAvailable } from '../onnx/testing/torch-available.ts';
import { forwardReference, type ForwardCase, type ForwardResult } from '../onnx/testing/torch-forward.ts';
import { randomBnStore } from '../onnx/testing/weights.ts';
import { analyze } from '../shape/analyze.ts';
import { ChainBuilder } from '../templates/builder.ts';
import { buildTemplate, preactCifarResnet } from '../templates/templates.ts';
import { compileTraining } from '../train/compile-training.ts';
import { DEFAULT_SGD, nextName } from '../train/options.ts';
import { openNode, randomArray } from '../train/testing/graph.ts';
import { compareChange, decodeTensors, encodeTensors, torchReference, type RefTensor } from '../train/testing/torch-reference.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TEMPLATES = ['preact_resnet110', 'preact_resnet164', 'se_resnet50', 'resnet50d'] as const;

describe('the family templates show what their papers build', () => {
  it.each([
    // The shortcuts each shows: pre-activation projections where a stage changes width or stride.
    ['preact_resnet110', { identity: 52, projection: 2 }, 54],
    ['preact_resnet164', { identity: 51, projection: 3 }, 54],
    ['se_resnet50', { identity: 12, projection: 4 }, 16],
    ['resnet50d', { identity: 12, projection: 4 }, 16],
  ] as const)('%s: its blocks, arcs and layers', (id, arcs, blocks) => {
    const doc = buildTemplate(id)!;
    const a = analyze(doc);
    expect(a.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(a.totals.blocks).toMatchObject(arcs);
    expect(doc.nodes.filter((n) => n.op === 'BasicBlock' || n.op === 'Bottleneck')).toHaveLength(blocks);
    const ops = new Set(a.layers.map((l) => l.op));
    if (id.startsWith('preact')) {
      // Nothing after the add: no block ends in a ReLU, and the net ends in BN → ReLU before pooling.
      const adds = a.layers.filter((l) => l.op === 'Add');
      const next = adds.map((add) => a.layers.find((l) => l.inputs.some((r) => r.layer === add.id))!.op);
      expect(next.filter((op) => op === 'ReLU')).toEqual([]);
      expect(a.layers.map((l) => l.name).slice(-6, -3)).toEqual(['bn_final', 'relu_final', 'avgpool']);
    }
    if (id === 'se_resnet50') expect([...ops].filter((op) => op === 'Mul' || op === 'Sigmoid')).toEqual(['Sigmoid', 'Mul']);
    if (id === 'resnet50d') expect(a.layers.filter((l) => l.op === 'AvgPool2d').map((l) => l.name)).toEqual(['layer2.0.downsample.0', 'layer3.0.downsample.0', 'layer4.0.downsample.0']);
  });
});

describe.skipIf(!torchAvailable())('against the torch reference modules', () => {
  let torchCounts: Map<string, { params: number; macs: number }>;
  const forward = new Map<string, ForwardResult>();
  const cases: (ForwardCase & { doc: ResidualDocument })[] = [
    { id: 'preact_resnet110', size: 32, batch: 2 },
    { id: 'preact_resnet164', size: 32, batch: 2 },
    // Small inputs keep the ImageNet nets' check fast; both pool globally, so torch takes them too.
    { id: 'se_resnet50', size: 64, batch: 1 },
    { id: 'resnet50d', size: 65, batch: 1 }, // odd: ResNet-D's ceil-mode pools see a clipped last window
  ].map(({ id, size, batch }, i) => {
    const doc = buildTemplate(id, { input: { channels: 3, height: size, width: size } })!;
    return { name: id, doc, arch: id, weights: randomBnStore(doc), input: testInput(batch * 3 * size * size, 40 + i), batch };
  });

  beforeAll(() => {
    const out = execFileSync(PYTHON, [`${ROOT}scripts/py/residual_models.py`, ...TEMPLATES], { cwd: `${ROOT}scripts/py`, encoding: 'utf8', timeout: 120_000 });
    torchCounts = new Map(out.trim().split('\n').map((line) => {
      const r = JSON.parse(line) as { arch: string; params: number; macs: number };
      return [r.arch, r];
    }));
    forwardReference(cases).forEach((r, i) => forward.set(cases[i]!.name, r));
  }, 300_000);

  it.each(TEMPLATES)('%s has the torch module\'s parameters and MACs', (id) => {
    const a = analyze(buildTemplate(id)!);
    expect({ params: a.totals.params, macs: a.totals.macs }).toEqual({ params: torchCounts.get(id)!.params, macs: torchCounts.get(id)!.macs });
  });

  it('SE-ResNet-50 has the paper\'s 28.09M parameters, ResNet-50-D timm\'s 25,576,264', () => {
    expect(torchCounts.get('se_resnet50')!.params).toBe(28_088_024);
    expect(torchCounts.get('resnet50d')!.params).toBe(25_576_264);
  });

  it.each(TEMPLATES)('%s compiled to ONNX computes what torch computes on the same weights', async (id) => {
    const c = cases.find((k) => k.name === id)!;
    const r = compile(c.doc, { weights: c.weights! });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dims = [c.batch, 3, c.doc.input.height, c.doc.input.width];
    const ours = await runModel(r.bytes!, c.input, dims);
    const d = relDiff(ours, forward.get(id)!.output.data);
    console.info(`${id}: relative difference to torch ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-4);
  }, 120_000);

  /** residual_models' tiny-se / tiny-resnet-d: a 3×3 stem and two stages of SE bottlenecks or ResNet-D basic blocks. */
  const tiny = (name: string, block: 'basic' | 'bottleneck', widths: [number, number], option: Record<string, string | number | boolean>): ResidualDocument => {
    const b = new ChainBuilder(name, { channels: 3, height: 32, width: 32 }, { classes: 10 });
    b.add('Conv2d', 'conv1', { outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false }).add('BatchNorm2d', 'bn1', {}).add('ReLU', 'relu', {});
    widths.forEach((w, i) => b.add('Stage', `layer${i + 1}`, { block, count: 1, width: w, stride: i + 1, shortcut: 'auto', ...option }));
    return b.add('GlobalAvgPool', 'avgpool', {}).add('Flatten', 'flatten', {}).add('Linear', 'fc', { outFeatures: 10, bias: true }).finish();
  };
  it.each([
    ['preact_resnet20', preactCifarResnet(20, 'basic'), ['layer1.0.bn1.weight', 'layer2.0.downsample.0.weight', 'bn_final.running_var']],
    ['tiny-se', tiny('tiny SE', 'bottleneck', [4, 8], { squeezeExcite: true, seReduction: 16 }), ['layer1.0.se.fc1.weight', 'layer2.0.se.fc2.bias']],
    ['tiny-resnet-d', tiny('tiny ResNet-D', 'basic', [16, 32], { projection: 'avgpool' }), ['layer2.0.downsample.1.weight', 'layer2.0.downsample.2.running_mean']],
  ] as const)('one SGD step of %s matches torch: the loss and every updated tensor', async (arch, doc, names) => {
    expect(analyze(doc).totals.params).toBe(arch === 'preact_resnet20' ? 272_282 : arch === 'tiny-se' ? 2_957 : 19_994);
    const batch = 4;
    const optimizer = { ...DEFAULT_SGD, lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };
    const r = compileTraining(doc, { optimizer, batch, stateInitializers: false });
    expect(r.bytes, r.diagnostics.map((d) => d.message).join('; ')).toBeDefined();
    const start = r.initialState();
    const dims = [batch, 3, 32, 32];
    const input = randomArray(batch * 3 * 32 * 32, 77, 2);
    const target = BigInt64Array.from({ length: batch }, (_, i) => BigInt((i * 7 + 3) % 10));
    const runner = await openNode(r.bytes!);
    const feeds: Record<string, { data: Float32Array | BigInt64Array; dims: readonly number[] }> = { input: { data: input, dims }, target: { data: target, dims: [batch] }, lr: { data: Float32Array.of(optimizer.lr), dims: [] } };
    for (const s of r.state) feeds[s.name] = { data: start.get(s.name)!, dims: s.dims };
    const out = await runner.run(feeds);
    await runner.release?.();
    const state = new Map<string, RefTensor>(r.state.filter((s) => s.role !== 'optimizer').map((s) => [s.name, { data: start.get(s.name)!, dims: s.dims }]));
    const [ref] = torchReference([{ name: arch, model: { arch }, state, data: new Map([['input', { data: input, dims: [1, ...dims] }], ['target', { data: target, dims: [1, batch] }]]), optimizer, labelSmoothing: 0, frozen: [] }]);
    const loss = (out['loss']!.data as Float32Array)[0]!;
    const torchLoss = (ref!.get('loss')!.data as Float32Array)[0]!;
    expect(Math.abs(loss - torchLoss) / torchLoss).toBeLessThanOrEqual(1e-5);
    const off: string[] = [];
    for (const s of r.state) {
      const theirs = ref!.get(nextName(s.name));
      if (!theirs) off.push(`torch has no ${s.name}`);
      else {
        const d = compareChange(start.get(s.name) ?? new Float32Array(theirs.data.length), out[nextName(s.name)]!.data as Float32Array, theirs.data as Float32Array);
        if (!(d <= 1e-3)) off.push(`${s.name}: ${d.toExponential(2)}`);
      }
    }
    // The option's own tensors are among the updated ones (pre-activation BNs, SE's two 1×1s, ResNet-D's conv and BN).
    expect(r.state.map((s) => s.name)).toEqual(expect.arrayContaining([...names]));
    expect(off).toEqual([]);
  }, 300_000);

  it.each(TEMPLATES)('%s exported as PyTorch code computes in torch what its ONNX computes', async (id) => {
    const c = cases.find((k) => k.name === id)!;
    const r = exportPyTorch(c.doc, { weights: c.weights! });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'rs-family-py-'));
    try {
      mkdirSync(join(dir, 'm'));
      writeFileSync(join(dir, 'm/model.py'), r.modelPy!);
      writeFileSync(join(dir, 'm', PYTORCH_WEIGHTS_FILE), r.weights!);
      const dims = [c.batch, 3, c.doc.input.height, c.doc.input.width];
      writeFileSync(join(dir, 'input.safetensors'), encodeTensors(new Map([['input', { dims, data: c.input }]])));
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ cases: [{ name: id, dir: join(dir, 'm'), input: join(dir, 'input.safetensors'), out: join(dir, 'out.safetensors') }] }));
      execFileSync(PYTHON, [`${ROOT}scripts/py/check_pytorch_export.py`, '--manifest', join(dir, 'manifest.json')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      const theirs = decodeTensors(new Uint8Array(readFileSync(join(dir, 'out.safetensors')))).get('output0')!.data as Float32Array;
      const onnx = await runModel(compile(c.doc, { weights: c.weights! }).bytes!, c.input, dims);
      expect(relDiff(theirs, onnx)).toBeLessThanOrEqual(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
