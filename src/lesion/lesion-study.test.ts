/**
 * The lesion study on the shipped trained nets: the held-out accuracy of the intact nets and after
 * each single deletion, computed from our compiled ONNX in onnxruntime-node, equals PyTorch's
 * (Debian's torch runs scripts/py/lesion_study.py's `evaluate` on the same weights, once per run).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from '../document/document.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { compile } from '../onnx/compile.ts';
import { PYTHON, torchAvailable } from '../onnx/testing/torch-available.ts';
import { analyze } from '../shape/analyze.ts';
import { decodeSafetensors } from '../weights/safetensors.ts';
import type { WeightStore } from '../weights/types.ts';
import { lesionPlain20, lesionResnet20 } from './nets.ts';
import { countCorrect, lesionPlan, pixelsToInput } from './study.ts';

const pub = (p: string) => new URL(`../../public/${p}`, import.meta.url);
const SCRIPT = new URL('../../scripts/py/lesion_study.py', import.meta.url).pathname;
const NETS = { resnet: 'lesion-resnet20', plain: 'lesion-plain20' } as const;
type Net = keyof typeof NETS;

interface TorchStudy {
  readonly images: number;
  readonly intact: { readonly correct: number };
  readonly lesions: readonly { readonly target: string; readonly correct: number }[];
}

function shipped(net: Net): { doc: ResidualDocument; weights: WeightStore } {
  const { doc } = parseDocument(readFileSync(pub(`models/${NETS[net]}.project.json`), 'utf8'));
  if (!doc) throw new Error(`${NETS[net]}.project.json does not parse`);
  const { store } = decodeSafetensors(readFileSync(pub(`models/${NETS[net]}.weights.safetensors`)));
  if (!store) throw new Error(`${NETS[net]}.weights.safetensors does not decode`);
  return { doc, weights: store };
}

const pixels = new Uint8Array(readFileSync(pub('data/fashion-mnist-test-2000.bin')));
const labels = new Uint8Array(readFileSync(pub('data/fashion-mnist-test-2000-labels.bin')));

/** Correct top-1 predictions of a document (with the shipped weights) on the 2,000 held-out images, in onnxruntime-node. */
async function correctOf(doc: ResidualDocument, weights: WeightStore): Promise<number> {
  const c = compile(doc, { weights });
  if (!c.bytes) throw new Error(c.diagnostics[0]?.message);
  expect(new Set(c.weightSources.values())).toEqual(new Set(['trained']));
  const session = await ort.InferenceSession.create(c.bytes, { logSeverityLevel: 3, intraOpNumThreads: 2 });
  try {
    let correct = 0;
    for (let start = 0; start < labels.length; start += 500) {
      const n = Math.min(500, labels.length - start);
      const input = pixelsToInput(pixels, start, n, doc.input.mean?.[0], doc.input.std?.[0]);
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [n, 1, 28, 28]) });
      const logits = out[session.outputNames[0]!]!;
      correct += countCorrect(logits.data as Float32Array, Number(logits.dims[1]), labels, start);
    }
    return correct;
  } finally {
    await session.release();
  }
}

describe('the shipped lesion-study nets', () => {
  it('are the architectures of src/lesion/nets.ts with trained weights for every layer', () => {
    for (const [net, arch] of [['resnet', lesionResnet20()], ['plain', lesionPlain20()]] as const) {
      const { doc, weights } = shipped(net);
      expect(analyze(doc).layers.map((l) => [l.name, l.op, l.owner])).toEqual(analyze(arch).layers.map((l) => [l.name, l.op, l.owner]));
      expect(doc.weights?.uri).toBe(`/models/${NETS[net]}.weights.safetensors`);
      expect([...weights.values()].every((t) => t.origin === 'trained')).toBe(true);
    }
  });
});

describe.skipIf(!torchAvailable())('lesion study: onnxruntime on our compiled ONNX equals PyTorch', () => {
  let dir = '';
  const torch = {} as Record<Net, TorchStudy>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rs-lesion-'));
    for (const net of ['resnet', 'plain'] as const) {
      const out = join(dir, `${net}.json`);
      execFileSync(PYTHON, [SCRIPT, 'evaluate', '--kind', net, '--weights', pub(`models/${NETS[net]}.weights.safetensors`).pathname, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
      torch[net] = JSON.parse(readFileSync(out, 'utf8')) as TorchStudy;
    }
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const net of ['resnet', 'plain'] as const) {
    it(`${net}: the same deletions, and the same held-out accuracy after each (within 2 of 2,000 images)`, async () => {
      const { doc, weights } = shipped(net);
      const plan = lesionPlan(doc);
      const ref = torch[net];
      expect(ref.images).toBe(2000);
      expect(plan.slice(1).map((v) => v.target!.name)).toEqual(ref.lesions.map((l) => l.target));
      const ours = [];
      for (const v of plan) ours.push(await correctOf(v.doc, weights));
      const theirs = [ref.intact.correct, ...ref.lesions.map((l) => l.correct)];
      for (let i = 0; i < plan.length; i++) expect(Math.abs(ours[i]! - theirs[i]!), plan[i]!.target?.name ?? 'intact').toBeLessThanOrEqual(2);
    }, 600_000);
  }

  it('shows the paper’s effect: a deleted block costs the residual net less than a deleted layer costs the plain net', () => {
    const drop = (s: TorchStudy) => s.lesions.reduce((a, l) => a + (s.intact.correct - l.correct), 0) / s.lesions.length / s.images;
    expect(drop(torch.resnet)).toBeLessThan(drop(torch.plain));
    // Every deletion from the plain net leaves it far below its intact accuracy.
    for (const l of torch.plain.lesions) expect(l.correct, l.target).toBeLessThan(torch.plain.intact.correct * 0.8);
  });
});
