import { expect, type Locator, type Page } from '@playwright/test';

/** The canvas: nodes, arcs, edges, pinned diagnostics. */
export class CanvasPage {
  constructor(readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('canvas');
  }
  node(name: string): Locator {
    return this.page.getByTestId(`canvas.node.${name}`);
  }
  blocks(): Locator {
    return this.root.locator('[data-testid^="canvas.node."][data-kind="BasicBlock"], [data-testid^="canvas.node."][data-kind="Bottleneck"]');
  }
  identityArcs(): Locator {
    return this.page.getByTestId('canvas.arc.identity');
  }
  projectionArcs(): Locator {
    return this.page.getByTestId('canvas.arc.projection');
  }
  arcOf(name: string): Locator {
    return this.node(name).locator('[data-testid^="canvas.arc."]').first();
  }
  shapeOf(name: string): Locator {
    return this.node(name).getByTestId('card.shape');
  }
  diagnostic(name: string): Locator {
    return this.page.getByTestId(`canvas.diag.${name}`);
  }
  fix(name: string): Locator {
    return this.page.getByTestId(`canvas.fix.${name}`);
  }
  async select(name: string) {
    await this.node(name).locator('.card-head').click();
  }
  /** Zooms in around a card with the mouse wheel (a long column of cards is too small to read when fitted). */
  async zoomOn(name: string, steps: number) {
    const box = (await this.node(name).boundingBox())!;
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < steps; i++) await this.page.mouse.wheel(0, -300);
    await expect(this.node(name)).toBeVisible();
  }
  /** Drags from one node's output handle to another's input handle. */
  async connect(from: string, to: string, port = 0) {
    const src = this.node(from).locator('.react-flow__handle.source').first();
    const dst = this.node(to).locator(`.react-flow__handle.target[data-handleid="in-${port}"]`);
    const a = (await src.boundingBox())!;
    const b = (await dst.boundingBox())!;
    await this.page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
    await this.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
    await this.page.mouse.up();
  }
  async fit() {
    await this.root.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await this.page.keyboard.press('f');
  }
}

/** The palette of blocks and layers. */
export class PalettePage {
  constructor(readonly page: Page) {}
  item(id: string): Locator {
    return this.page.getByTestId(`palette.${id}`);
  }
  async dragOnto(id: string, target: Locator, position: { x: number; y: number }) {
    await this.item(id).dragTo(target, { targetPosition: position });
  }
}

/** The inspector of the selected node and the model settings. */
export class InspectorPage {
  constructor(readonly page: Page) {}
  field(name: string): Locator {
    return this.page.getByTestId(`inspector.field.${name}`);
  }
  /** The one-click fix button of the selected node's first diagnostic. */
  fix(): Locator {
    return this.page.getByTestId('inspector.fix').first();
  }
  async set(name: string, value: string) {
    const f = this.field(name);
    if ((await f.evaluate((e) => e.tagName)) === 'SELECT') await f.selectOption(value);
    else await f.fill(value);
  }
}

/**
 * Opens a page of the app (the only `page.goto` of the specs). Vite's HMR socket is answered by a
 * silent stub, so a colleague saving a file in the shared checkout cannot reload the page in the
 * middle of a journey.
 */
export async function openApp(page: Page, path: string) {
  await page.routeWebSocket((url) => url.searchParams.has('token'), () => {});
  await page.goto(path);
}

/** The whole editor, with its parts. */
export class EditorPage {
  readonly canvas: CanvasPage;
  readonly palette: PalettePage;
  readonly inspector: InspectorPage;
  constructor(readonly page: Page) {
    this.canvas = new CanvasPage(page);
    this.palette = new PalettePage(page);
    this.inspector = new InspectorPage(page);
  }
  /** Opens the editor (through {@link openApp}) and waits until it has drawn its document. */
  async open(query = '') {
    await openApp(this.page, `/${query}`);
    await this.page.waitForFunction(() => window.__rsBench?.ready !== undefined);
  }
  async openTemplate(id: string) {
    await this.page.getByTestId('topbar.templates').click();
    await this.page.getByTestId(`gallery.template.${id}`).click();
    await expect(this.page.getByTestId('gallery')).toBeHidden();
  }
  status(id: string): Locator {
    return this.page.getByTestId(`status.${id}`);
  }
}

/** Drops a file on the canvas as a user dragging it from the desktop would. */
export async function dropFile(page: Page, name: string, bytes: Uint8Array) {
  const dt = await page.evaluateHandle(
    ({ name, data }) => {
      const t = new DataTransfer();
      t.items.add(new File([new Uint8Array(data)], name, { type: 'application/octet-stream' }));
      return t;
    },
    { name, data: [...bytes] },
  );
  const canvas = page.getByTestId('canvas');
  await canvas.dispatchEvent('dragenter', { dataTransfer: dt });
  await canvas.dispatchEvent('dragover', { dataTransfer: dt });
  await canvas.dispatchEvent('drop', { dataTransfer: dt });
}
