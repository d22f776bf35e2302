import { expect, type Download, type Locator, type Page } from '@playwright/test';

/**
 * User-defined blocks: Make block in the inspector for the selected layers, the palette's
 * "Your blocks" group with its library file buttons, an instance's Update definition (on its
 * expanded frame) and Detach (in the inspector).
 */
export class UserBlocksPage {
  constructor(readonly page: Page) {}
  get group(): Locator {
    return this.page.getByTestId('palette.group.user');
  }
  item(name: string): Locator {
    return this.page.getByTestId(`palette.user.${name}`);
  }
  /** Every card of a block type on the canvas (collapsed instances), by its definition id. */
  instances(defId: string): Locator {
    return this.page.locator(`[data-testid^="canvas.node."][data-kind="user:${defId}"]`);
  }
  /** Selects the cards by name as a user would: click the first, Shift+click the rest. */
  async selectCards(names: readonly string[]) {
    for (const [i, n] of names.entries()) await this.page.getByTestId(`canvas.node.${n}`).locator('.card-head').click(i ? { modifiers: ['Shift'] } : {});
    await expect(this.page.getByTestId('inspector.makeBlock')).toBeVisible();
  }
  /** Make block for the current selection, under `name`. */
  async make(name: string) {
    await this.page.getByTestId('inspector.field.blockName').fill(name);
    await this.page.getByTestId('inspector.makeBlock.go').click();
  }
  async addFromPalette(name: string) {
    await this.item(name).dblclick();
  }
  /** Update definition on an expanded instance's frame. */
  async updateOnFrame(instance: string) {
    await this.page.getByTestId(`canvas.update.${instance}`).click();
  }
  /** Update definition in the inspector, for the instance the selected layer belongs to. */
  async updateFromInspector() {
    await this.page.getByTestId('inspector.updateDefinition').click();
  }
  async detachSelected() {
    await this.page.getByTestId('inspector.detach').click();
  }
  /** Export… in the group: the block library file the browser downloads. */
  async exportLibrary(): Promise<Download> {
    const download = this.page.waitForEvent('download');
    await this.page.getByTestId('palette.user.export').click();
    return download;
  }
  async openLibrary(path: string) {
    await this.page.getByTestId('palette.user.file').setInputFiles(path);
  }
}
