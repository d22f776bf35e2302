// Makes the app's default document from the trained Fashion-MNIST net, through the same import
// path a user's ONNX file takes (importOnnx): public/models/fashion-resnet.onnx (written by
// scripts/py/train_fashion_mnist.py) -> fashion-resnet.project.json (the editable document) and
// fashion-resnet.weights.safetensors (its weights, bound to their layers), laid out top-down.
//   npx tsx scripts/make-default-model.ts
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { layoutDocument } from '../app/canvas/layout.ts';
import { analyze, compile, encodeSafetensors, importOnnx, moveNodes, serializeDocument } from '../src/index.ts';

const dir = new URL('../public/models/', import.meta.url);
const card = JSON.parse(readFileSync(new URL('fashion-resnet.json', dir), 'utf8')) as { mean: number[]; std: number[]; testAccuracy: number };
const r = importOnnx(readFileSync(new URL('fashion-resnet.onnx', dir)), { name: 'Fashion-MNIST ResNet' });
if (!r.doc || !r.weights) throw new Error(`import failed: ${r.diagnostics.map((d) => d.message).join('; ')}`);
// These weights were trained here, by scripts/py/train_fashion_mnist.py: the UI says "trained"
// for them (a user's imported file says "imported").
const trained = new Map([...r.weights].map(([name, t]) => [name, { ...t, origin: 'trained' as const }]));
const weightsBytes = encodeSafetensors(trained, { source: 'scripts/py/train_fashion_mnist.py', testAccuracy: String(card.testAccuracy) });
const sha256 = createHash('sha256').update(weightsBytes).digest('hex');
const imported = {
  ...r.doc,
  name: 'Fashion-MNIST ResNet',
  classes: 10,
  labels: 'fashion-mnist' as const,
  input: { ...r.doc.input, mean: card.mean, std: card.std },
  weights: { uri: '/models/fashion-resnet.weights.safetensors', sha256 },
};
// Shipped laid out as the editor would lay it out (top-down), so it opens without waiting for ELK
// (app/store/default-model.ts); app/canvas/layout-graph.test.ts keeps the two equal.
const doc = moveNodes(imported, await layoutDocument(imported, 'TB'));
const a = analyze(doc);
const errors = a.diagnostics.filter((d) => d.severity === 'error');
if (errors.length) throw new Error(`the imported document has errors: ${errors[0]!.message}`);
const c = compile(doc, { weights: trained, analysis: a });
const sources = new Set(c.weightSources.values());
if (sources.size !== 1 || !sources.has('trained')) throw new Error(`not every layer uses the trained weights: ${[...sources].join(', ')}`);
writeFileSync(new URL('fashion-resnet.weights.safetensors', dir), weightsBytes);
writeFileSync(new URL('fashion-resnet.project.json', dir), serializeDocument(doc));
console.log(`default model: ${a.totals.params} params, blocks ${JSON.stringify(a.totals.blocks)}, weights ${weightsBytes.length} bytes (${sha256.slice(0, 12)})`);
