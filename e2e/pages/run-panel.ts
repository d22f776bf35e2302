import { expect, type Page } from '@playwright/test';

/** The run panel, through its data-testids. */
export class RunPanel {
  constructor(readonly page: Page) {}
  get root() {
    return this.page.getByTestId('run.panel');
  }
  get result() {
    return this.page.getByTestId('run.result');
  }
  /** The backend that ran (`data-backend`: wasm or webgpu). */
  get backendUsed() {
    return this.page.getByTestId('run.backend.actual');
  }
  /** Why the backend that ran is not the one asked for (or not WebGPU, under auto). */
  get backendReason() {
    return this.page.getByTestId('run.backend.reason');
  }
  async logits(): Promise<number[]> {
    return JSON.parse((await this.page.getByTestId('run.logits').getAttribute('data-values')) ?? '[]') as number[];
  }
  /** Waits until the panel shows a finished, current result. */
  async settled() {
    await expect(this.root).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
    await expect(this.result).toHaveAttribute('data-stale', 'false');
  }
  async useGradient() {
    await this.page.getByTestId('run.input.synthetic.gradient').click();
    await expect(this.page.getByTestId('run.input.source')).toContainText('gradient');
  }
}
