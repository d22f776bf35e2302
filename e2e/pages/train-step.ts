import type { Page } from '@playwright/test';
import { openApp } from './editor.ts';
import type { TrainOpenOut } from '../../app/runtime/train-protocol.ts';
import type { B64Tensor, PageOpen, PageSteps, PageStepsOut, TrainStepPage } from '../../app/train-step.ts';

/** The test-only training page (`app/train-step.html`): the training worker, driven from Node. */
export class TrainStep {
  constructor(readonly page: Page) {}

  async goto() {
    await openApp(this.page, '/train-step.html');
    await this.page.waitForFunction(() => Boolean((window as unknown as { __rsTrainStep?: TrainStepPage }).__rsTrainStep));
  }
  open(o: PageOpen): Promise<TrainOpenOut> {
    return this.page.evaluate((a) => (window as unknown as { __rsTrainStep: TrainStepPage }).__rsTrainStep.open(a), o);
  }
  steps(s: PageSteps): Promise<PageStepsOut> {
    return this.page.evaluate((a) => (window as unknown as { __rsTrainStep: TrainStepPage }).__rsTrainStep.steps(a), s);
  }
  close(): Promise<void> {
    return this.page.evaluate(() => (window as unknown as { __rsTrainStep: TrainStepPage }).__rsTrainStep.close());
  }
  cancelDuring(s: PageSteps, afterMs: number): Promise<{ readonly message: string; readonly totalAfter: number }> {
    return this.page.evaluate(([a, ms]) => (window as unknown as { __rsTrainStep: TrainStepPage }).__rsTrainStep.cancelDuring(a, ms), [s, afterMs] as const);
  }
  bad(kind: 'garbage-file' | 'steps-before-open'): Promise<string> {
    return this.page.evaluate((k) => (window as unknown as { __rsTrainStep: TrainStepPage }).__rsTrainStep.bad(k), kind);
  }
}

/** Float32 data as the page's base64. */
export const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
/** The page's base64 back to float32 (copied, so it is aligned). */
export const fromB64 = (t: B64Tensor): Float32Array => {
  const b = Buffer.from(t.data, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
