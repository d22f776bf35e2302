/**
 * Learning-rate schedules as pure functions of the step: `lr(step, totalSteps, stepsPerEpoch)`,
 * with `step` counted from 0 over the whole run. Each matches a torch scheduler:
 *
 * | schedule | value at step t (epoch e = ⌊t / stepsPerEpoch⌋, E epochs, T = totalSteps) | torch |
 * |---|---|---|
 * | constant | lr | none |
 * | step | lr · γ^⌊e / k⌋ | `StepLR(opt, step_size=k, gamma=γ)`, `.step()` once per epoch |
 * | cosine, `per: 'step'` (default) | lr · (1 + cos(π t / T)) / 2 | `CosineAnnealingLR(opt, T_max=T)`, `.step()` once per batch |
 * | cosine, `per: 'epoch'` | lr · (1 + cos(π e / E)) / 2 | `CosineAnnealingLR(opt, T_max=E)`, `.step()` once per epoch |
 *
 * (E = T / stepsPerEpoch; cosine decays to 0 over the run, torch's `eta_min=0`.)
 *
 * Warm-up over the first w steps multiplies the schedule by (t + 1) / (w + 1) for t < w: the rate
 * rises linearly from lr/(w+1) to the full rate at step w — torch's
 * `LinearLR(opt, start_factor=1/(w+1), total_iters=w)`, stepped per batch and chained with the
 * main schedule (`ChainedScheduler`: the main schedule is not shifted by the warm-up).
 */

/** A learning-rate schedule, as data (saved with a run, shown in the app). */
export type ScheduleSpec =
  | { readonly kind: 'constant'; readonly lr: number; readonly warmupSteps?: number }
  | { readonly kind: 'step'; readonly lr: number; readonly gamma: number; readonly everyEpochs: number; readonly warmupSteps?: number }
  | { readonly kind: 'cosine'; readonly lr: number; readonly per?: 'step' | 'epoch'; readonly warmupSteps?: number };

/** The learning rate of one step. */
export type LrSchedule = (step: number, totalSteps: number, stepsPerEpoch: number) => number;

/**
 * The rate of `spec` at `step` (0-based) of a run of `totalSteps` steps, `stepsPerEpoch` per epoch.
 *
 * @example
 * ```ts
 * learningRate({ kind: 'step', lr: 0.1, gamma: 0.1, everyEpochs: 30 }, 30 * 390, 90 * 390, 390); // 0.01
 * ```
 */
export function learningRate(spec: ScheduleSpec, step: number, totalSteps: number, stepsPerEpoch: number): number {
  const perEpoch = Math.max(1, stepsPerEpoch);
  const epoch = Math.floor(step / perEpoch);
  let lr: number;
  switch (spec.kind) {
    case 'constant':
      lr = spec.lr;
      break;
    case 'step':
      lr = spec.lr * spec.gamma ** Math.floor(epoch / Math.max(1, spec.everyEpochs));
      break;
    case 'cosine': {
      const [t, T] = spec.per === 'epoch' ? [epoch, Math.max(1, Math.round(totalSteps / perEpoch))] : [step, Math.max(1, totalSteps)];
      lr = (spec.lr * (1 + Math.cos((Math.PI * Math.min(t, T)) / T))) / 2;
      break;
    }
  }
  const w = Math.max(0, Math.floor(spec.warmupSteps ?? 0));
  return step < w ? (lr * (step + 1)) / (w + 1) : lr;
}

/** {@link learningRate} of one spec, as a function. */
export const schedule = (spec: ScheduleSpec): LrSchedule => (step, total, perEpoch) => learningRate(spec, step, total, perEpoch);

/** What is wrong with a spec, in words, or undefined when it can be used. */
export function checkSchedule(spec: ScheduleSpec): string | undefined {
  if (!(Number.isFinite(spec.lr) && spec.lr > 0)) return `the learning rate must be a number above 0 (got ${spec.lr})`;
  if (spec.warmupSteps !== undefined && !(Number.isInteger(spec.warmupSteps) && spec.warmupSteps >= 0)) return `warm-up must be a whole number of steps (got ${spec.warmupSteps})`;
  if (spec.kind === 'step') {
    if (!(Number.isFinite(spec.gamma) && spec.gamma > 0)) return `the step schedule's gamma must be a number above 0 (got ${spec.gamma})`;
    if (!(Number.isInteger(spec.everyEpochs) && spec.everyEpochs >= 1)) return `the step schedule's step must be a whole number of epochs, at least 1 (got ${spec.everyEpochs})`;
  }
  return undefined;
}
