/**
 * The training compiler through user-defined blocks: networks whose blocks come from the
 * document's block library (`SiluDown` used twice with its own width and stride, `MyBlock` used
 * twice alike) take two SGD steps (momentum, weight decay, batch 2) in onnxruntime-node, and
 * PyTorch takes the same steps on the same start (scripts/py/train_reference.py running the
 * network's layers with torch.nn.functional). The losses agree within 1e-5 relative, and every
 * parameter, BN running statistic and momentum buffer changes by what torch's float32 steps change
 * it within 1e-3 — or, as step.test.ts allows where float32 cannot say it that closely, ours is no
 * further from the exact change (torch in float64) than 8 times torch's own error.
 */
import { describe, expect, it } from 'vitest';
import { siluDownTwice, twoInstances } from '../blocks/testing/user-blocks.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { torchAvailable } from '../onnx/testing/torch-available.ts';
import { compileTraining } from './compile-training.ts';
import type { HostTensor } from './loop.ts';
import { DEFAULT_SGD, nextName } from './options.ts';
import { openNode, randomArray } from './testing/graph.ts';
import { compareChange, layersJson, torchReference, type RefTensor, type TorchCase } from './testing/torch-reference.ts';

const BATCH = 2;
const STEPS = 2;
const optimizer = { ...DEFAULT_SGD, lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };

async function ourSteps(doc: ResidualDocument, seed: number) {
  const r = compileTraining(doc, { optimizer, batch: BATCH, stateInitializers: false });
  expect(r.bytes, r.diagnostics.map((d) => d.message).join('; ')).toBeDefined();
  const start = r.initialState();
  const dims = [BATCH, doc.input.channels, doc.input.height, doc.input.width];
  const per = dims.reduce((a, b) => a * b);
  const input = randomArray(per * STEPS, seed, 2);
  const target = BigInt64Array.from({ length: BATCH * STEPS }, (_, i) => BigInt((i * 7 + 3) % r.classes!));
  const runner = await openNode(r.bytes!);
  const state = new Map<string, HostTensor>(r.state.map((s) => [s.name, { data: start.get(s.name)!, dims: s.dims }]));
  const loss: number[] = [];
  for (let k = 0; k < STEPS; k++) {
    const feeds: Record<string, HostTensor> = { input: { data: input.subarray(k * per, (k + 1) * per), dims }, target: { data: target.subarray(k * BATCH, (k + 1) * BATCH), dims: [BATCH] }, lr: { data: Float32Array.of(optimizer.lr), dims: [] } };
    for (const [name, t] of state) feeds[name] = t;
    const out = await runner.run(feeds);
    loss.push((out['loss']!.data as Float32Array)[0]!);
    for (const s of r.state) state.set(s.name, out[nextName(s.name)]!);
  }
  await runner.release?.();
  const ref: TorchCase = {
    name: doc.name,
    model: { layers: layersJson(doc) },
    state: new Map<string, RefTensor>(r.state.filter((s) => s.role !== 'optimizer').map((s) => [s.name, { data: start.get(s.name)!, dims: s.dims }])),
    data: new Map<string, RefTensor>([['input', { data: input, dims: [STEPS, ...dims] }], ['target', { data: target, dims: [STEPS, BATCH] }]]),
    optimizer,
    labelSmoothing: 0,
    frozen: [],
  };
  return { r, start, state, loss, ref };
}

describe.skipIf(!torchAvailable())('a training step through user-defined blocks matches PyTorch', () => {
  it('two SGD steps of nets with user blocks: losses and every updated tensor', async () => {
    const docs = [siluDownTwice().doc, twoInstances().doc];
    expect(docs.map((d) => d.nodes.filter((n) => n.op.startsWith('user:')).length)).toEqual([2, 2]);
    const ours = [];
    for (const [i, doc] of docs.entries()) ours.push(await ourSteps(doc, 60 + i));
    const refs = torchReference(ours.flatMap((o) => [o.ref, { ...o.ref, name: `${o.ref.name} (float64)`, dtype: 'float64' as const }]));
    const failures: string[] = [];
    ours.forEach((o, i) => {
      const [f32, f64] = [refs[2 * i]!, refs[2 * i + 1]!];
      const tl = f32.get('loss')!.data as Float32Array;
      o.loss.forEach((l, k) => {
        if (!(Math.abs(l - tl[k]!) / Math.abs(tl[k]!) <= 1e-5)) failures.push(`${o.ref.name}: step ${k + 1} loss ${l} vs torch ${tl[k]}`);
      });
      for (const s of o.r.state) {
        const torch = f32.get(nextName(s.name));
        if (!torch) {
          failures.push(`${o.ref.name}: torch has no ${nextName(s.name)}`);
          continue;
        }
        const before = o.start.get(s.name)!;
        const after = o.state.get(s.name)!.data as Float32Array;
        const d = compareChange(before, after, torch.data as Float32Array);
        if (d <= 1e-3) continue;
        const exact = f64.get(nextName(s.name))!.data as Float32Array;
        const [ours64, torch64] = [compareChange(before, after, exact), compareChange(before, torch.data as Float32Array, exact)];
        if (!(ours64 <= 8 * torch64)) failures.push(`${o.ref.name}: ${s.name} ${d.toExponential(2)} off torch's float32 change, ${ours64.toExponential(2)} off the exact one (torch's: ${torch64.toExponential(2)})`);
      }
    });
    expect(failures).toEqual([]);
    // The blocks' inner layers were among the tensors trained: both instances of each block, under their instance's names.
    const names = ours.flatMap((o) => o.r.state.map((s) => s.name));
    for (const n of ['down1.conv1.weight', 'down2.conv2.bias', 'down2.bn1.running_var', 'down2.proj.weight.momentum_buffer', 'block1.bn2.weight', 'myblock_1.conv2.weight']) expect(names).toContain(n);
  }, 120_000);
});
