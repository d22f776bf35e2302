import { expect, type Locator, type Page } from '@playwright/test';

/** The teaching tools of the top bar: figure view, presenter mode, plain <-> residual, classroom link. */
export class TeachingPage {
  constructor(readonly page: Page) {}
  get figureButton(): Locator {
    return this.page.getByTestId('teach.figure');
  }
  get presenterButton(): Locator {
    return this.page.getByTestId('teach.presenter');
  }
  get plainToggle(): Locator {
    return this.page.getByTestId('teach.plainToggle');
  }
  get shareButton(): Locator {
    return this.page.getByTestId('teach.share');
  }
}

/** The figure view (the paper's figure of the open network, or of the paper's three networks). */
export class FigurePage {
  constructor(readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('figure.view');
  }
  get svg(): Locator {
    return this.root.getByTestId('figure.svg');
  }
  column(title: string): Locator {
    return this.svg.locator(`[data-testid="figure.column"][data-title="${title}"]`);
  }
  boxes(within: Locator = this.svg): Locator {
    return within.getByTestId('figure.box');
  }
  arcs(within: Locator = this.svg): Locator {
    return within.getByTestId('figure.arc');
  }
  dashedArcs(within: Locator = this.svg): Locator {
    return within.locator('[data-testid="figure.arc"][data-dashed="true"]');
  }
  async showPaper() {
    await this.root.getByTestId('figure.mode.paper').click();
    await expect(this.root).toHaveAttribute('data-mode', 'paper');
  }
  /** Clicks an export button and returns the downloaded file's name and bytes. */
  async export(kind: 'svg' | 'png2' | 'png4'): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.root.getByTestId(`figure.export.${kind}`).click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return { name: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
  }
}

/** The classroom link dialog. */
export class SharePage {
  constructor(readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('share.dialog');
  }
  async control(id: string, access: 'shown' | 'hidden' | 'locked') {
    await this.root.getByTestId(`share.control.${id}.${access}`).check();
  }
  async url(): Promise<string> {
    return this.root.getByTestId('share.url').inputValue();
  }
}

/** The smallest text on the canvas as it appears on screen: each visible text's CSS font size times the canvas zoom. */
export async function smallestCanvasTextPx(page: Page): Promise<{ px: number; text: string; count: number }> {
  return page.evaluate(() => {
    const vp = document.querySelector<HTMLElement>('.react-flow__viewport')!;
    const zoom = new DOMMatrixReadOnly(getComputedStyle(vp).transform).a;
    let min = { px: Number.POSITIVE_INFINITY, text: '', count: 0 };
    const walker = document.createTreeWalker(vp, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = n.textContent?.trim();
      if (!el || !text) continue;
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (cs.visibility === 'hidden' || cs.display === 'none' || r.width === 0 || r.height === 0) continue;
      min.count++;
      const px = parseFloat(cs.fontSize) * zoom;
      if (px < min.px) min = { ...min, px, text };
    }
    return min;
  });
}
