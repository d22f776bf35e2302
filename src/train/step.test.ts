import { describe, expect, it } from 'vitest';
import type { ResidualDocument } from '../graph/types.ts';
import { buildTemplate } from '../templates/templates.ts';
import { compileTraining } from './compile-training.ts';
import { DEFAULT_ADAMW, DEFAULT_SGD, nextName, STEP, type StateTensor, type TrainingOptions } from './options.ts';
import { openNode, randomArray, withReluDecisions } from './testing/graph.ts';
import { compareChange, torchReference, type RefTensor, type TorchCase } from './testing/torch-reference.ts';
import type { HostTensor } from './loop.ts';

/**
 * Whole networks, a few training steps from the same start on the same batches: our step file in
 * onnxruntime-node against torch (torchvision's or our reference modules, model.train(), torch.optim).
 * The loss agrees within 1e-5 relative. Every tensor the step updates — parameters, BN running
 * statistics, optimiser state — changes by what torch's float32 step changes it within 1e-3
 * relative, or, where the two float32 steps part:
 *
 * A ReLU input within float32 rounding of zero lands on either side in two float32 forwards, and
 * its gradient flows in one and not the other. Measured on Plain CIFAR-20 (fresh, batch 8): the
 * pre-activations of layer3.1.bn2 are off the float64 ones by a median 3.3e-6 in our forward and
 * 3.5e-6 in torch's — the same — but one element (exact +3.37e-6) came out −3.49e-6 in ours and
 * +5.31e-6 in torch's; that one element moved layer3.1.bn2.bias's gradient 6% and everything below
 * it by 1e-3…1e-1, with no float32 arithmetic of ours worse than torch's. So a case with
 * `sameDecisions` (one step) runs torch once more, in float64, taking our first step's ReLU
 * decisions (train_reference.py's relu masks): a change that misses torch's float32 one must be
 * within 1e-3 of that exact answer to the same decisions. Plain CIFAR-20: 1 decision differs, ours
 * then within 5e-5; ResNet-18 at batch 4, whose deep layers looked ill-conditioned (torch's own
 * float32 change of layer4.1.conv1 11% off float64): 2 differ, ours then within 3e-4.
 *
 * Other cases: ours is no further from the exact change (torch in float64) than FLOAT32_SLACK times
 * torch's own float32 step is. ResNet-50 at batch 4 (torch's float32 change of layer4.0.conv3 12%
 * off float64; ours up to 4.9× further) is left there: given our decisions (116 differ) ours was
 * still 1.45e-2 off somewhere, not yet explained, and its float64 rerun costs over a minute.
 * (A corrected two-pass BatchNorm mean brought ResNet-18 to torch's level but took Plain CIFAR-20
 * away from it; the one-pass mean kept here follows torch's float32 arithmetic more closely.)
 */
const FLOAT32_SLACK = 8;
interface Case {
  readonly name: string;
  readonly doc: ResidualDocument;
  readonly arch: string;
  readonly batch: number;
  readonly steps: number;
  readonly opts: TrainingOptions & { readonly optimizer: NonNullable<TrainingOptions['optimizer']> };
  /** Start AdamW at this step, with seeded moments. */
  readonly seedMoments?: number;
  /** One step; also measured against float64 torch taking our forward's ReLU decisions. */
  readonly sameDecisions?: boolean;
}

const sgd = { ...DEFAULT_SGD, lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };
const adamw = { ...DEFAULT_ADAMW, lr: 3e-3, weightDecay: 0.05 };
const freezeNodes = (doc: ResidualDocument, names: readonly string[]): ResidualDocument => ({ ...doc, nodes: doc.nodes.map((n) => (names.includes(n.name) ? { ...n, frozen: true } : n)) });

const CASES: readonly Case[] = [
  { name: 'ResNet-18, 224×224, batch 4, SGD momentum + weight decay', doc: buildTemplate('resnet18')!, arch: 'resnet18', batch: 4, steps: 1, opts: { optimizer: sgd }, sameDecisions: true },
  { name: 'ResNet-50, 224×224, batch 4, SGD momentum + weight decay', doc: buildTemplate('resnet50')!, arch: 'resnet50', batch: 4, steps: 1, opts: { optimizer: sgd } },
  { name: 'CIFAR ResNet-20 (option A), 3 steps, Nesterov', doc: buildTemplate('cifar-resnet20')!, arch: 'cifar-resnet20', batch: 8, steps: 3, opts: { optimizer: { ...sgd, nesterov: true } } },
  { name: 'Plain CIFAR-20, one step', doc: buildTemplate('plain-cifar20')!, arch: 'plain-cifar20', batch: 8, steps: 1, opts: { optimizer: sgd }, sameDecisions: true },
  { name: 'CIFAR ResNet-20, 3 steps, compiled for the CPU EP (target cpu)', doc: buildTemplate('cifar-resnet20')!, arch: 'cifar-resnet20', batch: 8, steps: 3, opts: { optimizer: sgd, target: 'cpu' } },
  { name: 'Fashion-MNIST ResNet (the default), 3 steps, label smoothing 0.1', doc: buildTemplate('fashion-resnet')!, arch: 'fashion-resnet', batch: 16, steps: 3, opts: { optimizer: sgd, labelSmoothing: 0.1 } },
  // The first step from zero moments is lr·g/(|g| + ε) per element: with ε = 1e-8 an element whose
  // gradient is below float32's noise would take a step of arbitrary sign in any implementation.
  { name: 'Fashion-MNIST ResNet, AdamW (ε 1e-6), first step', doc: buildTemplate('fashion-resnet')!, arch: 'fashion-resnet', batch: 16, steps: 1, opts: { optimizer: { ...adamw, eps: 1e-6 } } },
  // From moments already built up (as mid-training): AdamW divides each gradient by its own running
  // size, so from zero moments an element whose gradient nearly cancels between steps turns float32
  // noise into a full step in any implementation; torch's state dict carries step and moments too.
  { name: 'Fashion-MNIST ResNet, AdamW from step 10, 3 steps', doc: buildTemplate('fashion-resnet')!, arch: 'fashion-resnet', batch: 16, steps: 3, opts: { optimizer: adamw }, seedMoments: 10 },
  { name: 'Fashion-MNIST ResNet, stem and first stage frozen, 2 steps', doc: freezeNodes(buildTemplate('fashion-resnet')!, ['conv1', 'bn1', 'layer1']), arch: 'fashion-resnet', batch: 16, steps: 2, opts: { optimizer: sgd } },
];

/** AdamW moments as after `step` steps: exp_avg ~ ±1e-3, exp_avg_sq ≥ 1e-6, seeded. */
function seededMoments(state: readonly StateTensor[], step: number, seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>([[STEP.step, Float32Array.of(step)]]);
  state.forEach((s, i) => {
    const n = s.dims.reduce((a, b) => a * b, 1);
    if (s.name.endsWith('.exp_avg')) out.set(s.name, randomArray(n, 900 + seed * 1000 + i, 1e-3));
    if (s.name.endsWith('.exp_avg_sq')) out.set(s.name, randomArray(n, 700 + seed * 1000 + i, 1e-6).map((v) => 2e-6 + v));
  });
  return out;
}

describe('a training step matches PyTorch', () => {
  it('loss, logits and every updated tensor, per network', async () => {
    const ours: { loss: number[]; logits: Float32Array[]; state: Map<string, HostTensor>; start: ReadonlyMap<string, Float32Array>; frozen: string[] }[] = [];
    const refCases: TorchCase[] = [];
    const refIndex: number[] = [];
    for (const [ci, c] of CASES.entries()) {
      const moments = c.seedMoments ? seededMoments(compileTraining(c.doc, { ...c.opts, batch: c.batch }).state, c.seedMoments, ci) : undefined;
      const r = compileTraining(c.doc, { ...c.opts, batch: c.batch, stateInitializers: false, ...(moments ? { optimizerState: moments } : {}) });
      expect(r.bytes, `${c.name}: ${r.diagnostics.map((d) => d.message).join('; ')}`).toBeDefined();
      const start = r.initialState();
      const dims = [c.batch, c.doc.input.channels, c.doc.input.height, c.doc.input.width];
      const per = dims.reduce((a, b) => a * b);
      const inputs = randomArray(per * c.steps, 500 + ci, 2);
      const classes = r.classes!;
      const targets = BigInt64Array.from({ length: c.batch * c.steps }, (_, i) => BigInt((i * 7 + ci) % classes));
      const decisions = c.sameDecisions ? withReluDecisions(r.model!) : undefined;
      const runner = await openNode(decisions?.bytes ?? r.bytes!);
      let reluMasks = new Map<string, RefTensor>();
      const state = new Map<string, HostTensor>(r.state.map((s) => [s.name, { data: start.get(s.name)!, dims: s.dims }]));
      const loss: number[] = [];
      const logits: Float32Array[] = [];
      for (let k = 0; k < c.steps; k++) {
        const feeds: Record<string, HostTensor> = {
          input: { data: inputs.subarray(k * per, (k + 1) * per), dims },
          target: { data: targets.subarray(k * c.batch, (k + 1) * c.batch), dims: [c.batch] },
          lr: { data: Float32Array.of(c.opts.optimizer!.lr), dims: [] },
        };
        for (const [name, t] of state) feeds[name] = t;
        const out = await runner.run(feeds);
        if (k === 0 && decisions) reluMasks = decisions.masks(out);
        loss.push((out['loss']!.data as Float32Array)[0]!);
        logits.push(out['logits']!.data as Float32Array);
        for (const s of r.state) state.set(s.name, out[nextName(s.name)]!);
      }
      await runner.release?.();
      const frozen = r.state.filter((s) => s.role === 'frozen').map((s) => s.name);
      ours.push({ loss, logits, state, start, frozen });
      const torchState = new Map<string, RefTensor>(r.state.filter((s) => s.role !== 'optimizer' || moments).map((s) => [s.name, { data: start.get(s.name)!, dims: s.dims }]));
      const ref: TorchCase = {
        name: c.name,
        model: { arch: c.arch },
        state: torchState,
        data: new Map<string, RefTensor>([
          ['input', { data: inputs, dims: [c.steps, ...dims] }],
          ['target', { data: targets, dims: [c.steps, c.batch] }],
        ]),
        optimizer: c.opts.optimizer!,
        labelSmoothing: c.opts.labelSmoothing ?? 0,
        frozen,
      };
      refIndex.push(refCases.length);
      refCases.push(ref, { ...ref, name: `${c.name} (float64)`, dtype: 'float64' });
      if (c.sameDecisions) refCases.push({ ...ref, name: `${c.name} (float64, our ReLU decisions)`, dtype: 'float64', data: new Map([...ref.data, ...reluMasks]) });
    }
    const refs = torchReference(refCases);
    const failures: string[] = [];
    CASES.forEach((c, i) => {
      const o = ours[i]!;
      const ref = refs[refIndex[i]!]!;
      const exact = refs[refIndex[i]! + 1]!;
      const sameExact = c.sameDecisions ? refs[refIndex[i]! + 2]! : undefined;
      const flips = sameExact ? (sameExact.get('relu_flips')!.data as Float32Array)[0]! : 0;
      let worstSame = 0;
      const tl = ref.get('loss')!.data as Float32Array;
      const el = exact.get('loss')!.data as Float32Array;
      o.loss.forEach((l, k) => {
        const d = Math.abs(l - tl[k]!) / Math.abs(tl[k]!);
        // Past the first step a float32 trajectory may drift from torch's as torch's drifts from the exact one.
        const drift = Math.abs(l - el[k]!) <= 2 * Math.abs(tl[k]! - el[k]!);
        if (!(d <= 1e-5) && !(k > 0 && drift)) failures.push(`${c.name}: step ${k + 1} loss ${l} vs torch ${tl[k]} (${d.toExponential(2)}), exact ${el[k]}`);
      });
      let checked = 0;
      let worst32 = 0;
      let worstRatio = 0;
      for (const [name, t] of o.state) {
        const theirs = ref.get(nextName(name));
        if (!theirs) {
          failures.push(`${c.name}: torch has no ${nextName(name)}`);
          continue;
        }
        const before = o.start.get(name) ?? new Float32Array(t.data.length);
        const d = compareChange(before, t.data as Float32Array, theirs.data as Float32Array);
        worst32 = Math.max(worst32, d);
        if (!(d <= 1e-3)) {
          const e = exact.get(nextName(name))!.data as Float32Array;
          const ours64 = compareChange(before, t.data as Float32Array, e);
          const torch64 = compareChange(before, theirs.data as Float32Array, e);
          const same = sameExact ? compareChange(before, t.data as Float32Array, sameExact.get(nextName(name))!.data as Float32Array) : Infinity;
          if (sameExact) worstSame = Math.max(worstSame, same);
          else worstRatio = Math.max(worstRatio, ours64 / torch64);
          if (sameExact ? !(same <= 1e-3) : !(ours64 <= FLOAT32_SLACK * torch64))
            failures.push(
              `${c.name}: ${name} changed ${d.toExponential(2)} off torch's float32 change, ${ours64.toExponential(2)} off the exact one (torch's float32: ${torch64.toExponential(2)})` +
                (sameExact ? `, ${same.toExponential(2)} off the exact one for our ReLU decisions (${flips} differ from float64's)` : ''),
            );
        }
        if (o.frozen.includes(name) && compareChange(before, t.data as Float32Array, before) !== 0) failures.push(`${c.name}: frozen ${name} changed`);
        checked++;
      }
      console.info(
        `${c.name}: losses ${o.loss.map((l) => l.toFixed(5)).join(', ')} (torch ${[...tl].map((l) => l.toFixed(5)).join(', ')}, exact ${[...el].map((l) => l.toFixed(5)).join(', ')}); ${checked} state tensors; worst change vs torch float32 ${worst32.toExponential(2)}` +
          (worstRatio > 0 ? `; beyond 1e-3, ours off float64 at most ${worstRatio.toFixed(2)}× torch float32's own error` : '') +
          (sameExact ? `; ${flips} of our first step's ReLU decisions differ from float64's; beyond 1e-3, ours off float64 for our decisions at most ${worstSame.toExponential(2)}` : ''),
      );
    });
    expect(failures).toEqual([]);
  }, 600_000);
});
