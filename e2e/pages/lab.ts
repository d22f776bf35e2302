import { expect, type Locator, type Page } from '@playwright/test';

/** The degradation lab (opened from the Train panel). */
export class LabPage {
  constructor(readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('lab');
  }
  /** Opens it from the Train tab. */
  async open() {
    await this.page.getByTestId('tab.train').click();
    await this.page.getByTestId('train.lab.open').click();
    await expect(this.root).toBeVisible();
  }
  run(net: 'plain' | 'residual'): Locator {
    return this.page.getByTestId(`lab.run.${net}`);
  }
  /** Points per net of a chart, as "plain,residual". */
  points(chart: 'loss' | 'trainError' | 'testError'): Locator {
    return this.page.getByTestId(`lab.chart.${chart}.points`);
  }
  async expectPhase(phase: string | RegExp, timeout = 360_000) {
    await expect(this.root).toHaveAttribute('data-phase', phase, { timeout });
  }
  get result(): Locator {
    return this.page.getByTestId('lab.result');
  }
  get signals(): Locator {
    return this.page.getByTestId('signals');
  }
}
