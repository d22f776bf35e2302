/**
 * The inverted residual block (MobileNetV2) and the mobilenet_v2 template against PyTorch:
 * torchvision's own `mobilenet_v2` module, on the weights our compiler starts the document with
 * (looked up by torchvision's state_dict names), computes what our ONNX computes in
 * onnxruntime-node (relative ≤ 1e-4), with BN kept and folded; single blocks of every shape (t = 1
 * and t > 1, identity shortcut or none) equal their layers as torch modules
 * (scripts/py/forward_reference.py, one run for all cases); and the blocks that add x are those
 * whose `use_res_connect` torchvision 0.14 sets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chain } from '../graph/testing/chain.ts';
import type { InputSpec, Params, ResidualDocument } from '../graph/types.ts';
import { compile, type CompileOptions } from '../onnx/compile.ts';
import { runModel } from '../onnx/import/testing/fixtures.ts';
import { relDiff, testInput } from '../onnx/testing/run-ort.ts';
import { forwardReference, type ForwardCase, type ForwardResult } from '../onnx/testing/torch-forward.ts';
import { torchAvailable } from '../onnx/testing/torch-available.ts';
import { randomBnStore } from '../onnx/testing/weights.ts';
import { getOp } from '../ops/registry.ts';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate } from '../templates/templates.ts';

interface Case extends ForwardCase {
  readonly compile?: CompileOptions;
}

const MAP: InputSpec = { channels: 8, height: 9, width: 9 };
let seed = 300;

function blockCase(name: string, params: Params, input: InputSpec = MAP): Case {
  const doc = chain([['Input'], ['InvertedResidual', params], ['Output']], input).doc;
  return { name, doc, weights: randomBnStore(doc), input: testInput(2 * input.channels * input.height * input.width, seed++), batch: 2 };
}

function templateCase(size: number, compileOpts?: CompileOptions): Case {
  const doc = buildTemplate('mobilenet_v2', { input: { channels: 3, height: size, width: size } })!;
  return {
    name: `mobilenet_v2 at ${size}×${size}${compileOpts?.foldBatchNorm ? ', BN folded' : ''}`,
    doc,
    weights: randomBnStore(doc),
    arch: 'mobilenet_v2',
    input: testInput(3 * size * size, seed++),
    batch: 1,
    ...(compileOpts ? { compile: compileOpts } : {}),
  };
}

const BLOCKS: Case[] = [
  blockCase('t 1, 8 → 8, stride 1: identity shortcut', { outChannels: 8, stride: 1, expansion: 1 }),
  blockCase('t 6, 8 → 8, stride 1: identity shortcut', { outChannels: 8, stride: 1, expansion: 6 }),
  blockCase('t 6, 8 → 12, stride 2: no shortcut', { outChannels: 12, stride: 2, expansion: 6 }),
  blockCase('t 4, 8 → 16, stride 1: no shortcut (widths differ)', { outChannels: 16, stride: 1, expansion: 4 }),
  blockCase('t 1, 8 → 4, stride 2: no shortcut', { outChannels: 4, stride: 2, expansion: 1 }, { channels: 8, height: 8, width: 8 }),
  blockCase('t 6, 8 → 8, stride 1, BN folded (convs with bias)', { outChannels: 8, stride: 1, expansion: 6, batchNorm: false }),
];
const TEMPLATES: Case[] = [templateCase(64), templateCase(64, { foldBatchNorm: true }), templateCase(224)];

describe.skipIf(!torchAvailable())('inverted residual blocks compute what PyTorch computes (relative ≤ 1e-4)', () => {
  const cases = [...BLOCKS, ...TEMPLATES];
  const torch = new Map<string, ForwardResult>();
  beforeAll(() => {
    forwardReference(cases).forEach((r, i) => torch.set(cases[i]!.name, r));
  }, 300_000);

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = compile(c.doc, { ...(c.weights ? { weights: c.weights } : {}), ...c.compile });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ours = await runModel(r.bytes!, c.input, [c.batch, c.doc.input.channels, c.doc.input.height, c.doc.input.width]);
    const ref = torch.get(c.name)!.output.data;
    expect(ours.length).toBe(ref.length);
    expect(relDiff(ours, ref)).toBeLessThanOrEqual(1e-4);
  }, 60_000);
});

describe('the shortcut rule', () => {
  it('mobilenet_v2 adds x in the 10 blocks torchvision does (stride 1, same width), and has no shortcut in the other 7', () => {
    const doc: ResidualDocument = buildTemplate('mobilenet_v2')!;
    const a = analyze(doc);
    const blocks = doc.nodes.filter((n) => n.op === 'InvertedResidual');
    expect(blocks.map((b) => b.name)).toEqual(Array.from({ length: 17 }, (_, i) => `features.${i + 1}`));
    // torchvision's use_res_connect, block by block (its inverted_residual_setting: widths 16, 24×2, 32×3, 64×4, 96×3, 160×3, 320).
    const torchvision = [0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0];
    expect(blocks.map((b) => (a.nodes.get(b.id)!.shortcut?.kind === 'identity' ? 1 : 0))).toEqual(torchvision);
    // A block without a shortcut has no arc at all: never a projection.
    expect(a.shortcuts.filter((s) => s.kind !== 'identity')).toEqual([]);
  });

  it('t = 1 leaves out the expand conv; the depthwise conv has one group per channel', () => {
    const exp = (t: number) => getOp('InvertedResidual').expand!({ id: 'b' as never, op: 'InvertedResidual', name: 'b', params: { outChannels: 16, stride: 2, expansion: t, batchNorm: true }, position: { x: 0, y: 0 } }, [8, 8, 8], { projectionEverywhere: false, zeroInitResidual: false });
    expect(exp(1).nodes.map((n) => `${n.name} ${n.op}`)).toEqual(['b.conv.0.0 Conv2d', 'b.conv.0.1 BatchNorm2d', 'b.conv.0.2 ReLU6', 'b.conv.1 Conv2d', 'b.conv.2 BatchNorm2d']);
    const six = exp(6).nodes;
    expect(six.map((n) => n.name)).toEqual(['b.conv.0.0', 'b.conv.0.1', 'b.conv.0.2', 'b.conv.1.0', 'b.conv.1.1', 'b.conv.1.2', 'b.conv.2', 'b.conv.3']);
    expect(six.find((n) => n.name === 'b.conv.1.0')!.params).toMatchObject({ groups: 48, outChannels: 48, stride: 2, kernel: 3 });
  });
});
