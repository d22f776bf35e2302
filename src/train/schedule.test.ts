import { describe, expect, it } from 'vitest';
import { checkSchedule, learningRate, schedule } from './schedule.ts';

describe('learning-rate schedules', () => {
  const perEpoch = 10;
  const epochs = 6;
  const total = perEpoch * epochs;
  const perStep = (f: (t: number) => number) => Array.from({ length: total }, (_, t) => f(t));
  const firstOfEachEpoch = (xs: number[]) => xs.filter((_, t) => t % perEpoch === 0);

  it('constant is the rate at every step', () => {
    expect(new Set(perStep((t) => learningRate({ kind: 'constant', lr: 0.1 }, t, total, perEpoch)))).toEqual(new Set([0.1]));
  });

  it('step: torch StepLR(step_size=2, gamma=0.5) stepped once per epoch, held within each epoch', () => {
    // torch: [g['lr'] for each epoch] = 0.1, 0.1, 0.05, 0.05, 0.025, 0.025
    const lrs = perStep((t) => learningRate({ kind: 'step', lr: 0.1, gamma: 0.5, everyEpochs: 2 }, t, total, perEpoch));
    expect(firstOfEachEpoch(lrs).map((v) => Number(v.toPrecision(12)))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    for (let e = 0; e < epochs; e++) expect(new Set(lrs.slice(e * perEpoch, (e + 1) * perEpoch)).size).toBe(1);
  });

  it("cosine per epoch: torch CosineAnnealingLR(T_max=epochs) stepped once per epoch", () => {
    const lrs = perStep((t) => learningRate({ kind: 'cosine', lr: 0.1, per: 'epoch' }, t, total, perEpoch));
    const torch = [0.1, 0.09330127018922195, 0.07500000000000001, 0.05, 0.025000000000000012, 0.006698729810778065]; // Debian's torch 1.13, printed
    firstOfEachEpoch(lrs).forEach((v, e) => expect(v).toBeCloseTo(torch[e]!, 12));
  });

  it('cosine per step (the default): CosineAnnealingLR(T_max=total steps) stepped per batch, decaying towards 0', () => {
    const lrs = perStep((t) => learningRate({ kind: 'cosine', lr: 0.1 }, t, total, perEpoch));
    expect(lrs[0]).toBe(0.1);
    expect(lrs[total / 2]).toBeCloseTo(0.05, 12);
    expect(lrs[total - 1]).toBeCloseTo((0.1 * (1 + Math.cos((Math.PI * (total - 1)) / total))) / 2, 12);
    for (let t = 1; t < total; t++) expect(lrs[t]!).toBeLessThan(lrs[t - 1]!);
  });

  it('warm-up rises linearly to the schedule over its steps (LinearLR(start_factor=1/(w+1), total_iters=w)), then leaves it alone', () => {
    const w = 4;
    const s = schedule({ kind: 'cosine', lr: 0.1, warmupSteps: w });
    const plain = schedule({ kind: 'cosine', lr: 0.1 });
    expect(Array.from({ length: w }, (_, t) => s(t, total, perEpoch) / plain(t, total, perEpoch)).map((r) => Number(r.toFixed(12)))).toEqual([0.2, 0.4, 0.6, 0.8]);
    for (let t = w; t < total; t++) expect(s(t, total, perEpoch)).toBe(plain(t, total, perEpoch));
    // ChainedScheduler([LinearLR(start_factor=1/5, total_iters=4), CosineAnnealingLR(T_max=60)]) in Debian's torch 1.13, printed.
    const torch = [0.020000000000000004, 0.03997259069509148, 0.0598356568610482, 0.0795075336238055, 0.09890738003669027, 0.09829629131445339, 0.09755282581475766, 0.09667902132486006];
    torch.forEach((v, t) => expect(s(t, total, perEpoch)).toBeCloseTo(v, 12));
  });

  it('checkSchedule names what is wrong', () => {
    expect(checkSchedule({ kind: 'constant', lr: 0.1 })).toBeUndefined();
    expect(checkSchedule({ kind: 'constant', lr: 0 })).toMatch(/above 0/);
    expect(checkSchedule({ kind: 'step', lr: 0.1, gamma: 0.1, everyEpochs: 0 })).toMatch(/at least 1/);
    expect(checkSchedule({ kind: 'cosine', lr: 0.1, warmupSteps: 1.5 })).toMatch(/whole number/);
  });
});
