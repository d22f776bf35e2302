/**
 * The training compiler through inverted residual blocks: one SGD step of a tiny MobileNetV2 (our
 * template's builder at width 0.25: blocks 8 → 8 with t = 1 and the identity, 8 → 16 with t = 6,
 * stride 2 and no shortcut, 16 → 16 with t = 6 and the identity) against torchvision's own
 * MobileNetV2 module of that shape in train mode (scripts/py/train_reference.py). ReLU6's gradient
 * (torch's hardtanh backward), the depthwise convs' and BN's in train mode all take part: the loss
 * agrees within 1e-5 relative, and every parameter, BN running statistic and momentum buffer
 * changes by what torch's float32 step changes it within 1e-3 — or ours is no further from the exact
 * change (torch in float64) than 8 times torch's own float32 error, or within 1e-3 of the exact
 * change for the ReLU6 decisions our forward took (an input within rounding of 0 or 6 may land on
 * either side in two float32 forwards: step.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { mobilenetV2 } from '../templates/templates.ts';
import { compileTraining } from './compile-training.ts';
import type { HostTensor } from './loop.ts';
import { DEFAULT_SGD, nextName } from './options.ts';
import { openNode, randomArray, withReluDecisions } from './testing/graph.ts';
import { compareChange, torchReference, type RefTensor } from './testing/torch-reference.ts';
import { torchAvailable } from '../onnx/testing/torch-available.ts';

const BATCH = 4;

describe.skipIf(!torchAvailable())('a training step through inverted residual blocks matches PyTorch', () => {
  it('tiny MobileNetV2 (torchvision\'s module): loss and every updated tensor after one SGD step', async () => {
    const doc = mobilenetV2({ input: { channels: 3, height: 32, width: 32 }, classes: 10 }, { stem: 8, setting: [[1, 8, 1, 1], [6, 16, 2, 2]], last: 1280, dropout: 0 });
    expect(doc.nodes.filter((n) => n.op === 'InvertedResidual')).toHaveLength(3);
    const optimizer = { ...DEFAULT_SGD, lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };
    const r = compileTraining(doc, { optimizer, batch: BATCH, stateInitializers: false });
    expect(r.bytes, r.diagnostics.map((d) => d.message).join('; ')).toBeDefined();
    const start = r.initialState();
    const dims = [BATCH, 3, 32, 32];
    const input = randomArray(dims.reduce((a, b) => a * b), 41, 2);
    const target = BigInt64Array.from({ length: BATCH }, (_, i) => BigInt((i * 7 + 3) % 10));
    const decisions = withReluDecisions(r.model!);
    const runner = await openNode(decisions.bytes);
    const feeds: Record<string, HostTensor> = { input: { data: input, dims }, target: { data: target, dims: [BATCH] }, lr: { data: Float32Array.of(optimizer.lr), dims: [] } };
    for (const s of r.state) feeds[s.name] = { data: start.get(s.name)!, dims: s.dims };
    const out = await runner.run(feeds);
    await runner.release?.();

    const state = new Map<string, RefTensor>(r.state.filter((s) => s.role !== 'optimizer').map((s) => [s.name, { data: start.get(s.name)!, dims: s.dims }]));
    const ref = { model: { arch: 'tiny-mobilenet_v2' }, state, data: new Map<string, RefTensor>([['input', { data: input, dims: [1, ...dims] }], ['target', { data: target, dims: [1, BATCH] }]]), optimizer, labelSmoothing: 0, frozen: [] };
    const [f32, f64, same] = torchReference([
      { ...ref, name: 'tiny-mobilenet_v2' },
      { ...ref, name: 'tiny-mobilenet_v2 (float64)', dtype: 'float64' },
      { ...ref, name: 'tiny-mobilenet_v2 (float64, our ReLU6 decisions)', dtype: 'float64', data: new Map([...ref.data, ...decisions.masks(out)]) },
    ]);
    const flips = (same!.get('relu_flips')!.data as Float32Array)[0]!;
    console.info(`tiny MobileNetV2: ${flips} of our forward's ReLU6 decisions differ from float64's`);

    const loss = (out['loss']!.data as Float32Array)[0]!;
    const theirs = (f32!.get('loss')!.data as Float32Array)[0]!;
    expect(Math.abs(loss - theirs) / Math.abs(theirs)).toBeLessThanOrEqual(1e-5);
    const failures: string[] = [];
    let checked = 0;
    for (const s of r.state) {
      const torch = f32!.get(nextName(s.name));
      if (!torch) {
        failures.push(`torch has no ${nextName(s.name)}`);
        continue;
      }
      const before = start.get(s.name)!;
      const ours = out[nextName(s.name)]!.data as Float32Array;
      const d = compareChange(before, ours, torch.data as Float32Array);
      if (!(d <= 1e-3)) {
        const exact = f64!.get(nextName(s.name))!.data as Float32Array;
        const [ours64, torch64] = [compareChange(before, ours, exact), compareChange(before, torch.data as Float32Array, exact)];
        const oursSame = compareChange(before, ours, same!.get(nextName(s.name))!.data as Float32Array);
        if (!(ours64 <= 8 * torch64) && !(oursSame <= 1e-3))
          failures.push(`${s.name}: ${d.toExponential(2)} off torch's float32 change, ${ours64.toExponential(2)} off the exact one (torch's float32: ${torch64.toExponential(2)}), ${oursSame.toExponential(2)} off the exact one for our ${flips} different ReLU6 decisions`);
      }
      checked++;
    }
    expect(failures).toEqual([]);
    // Every block's depthwise conv, projection and BN statistics were among them.
    expect(checked).toBeGreaterThan(40);
    expect(r.state.map((s) => s.name)).toContain('features.2.conv.1.0.weight');
  }, 120_000);
});
