import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument, serializeDocument } from '../document/document.ts';
import { analyze } from '../shape/analyze.ts';
import { compile } from '../onnx/compile.ts';
import { importOnnx } from '../onnx/import/index.ts';
import { runOrt } from '../onnx/testing/run-ort.ts';
import { tensorFromGray } from '../input/preprocess.ts';
import { decodeSafetensors } from '../weights/safetensors.ts';

const pub = (p: string) => new URL(`../../public/${p}`, import.meta.url);

/**
 * The app's default model: a residual net trained on Fashion-MNIST (scripts/py/train_fashion_mnist.py),
 * shipped as ONNX and brought in through the same import path users' files take
 * (scripts/make-default-model.ts).
 */
describe('the default trained model', () => {
  const { doc } = parseDocument(readFileSync(pub('models/fashion-resnet.project.json'), 'utf8'));
  const { store } = decodeSafetensors(readFileSync(pub('models/fashion-resnet.weights.safetensors')));

  it('is exactly what importing the shipped ONNX gives (laid out: app/canvas/layout-graph.test.ts checks the positions)', () => {
    const r = importOnnx(readFileSync(pub('models/fashion-resnet.onnx')), { name: 'Fashion-MNIST ResNet' });
    expect(r.doc).toBeDefined();
    const at = new Map(doc!.nodes.map((n) => [n.id, n.position]));
    const rebuilt = {
      ...r.doc!,
      nodes: r.doc!.nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position })),
      name: doc!.name,
      classes: doc!.classes,
      labels: doc!.labels,
      input: doc!.input,
      weights: doc!.weights,
    };
    expect(JSON.parse(serializeDocument(rebuilt))).toEqual(JSON.parse(serializeDocument(doc!)));
    expect([...r.weights!.keys()].sort()).toEqual([...store!.keys()].sort());
  });

  it('is a residual net of under 100k parameters with identity and projection blocks', () => {
    const a = analyze(doc!);
    expect(a.diagnostics).toEqual([]);
    expect(a.totals.params).toBeLessThan(100_000);
    expect(a.totals.blocks).toEqual({ identity: 2, projection: 2, zeroPad: 0 });
  });

  it('classifies ≥ 90% of 2000 held-out Fashion-MNIST test images correctly, with every layer trained', async () => {
    const c = compile(doc!, { weights: store! });
    expect(new Set(c.weightSources.values())).toEqual(new Set(['trained']));
    const images = readFileSync(pub('data/fashion-mnist-test-2000.bin'));
    const labels = readFileSync(pub('data/fashion-mnist-test-2000-labels.bin'));
    const n = labels.length;
    const hw = 28 * 28;
    const batch = new Float32Array(n * hw);
    for (let i = 0; i < n; i++) batch.set(tensorFromGray(images.subarray(i * hw, (i + 1) * hw), doc!.input).data, i * hw);
    const out = (await runOrt(c.bytes!, batch, [n, 1, 28, 28]))['logits']!.data;
    let right = 0;
    for (let i = 0; i < n; i++) {
      const row = out.subarray(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === labels[i]) right++;
    }
    const accuracy = right / n;
    console.info(`default model accuracy on ${n} held-out images: ${(accuracy * 100).toFixed(2)}%`);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    // And the same as PyTorch measured on exactly these images.
    const card = JSON.parse(readFileSync(pub('models/fashion-resnet.json'), 'utf8')) as { heldOutAccuracy: number };
    expect(Math.abs(accuracy - card.heldOutAccuracy)).toBeLessThanOrEqual(0.001);
  }, 120_000);
});
