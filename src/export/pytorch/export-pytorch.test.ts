/**
 * The exported PyTorch code, run by PyTorch: every template, the default model and documents
 * using every editor op are exported, imported by Debian's torch (`scripts/py/check_pytorch_export.py`,
 * one Python process for all), and must compute what our ONNX export computes in
 * onnxruntime-node; their state_dicts are exactly the ONNX files' weights; and weights trained
 * in PyTorch and saved by the module come back into the document and compute the same again.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from '../../document/document.ts';
import { addNode, connect, expandNode } from '../../graph/edit.ts';
import type { ResidualDocument } from '../../graph/types.ts';
import { compile, lowerToIr } from '../../onnx/compile.ts';
import { relDiff, testInput } from '../../onnx/testing/run-ort.ts';
import { analyze } from '../../shape/analyze.ts';
import { siluDownTwice, twoInstances } from '../../blocks/testing/user-blocks.ts';
import { buildTemplate, TEMPLATES, type TemplateOptions } from '../../templates/templates.ts';
import { dag } from '../../train/testing/graph.ts';
import { decodeTensors, encodeTensors, PYTHON } from '../../train/testing/torch-reference.ts';
import { decodeSafetensors } from '../../weights/safetensors.ts';
import type { WeightStore } from '../../weights/types.ts';
import { exportPyTorch, PYTORCH_WEIGHTS_FILE } from './model-py.ts';
import { adoptStateDict } from './state-dict.ts';

const SCRIPT = new URL('../../../scripts/py/check_pytorch_export.py', import.meta.url).pathname;
const BATCH = 2;

/** Sizes that keep the run short: the ImageNet nets at 64×64 (still 2×2 before their pooling), VGG-19 at 32×32. */
const SMALL: Record<string, TemplateOptions> = {
  vgg19: { input: { channels: 3, height: 32, width: 32 } },
};
const small = (id: string): TemplateOptions | undefined => (/^(resnet|plain)\d+$|^resnext|^wide_resnet|^mobilenet|^convnext/.test(id) ? { input: { channels: 3, height: 64, width: 64 } } : SMALL[id]);
/** ResNeXt-101 and Wide ResNet-101 (89M and 127M parameters) are their 50-layer twins' classes with more blocks: left out to keep the run short. */
const SKIPPED = new Set(['blank', 'resnext101_32x8d', 'wide_resnet101_2']);

const pub = (p: string) => new URL(`../../../public/${p}`, import.meta.url);

/** Every op the editor has, in one network: conv variants, every activation, pools, merges, Linear on the last axis. */
function everyOp(): ResidualDocument {
  return dag(
    [
      ['Conv2d', { outChannels: 8, kernel: 3, stride: 1, padding: 2, dilation: 2, groups: 1, bias: true }, [0]], // 1
      ['BatchNorm2d', { eps: 1e-3 }, [1]], // 2
      ['LeakyReLU', { alpha: 0.2 }, [2]], // 3
      ['Conv2d', { outChannels: 8, kernel: 3, stride: 1, padding: 1, groups: 4, bias: false }, [3]], // 4: grouped
      ['ReLU6', {}, [4]], // 5
      ['SiLU', {}, [5]], // 6
      ['Hardswish', {}, [6]], // 7
      ['GELU', { approximate: 'tanh' }, [7]], // 8
      ['GELU', { approximate: 'none' }, [8]], // 9
      ['Clip', { min: -0.5, max: 0.75 }, [9]], // 10
      // A squeeze-and-excitation gate: x · sigmoid(fc(pool(x))), broadcast over H×W.
      ['GlobalAvgPool', {}, [10]], // 11
      ['Conv2d', { outChannels: 8, kernel: 1, padding: 0, bias: true }, [11]], // 12
      ['Hardsigmoid', { alpha: 0.2, beta: 0.4 }, [12]], // 13
      ['Mul', {}, [10, 13]], // 14
      ['Add', {}, [14, 3]], // 15: a hand-made identity shortcut
      ['MaxPool2d', { kernel: 3, stride: 2, padding: 1, ceilMode: true }, [15]], // 16
      ['AvgPool2d', { kernel: 3, stride: 1, padding: 1, countIncludePad: false }, [16]], // 17
      ['Sigmoid', {}, [17]], // 18
      ['Concat', { inputs: 2 }, [17, 18]], // 19
      ['ZeroPadShortcut', { outChannels: 24, stride: 2 }, [19]], // 20
      ['Hardsigmoid', {}, [20]], // 21
      ['Identity', {}, [21]], // 22
      ['Linear', { outFeatures: 6, bias: false }, [22]], // 23: on the last axis of a feature map
      ['Dropout', { p: 0.3 }, [23]], // 24
      ['Flatten', {}, [24]], // 25
      ['Linear', { outFeatures: 5, bias: true }, [25]], // 26
      ['Softmax', {}, [26]], // 27
    ],
    { channels: 3, height: 15, width: 13 },
  );
}

/** Collapsed blocks in their less common forms: BN folded, option A, a wider bottleneck, option C, a bottleneck stage. */
function blockVariants(): ResidualDocument {
  const doc = dag(
    [
      ['Conv2d', { outChannels: 8, kernel: 3, padding: 1 }, [0]],
      ['BasicBlock', { width: 8, stride: 1, shortcut: 'auto', batchNorm: false }, [1]],
      ['BasicBlock', { width: 16, stride: 2, shortcut: 'zero-pad' }, [2]],
      ['Bottleneck', { width: 4, stride: 2, shortcut: 'auto', expansion: 2 }, [3]],
      ['Stage', { block: 'bottleneck', count: 2, width: 4, stride: 1, shortcut: 'auto' }, [4]],
      ['BasicBlock', { width: 16, stride: 1, shortcut: 'projection', batchNorm: false }, [5]],
      ['GlobalAvgPool', {}, [6]],
      ['Flatten', {}, [7]],
      ['Linear', { outFeatures: 3 }, [8]],
    ],
    { channels: 3, height: 16, width: 16 },
  );
  return { ...doc, name: 'Block variants', projectionEverywhere: true };
}

/** ResNeXt and Wide ResNet bottlenecks collapsed on their own (cardinality and base width as the class's groups and base_width). */
function groupedBottlenecks(): ResidualDocument {
  const doc = dag(
    [
      ['Conv2d', { outChannels: 16, kernel: 3, padding: 1 }, [0]],
      ['Bottleneck', { width: 8, stride: 2, shortcut: 'auto', cardinality: 4, baseWidth: 16 }, [1]],
      ['Bottleneck', { width: 8, stride: 1, shortcut: 'auto', baseWidth: 128 }, [2]],
      ['Stage', { block: 'bottleneck', count: 2, width: 4, stride: 1, shortcut: 'auto', cardinality: 2, baseWidth: 32 }, [3]],
      ['GlobalAvgPool', {}, [4]],
      ['Flatten', {}, [5]],
      ['Linear', { outFeatures: 3 }, [6]],
    ],
    { channels: 3, height: 16, width: 16 },
  );
  return { ...doc, name: 'Grouped bottlenecks' };
}

/** Inverted residual blocks in their other forms: BN folded, t = 1 with a stride, widths that differ at stride 1. */
function invertedResiduals(): ResidualDocument {
  const doc = dag(
    [
      ['Conv2d', { outChannels: 8, kernel: 3, padding: 1 }, [0]],
      ['InvertedResidual', { outChannels: 8, stride: 1, expansion: 4, batchNorm: false }, [1]],
      ['InvertedResidual', { outChannels: 12, stride: 2, expansion: 1 }, [2]],
      ['InvertedResidual', { outChannels: 16, stride: 1, expansion: 3, batchNorm: false }, [3]],
      ['GlobalAvgPool', {}, [4]],
      ['Flatten', {}, [5]],
      ['Linear', { outFeatures: 3 }, [6]],
    ],
    { channels: 3, height: 16, width: 16 },
  );
  return { ...doc, name: 'Inverted residuals' };
}

/** Tiny ResNet with its second block expanded into layers: a hand-built residual block named `block2.*`. */
function expandedBlock(): ResidualDocument {
  const doc = buildTemplate('tiny-resnet')!;
  const block = doc.nodes.find((n) => n.name === 'block2')!;
  return { ...expandNode(doc, block.id, analyze(doc).nodes.get(block.id)!.inputShapes[0]!), name: 'Tiny ResNet, block2 expanded' };
}

/** Two Outputs (the conv's output read by the ReLU and returned as well): forward returns both, in the document's order. */
function twoOutputs(): ResidualDocument {
  const doc = dag([['Conv2d', { outChannels: 4, kernel: 3, padding: 1 }, [0]], ['ReLU', {}, [1]]], { channels: 3, height: 8, width: 8 });
  const conv = doc.nodes.find((n) => n.op === 'Conv2d')!;
  const r = addNode(doc, 'Output', { position: { x: 300, y: 300 } });
  return { ...connect(r.doc, { source: conv.id, sourcePort: 0, target: r.id, targetPort: 0 }).doc, name: 'Two outputs' };
}

interface Case {
  readonly name: string;
  readonly doc: ResidualDocument;
  readonly weights?: WeightStore;
  readonly retrain?: boolean;
}

function cases(): Case[] {
  const { doc: fashion } = parseDocument(readFileSync(pub('models/fashion-resnet.project.json'), 'utf8'));
  const { store } = decodeSafetensors(readFileSync(pub('models/fashion-resnet.weights.safetensors')));
  return [
    ...TEMPLATES.filter((t) => !SKIPPED.has(t.id)).map((t) => ({ name: t.id, doc: t.build(small(t.id)), retrain: t.id === 'tiny-resnet' || t.id === 'cifar-resnet20' })),
    { name: 'default model (trained)', doc: fashion!, weights: store!, retrain: true },
    { name: 'every op', doc: everyOp(), retrain: true },
    { name: 'block variants', doc: blockVariants(), retrain: true },
    { name: 'grouped bottlenecks', doc: groupedBottlenecks(), retrain: true },
    { name: 'expanded block', doc: expandedBlock(), retrain: true },
    { name: 'two outputs', doc: twoOutputs() },
    { name: 'user block with params (8→16 and 16→32, /2)', doc: siluDownTwice().doc, retrain: true },
    { name: 'user block used twice alike', doc: twoInstances().doc },
    { name: 'inverted residuals', doc: invertedResiduals(), retrain: true },
  ];
}

interface Result {
  readonly c: Case;
  readonly modelPy: string;
  readonly onnx: Float32Array[];
  readonly torch: Float32Array[];
  readonly state: Record<string, number[]>;
  readonly retrained?: { readonly torch: Float32Array; readonly weights: Uint8Array };
}

async function runOnnx(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, intraOpNumThreads: 2 });
  try {
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
    return session.outputNames.map((n) => new Float32Array(out[n]!.data as Float32Array));
  } finally {
    await session.release();
  }
}

const inputDims = (doc: ResidualDocument) => [BATCH, doc.input.channels, doc.input.height, doc.input.width];
const inputOf = (doc: ResidualDocument) => testInput(inputDims(doc).reduce((a, b) => a * b, 1), 7);

const results = new Map<string, Result>();
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rs-pytorch-'));
  const manifest: Record<string, unknown>[] = [];
  const pending: Omit<Result, 'torch' | 'state' | 'retrained'>[] = [];
  for (const [i, c] of cases().entries()) {
    const r = exportPyTorch(c.doc, c.weights ? { weights: c.weights } : {});
    if (!r.modelPy) throw new Error(`${c.name}: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
    const at = join(dir, String(i));
    mkdirSync(at);
    writeFileSync(join(at, 'model.py'), r.modelPy);
    writeFileSync(join(at, PYTORCH_WEIGHTS_FILE), r.weights!);
    const x = inputOf(c.doc);
    writeFileSync(join(at, 'input.safetensors'), encodeTensors(new Map([['input', { dims: inputDims(c.doc), data: x }]])));
    const { bytes } = compile(c.doc, c.weights ? { weights: c.weights } : {});
    pending.push({ c, modelPy: r.modelPy, onnx: await runOnnx(bytes!, x, inputDims(c.doc)) });
    manifest.push({
      name: c.name,
      dir: at,
      input: join(at, 'input.safetensors'),
      out: join(at, 'out.safetensors'),
      ...(c.retrain ? { retrained: { weights: join(at, 'retrained.safetensors'), out: join(at, 'retrained-out.safetensors') } } : {}),
    });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ cases: manifest }));
  try {
    execFileSync(PYTHON, [SCRIPT, '--manifest', join(dir, 'manifest.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`check_pytorch_export.py failed:\n${e.stderr || e.message}`, { cause: err });
  }
  pending.forEach((p, i) => {
    const at = join(dir, String(i));
    const outs = decodeTensors(new Uint8Array(readFileSync(join(at, 'out.safetensors'))));
    const torch = [...outs.keys()].sort().map((k) => outs.get(k)!.data as Float32Array);
    const state = JSON.parse(readFileSync(join(at, 'out.state.json'), 'utf8')) as Record<string, number[]>;
    const retrained = p.c.retrain
      ? { torch: decodeTensors(new Uint8Array(readFileSync(join(at, 'retrained-out.safetensors')))).get('output0')!.data as Float32Array, weights: new Uint8Array(readFileSync(join(at, 'retrained.safetensors'))) }
      : undefined;
    results.set(p.c.name, { ...p, torch, state, ...(retrained ? { retrained } : {}) });
  });
}, 900_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const names = cases().map((c) => c.name);

describe('PyTorch code export, run by PyTorch', () => {
  it.each(names)('%s: model.py computes what the ONNX export computes (relative ≤ 1e-4)', (name) => {
    const r = results.get(name)!;
    expect(r.torch.length).toBe(analyze(r.c.doc).outputs.length);
    expect(r.torch.length).toBe(r.onnx.length);
    r.onnx.forEach((o, i) => {
      expect(r.torch[i]!.length).toBe(o.length);
      expect(relDiff(r.torch[i]!, o)).toBeLessThanOrEqual(1e-4);
    });
  });

  it.each(names)("%s: the state_dict's keys and shapes are exactly the ONNX file's weights", (name) => {
    const { c, state } = results.get(name)!;
    // The weights as the compiler declares them (its training tape lists each layer's parameters and buffers).
    const { tape } = lowerToIr(c.doc, { mode: 'training', batch: 1 });
    const declared = Object.fromEntries(tape!.flatMap((e) => Object.values(e.weights)).map((w) => [w.name, [...w.dims]]));
    expect(state).toEqual(declared);
    const { model } = lowerToIr(c.doc, c.weights ? { weights: c.weights } : {});
    const inits = new Map(model!.graph.initializers.map((t) => [t.name, [...t.dims]]));
    for (const [k, dims] of Object.entries(state)) expect(inits.get(k), k).toEqual(dims);
  });

  it.each(cases().filter((c) => c.retrain).map((c) => c.name))('%s: weights trained in PyTorch and saved by save_weights open back and compute the same', async (name) => {
    const r = results.get(name)!;
    const { store, diagnostics } = decodeSafetensors(r.retrained!.weights);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const adopted = adoptStateDict(r.c.doc, store!);
    expect(adopted.diagnostics).toEqual([]);
    const { bytes, weightSources } = compile(r.c.doc, { weights: adopted.weights });
    // Every layer with weights runs on the trained ones, none on fresh ones.
    expect([...weightSources.values()].filter((s) => s !== 'trained')).toEqual([]);
    const [ours] = await runOnnx(bytes!, inputOf(r.c.doc), inputDims(r.c.doc));
    expect(relDiff(ours!, r.retrained!.torch)).toBeLessThanOrEqual(1e-4);
    // And they did change: the run is not the exported weights' again.
    expect(relDiff(r.onnx[0]!, r.retrained!.torch)).toBeGreaterThan(1e-3);
  });

  it('MobileNetV2 is torchvision\'s InvertedResidual class: x added where stride 1 keeps the width, no shortcut elsewhere', () => {
    const py = results.get('mobilenet_v2')!.modelPy;
    expect(py).toContain('InvertedResidual(32, 16, expansion=1),  # inverted residual block, no shortcut (32 -> 16 channels)');
    expect(py).toContain('InvertedResidual(16, 24, stride=2, expansion=6),  # inverted residual block, no shortcut (stride 2)');
    expect(py).toContain('InvertedResidual(24, 24, expansion=6),  # inverted residual block, identity shortcut');
    expect(results.get('inverted residuals')!.modelPy).toContain('InvertedResidual(8, 8, expansion=4, batch_norm=False)');
  });

  it('ResNeXt and Wide ResNet are the one Bottleneck class with torchvision\'s groups and base_width', () => {
    expect(results.get('resnext50_32x4d')!.modelPy).toContain('Bottleneck(64, 64, shortcut="projection", groups=32, base_width=4),');
    expect(results.get('wide_resnet50_2')!.modelPy).toContain('Bottleneck(1024, 512, stride=2, shortcut="projection", base_width=128),');
    expect(results.get('grouped bottlenecks')!.modelPy).toContain('Bottleneck(16, 8, stride=2, shortcut="projection", groups=4, base_width=16)');
    expect(results.get('grouped bottlenecks')!.modelPy).toMatch(/Stage\(Bottleneck, 32, 4, count=2, shortcut="projection", groups=2, base_width=32\)/);
  });

  it('ConvNeXt-Tiny is torchvision\'s layout: CNBlock(dim) with its stochastic depth rising to 0.1, LayerNorm2d in the stem and between stages', () => {
    const py = results.get('convnext_tiny')!.modelPy;
    expect(py).toContain('class CNBlock(nn.Module):');
    expect(py).toMatch(/CNBlock\(96\)/);
    expect(py).toMatch(/CNBlock\(768, stochastic_depth=0\.1\d*\)/);
    expect(py).toContain('LayerNorm2d(96, eps=0.000001)');
  });

  it('reads like the diagram: one class per block kind, torchvision names, the shortcut kinds named', () => {
    const py = results.get('resnet50')!.modelPy;
    expect(py).toMatch(/^class Bottleneck\(nn\.Module\):/m);
    expect(py).not.toMatch(/^class BasicBlock/m);
    expect(py).toContain('        self.layer2 = nn.Sequential(\n            Bottleneck(256, 128, stride=2, shortcut="projection"),  # bottleneck block, projection shortcut (1x1 conv, /2)\n');
    expect(py).toContain('        x = self.layer2(x)\n');
    // A collapsed stage is one Stage, its shortcuts said where it is called.
    const variants = results.get('block variants')!.modelPy;
    expect(variants).toMatch(/^class Stage\(nn\.Sequential\):/m);
    expect(variants).toMatch(/= self\.stage\w*\(x\) {2}# 2 bottleneck blocks; the first has a projection shortcut \(1x1 conv\), the rest projection shortcuts/);
    expect(py).toContain('self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)');
    expect(py).not.toContain('safetensors import');
    expect(results.get('cifar-resnet20')!.modelPy).toContain('shortcut="zero-pad"');
    // A hand-built block becomes a class of its own with the Add in its forward.
    expect(results.get('expanded block')!.modelPy).toMatch(/^class Block2\(nn\.Module\):[\s\S]*# F\(x\) \+ x: projection shortcut \(1x1 conv, \/2\)/m);
    // The plain nets: the same blocks without their shortcut, one class for them.
    expect(results.get('plain34')!.modelPy).toContain('            PlainBlock(64, 128, stride=2),  # plain block: no shortcut\n');
    expect(results.get('plain34')!.modelPy).not.toContain('OrderedDict([\n                ("conv1"');
    // VGG's numbered layers are nn.Sequential, as torchvision writes them.
    expect(results.get('vgg19')!.modelPy).toMatch(/self\.features = nn\.Sequential\(\n {12}nn\.Conv2d\(3, 64, kernel_size=3, padding=1\),/);
  });
});

describe('user-defined blocks in PyTorch code', () => {
  it('a user block is one class named after it, built from its own arguments, called by each instance with its params', () => {
    const py = results.get('user block with params (8→16 and 16→32, /2)')!.modelPy;
    expect(py.match(/^class \w+\(nn\.Module\):/gm)).toEqual(['class SiluDown(nn.Module):', 'class SiLUBlocks(nn.Module):']);
    expect(py).toContain('    def __init__(self, in_channels, width=16, stride=2):\n');
    expect(py).toContain('        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=3, stride=stride, padding=1, bias=False)\n');
    expect(py).toContain('        self.proj = nn.Conv2d(in_channels, width, kernel_size=1, stride=stride, bias=False)\n');
    expect(py).toContain('        self.down1 = SiluDown(8, width=16, stride=2)\n        self.down2 = SiluDown(16, width=32, stride=2)\n');
    const alike = results.get('user block used twice alike')!.modelPy;
    expect(alike.match(/= MyBlock\(8, width=8, stride=1\)/g)).toHaveLength(2);
    expect(alike.match(/^class MyBlock/gm)).toHaveLength(1);
  });
});

describe('what cannot be PyTorch code', () => {
  it('an opaque imported op is RS801 naming it, and no code', () => {
    const doc = dag([['Opaque', { opType: 'Einsum', inputs: 1, outputShape: '3x8x8' }, [0]]], { channels: 3, height: 8, width: 8 });
    const r = exportPyTorch(doc);
    expect(r.modelPy).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === 'RS801');
    expect(d?.message).toContain('Einsum');
  });

  it('a name that cannot be a module path is RS802 saying why', () => {
    const doc = buildTemplate('tiny-resnet')!;
    const rename = (from: string, to: string) => ({ ...doc, nodes: doc.nodes.map((n) => (n.name === from ? { ...n, name: to } : n)) });
    expect(exportPyTorch(rename('fc', 'forward')).diagnostics.map((d) => d.code)).toContain('RS802');
    expect(exportPyTorch(rename('fc', 'head..fc')).diagnostics.map((d) => d.code)).toContain('RS802');
    // `block1` is a block; `block1.fc` would have to live inside it.
    const nested = exportPyTorch(rename('fc', 'block1.fc'));
    expect(nested.diagnostics.find((d) => d.code === 'RS802')?.message).toContain('block1');
  });

  it('a document with errors gives its own diagnostics', () => {
    const r = exportPyTorch(buildTemplate('blank')!);
    expect(r.modelPy).toBeUndefined();
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });
});
