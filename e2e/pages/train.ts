import { expect, type Locator, type Page } from '@playwright/test';

/** The Train panel (the right column's Train tab). */
export class TrainPanelPage {
  constructor(readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('train.panel');
  }
  /** Shows the Train tab and waits for the shipped data set. */
  async show() {
    await this.page.getByTestId('tab.train').click();
    await expect(this.page.getByTestId('train.data.name')).toHaveAttribute('data-train', /[1-9]/, { timeout: 60_000 });
  }
  async showRun() {
    await this.page.getByTestId('tab.run').click();
  }
  input(id: string): Locator {
    return this.page.getByTestId(`train.input.${id}`);
  }
  /** Opens the settings (they fold to one line while a run goes, and stay folded after it). */
  async openSettings() {
    const box = this.page.getByTestId('train.settings.box');
    if (!(await box.evaluate((e) => (e as HTMLDetailsElement).open))) await this.page.getByTestId('train.settings.toggle').click();
    await expect(box).toHaveAttribute('open', '');
  }
  /** Sets number fields and selects by id: `{ epochs: 1, lr: 0.05, optimizer: 'sgd' }`. */
  async set(values: Readonly<Record<string, string | number | boolean>>) {
    await this.openSettings();
    for (const [id, v] of Object.entries(values)) {
      const el = this.input(id);
      if (typeof v === 'boolean') await el.setChecked(v);
      else if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(String(v));
      else await el.fill(String(v));
    }
  }
  get phase(): Locator {
    return this.root;
  }
  async expectPhase(phase: string | RegExp, timeout = 360_000) {
    await expect(this.root).toHaveAttribute('data-phase', phase, { timeout });
  }
  get message(): Locator {
    return this.page.getByTestId('train.message');
  }
  get progress(): Locator {
    return this.page.getByTestId('train.progress');
  }
  get backend(): Locator {
    return this.page.getByTestId('train.backend');
  }
  button(id: 'start' | 'pause' | 'resume.run' | 'stop' | 'resume.go' | 'resume.discard' | 'debug.crash'): Locator {
    return this.page.getByTestId(`train.${id}`);
  }
  /** Test accuracies per epoch, from the accuracy chart's data. */
  lossPoints(): Locator {
    return this.page.getByTestId('train.chart.loss.points');
  }
  accuracyPoints(): Locator {
    return this.page.getByTestId('train.chart.accuracy.points');
  }
  /** Opens files through the panel's file input, as the file picker does. */
  async openFiles(files: readonly { name: string; buffer: Buffer }[]) {
    await this.page.getByTestId('train.data.file').setInputFiles(files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: f.buffer })));
  }
}
