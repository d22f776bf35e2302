import { expect, test, type Page } from '@playwright/test';
import { deflateSync, strToU8 } from 'fflate';
import { buildTemplate, serializeDocument } from '../src/index.ts';
import { EditorPage } from './pages/editor.ts';
import { FigurePage, SharePage, smallestCanvasTextPx, TeachingPage } from './pages/teaching.ts';

/** Screenshots for people to look at (not compared): EN/中文, light/dark. */
const SHOTS = process.env['RS_SHOTS'] ?? '/tmp/teaching-shots';

async function look(page: Page, opts: { language?: 'en' | 'zh-CN'; theme?: 'light' | 'dark' }) {
  if (opts.language) await page.getByTestId('topbar.language').selectOption(opts.language);
  if (opts.theme === 'dark') await page.getByTestId('topbar.theme').click();
}

const pngSize = (b: Buffer) => [b.readUInt32BE(16), b.readUInt32BE(20)];

test('the figure view draws ResNet-34 as the paper does, and the paper’s three columns; SVG and PNG 4x export', async ({ page }) => {
  const editor = new EditorPage(page);
  const teach = new TeachingPage(page);
  const figure = new FigurePage(page);
  await editor.open('?template=resnet34&persist=0');
  await teach.figureButton.click();
  await expect(figure.root).toBeVisible();
  await expect(figure.boxes()).toHaveCount(37);
  await expect(figure.arcs()).toHaveCount(16);
  await expect(figure.dashedArcs()).toHaveCount(3);
  for (const label of ['7x7 conv, 64, /2', 'pool, /2', '3x3 conv, 128, /2', '3x3 conv, 256, /2', '3x3 conv, 512, /2', 'avg pool', 'fc 1000']) await expect(figure.svg.getByText(label, { exact: true }).first()).toBeVisible();
  await expect(figure.svg.getByText('output size: 56', { exact: true })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/figure-resnet34-en-light.png` });
  // Printed, the figure comes alone: the editor behind it is not printed.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('canvas')).toHaveCSS('visibility', 'hidden');
  await expect(figure.svg).toHaveCSS('visibility', 'visible');
  await page.screenshot({ path: `${SHOTS}/figure-resnet34-print.png` });
  await page.emulateMedia({ media: 'screen' });

  await figure.showPaper();
  await expect(figure.svg.getByTestId('figure.column')).toHaveCount(3);
  await expect(figure.arcs(figure.column('34-layer plain'))).toHaveCount(0);
  await expect(figure.arcs(figure.column('VGG-19'))).toHaveCount(0);
  await expect(figure.dashedArcs(figure.column('34-layer residual'))).toHaveCount(3);
  await expect(figure.boxes(figure.column('VGG-19'))).toHaveCount(25);

  const svg = await figure.export('svg');
  expect(svg.name).toBe('resnet-paper-figure.svg');
  const text = svg.bytes.toString('utf8');
  expect(text.match(/data-dashed="true"/g)).toHaveLength(3);
  const [w, h] = /width="(\d+)" height="(\d+)"/.exec(text)!.slice(1).map(Number);
  const png = await figure.export('png4');
  expect(png.name).toBe('resnet-paper-figure@4x.png');
  expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(pngSize(png.bytes)).toEqual([w! * 4, h! * 4]);

  await figure.root.getByTestId('figure.close').click();
  await look(page, { language: 'zh-CN', theme: 'dark' });
  await teach.figureButton.click();
  await figure.showPaper();
  await expect(figure.svg.getByText('输出尺寸：56', { exact: true })).toBeVisible();
  await expect(figure.column('34 层残差网络')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/figure-paper-zh-dark.png` });
});

test('plain <-> residual is one action and one undo step', async ({ page }) => {
  const editor = new EditorPage(page);
  const teach = new TeachingPage(page);
  await editor.open('?template=resnet18&persist=0');
  await expect(editor.canvas.projectionArcs()).toHaveCount(3);
  await expect(teach.plainToggle).toHaveAttribute('data-to', 'plain');
  await teach.plainToggle.click();
  await expect(teach.plainToggle).toHaveAttribute('data-to', 'residual');
  await expect(page.locator('[data-testid^="canvas.arc."]')).toHaveCount(0);
  await expect(editor.canvas.node('layer2.0.conv1')).toBeVisible();
  await expect(editor.status('params')).toContainText('11.5');
  await page.getByTestId('topbar.undo').click();
  await expect(editor.canvas.projectionArcs()).toHaveCount(3);
  await expect(editor.canvas.identityArcs()).toHaveCount(5);
  await expect(page.getByTestId('topbar.undo')).toBeDisabled();
  await teach.plainToggle.click();
  await teach.plainToggle.click();
  await expect(editor.canvas.projectionArcs()).toHaveCount(3);
});

for (const [language, theme] of [['en', 'light'], ['zh-CN', 'dark']] as const) {
  test(`presenter mode at 1920x1080 (${language}, ${theme}): no canvas text under 16 px, big F(x) / x / F(x)+x, panels hidden`, async ({ page }) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    const editor = new EditorPage(page);
    const teach = new TeachingPage(page);
    await editor.open('?persist=0');
    await look(page, { language, theme });
    await teach.presenterButton.click();
    await expect(page.getByTestId('app')).toHaveAttribute('data-presenter', 'true');
    await expect(page.getByTestId('palette')).toBeHidden();
    await expect(page.getByTestId('inspector')).toBeHidden();
    await expect(page.getByTestId('run.act.sideBySide')).toBeVisible({ timeout: 60_000 });
    await expect.poll(async () => (await smallestCanvasTextPx(page)).px, { message: 'smallest canvas text, on screen' }).toBeGreaterThanOrEqual(16);
    const m = await smallestCanvasTextPx(page);
    expect(m.count).toBeGreaterThan(10);
    // The selected block (whose F(x), x and F(x) + x show) is on screen, at that size.
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    const card = (await page.locator('.react-flow__node.selected').first().boundingBox())!;
    expect(card.x).toBeGreaterThanOrEqual(canvas.x);
    expect(card.x + card.width).toBeLessThanOrEqual(canvas.x + canvas.width);
    expect(card.y + card.height / 2).toBeLessThanOrEqual(canvas.y + canvas.height);
    // Zooming out stops where the text would get smaller than 16 px.
    await page.mouse.move(700, 500);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 400);
    await expect.poll(async () => (await smallestCanvasTextPx(page)).px).toBeGreaterThanOrEqual(16 - 0.05);
    await page.screenshot({ path: `${SHOTS}/presenter-${language}-${theme}.png` });
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('palette')).toBeVisible();
  });
}

test('a classroom link opened in a fresh browser context gives the same document, the figure view and the hidden and locked controls', async ({ page, browser }) => {
  const editor = new EditorPage(page);
  const teach = new TeachingPage(page);
  const share = new SharePage(page);
  await editor.open('?template=tiny-resnet&persist=0');
  await editor.canvas.select('block2');
  await editor.inspector.set('width', '24');
  await expect(editor.canvas.shapeOf('block2')).toContainText('24');
  await teach.shareButton.click();
  await share.control('palette', 'hidden');
  await share.control('export', 'hidden');
  await share.control('inspector', 'locked');
  await share.root.getByTestId('share.view').selectOption('network');
  await page.screenshot({ path: `${SHOTS}/share-en-light.png` });
  const url = await share.url();
  expect(url).toMatch(/#classroom=[A-Za-z0-9_-]+$/);
  const names = await editor.canvas.root.locator('[data-testid^="canvas.node."]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')).sort());

  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const p2 = await ctx.newPage();
  const e2 = new EditorPage(p2);
  await e2.open(url.slice(url.indexOf('/', 8) + 1));
  await expect(p2.getByTestId('figure.view')).toHaveAttribute('data-mode', 'network');
  await expect(p2.getByTestId('figure.view').getByTestId('figure.box')).toHaveCount(await new FigurePage(p2).boxes().count());
  await p2.getByTestId('figure.close').click();
  await expect(p2.getByTestId('topbar.docName')).toHaveText('Tiny ResNet');
  expect(await e2.canvas.root.locator('[data-testid^="canvas.node."]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')).sort())).toEqual(names);
  await expect(e2.canvas.shapeOf('block2')).toContainText('24');
  await expect(p2.getByTestId('palette')).toBeHidden();
  await expect(p2.getByTestId('topbar.export')).toBeHidden();
  await expect(p2.getByTestId('topbar.save')).toBeVisible();
  await expect(p2.getByTestId('inspector')).toBeVisible();
  await expect(p2.getByTestId('inspector')).toHaveAttribute('data-locked', 'true');
  expect(await p2.getByTestId('inspector').evaluate((e) => (e as HTMLElement).inert)).toBe(true);
  await look(p2, { language: 'zh-CN', theme: 'dark' });
  await p2.screenshot({ path: `${SHOTS}/link-opened-zh-dark.png` });
  await ctx.close();
});

test('a link from a newer version is refused with a message and nothing of it is applied; arrow keys step a linked lesson', async ({ page }) => {
  const editor = new EditorPage(page);
  const enc = (payload: unknown) => Buffer.from(deflateSync(strToU8(JSON.stringify(payload)))).toString('base64url');
  const doc = { kind: 'residual-studio/document', schemaVersion: 1, name: 'From the future', input: { channels: 3, height: 32, width: 32 }, nodes: [], edges: [], seed: 0, opset: 17, projectionEverywhere: false, zeroInitResidual: false };
  await editor.open(`?template=tiny-resnet&persist=0#classroom=${enc({ app: 'residual-studio', v: 2, doc, view: { figure: 'paper', presenter: true }, hide: ['palette'], lock: [] })}`);
  await expect(page.getByTestId('file.error')).toContainText('newer Residual Studio');
  await expect(page.getByTestId('topbar.docName')).toHaveText('Tiny ResNet');
  await expect(page.getByTestId('palette')).toBeVisible();
  await expect(page.getByTestId('figure.view')).toHaveCount(0);
  await expect(page.getByTestId('app')).toHaveAttribute('data-presenter', 'false');
  await page.screenshot({ path: `${SHOTS}/link-refused-en-light.png` });

  // A version-1 link pasted into the open tab: presenter mode at its lesson step; arrow keys step it.
  await page.evaluate((h) => (location.hash = h), `#classroom=${enc({ app: 'residual-studio', v: 1, doc: { ...doc, name: 'Linked' }, view: { figure: 'none', presenter: true }, lesson: { id: 'blocks', step: 1 }, hide: [], lock: [] })}`);
  await expect(page.getByTestId('topbar.docName')).toHaveText('Linked');
  await expect(page.getByTestId('file.error')).toHaveCount(0);
  await expect(page.getByTestId('presenter.step')).toHaveAttribute('data-step', '1');
  await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('presenter.step')).toHaveAttribute('data-step', '2');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('presenter.step')).toHaveAttribute('data-step', '0');
});

test('a network too large for a link gets a clear message offering the file instead', async ({ page }) => {
  const editor = new EditorPage(page);
  const teach = new TeachingPage(page);
  const share = new SharePage(page);
  // ResNet-152 with every block expanded into its layers: about 21,000 characters as a link. Its
  // 517 cards take a while to lay out on a busy machine (the whole run timed out once at 90 s).
  test.slow();
  await editor.open('?template=resnet152&expand=all&persist=0');
  await teach.shareButton.click();
  await expect(share.root.getByTestId('share.tooLarge')).toContainText('too large for a link');
  await expect(share.root.getByTestId('share.url')).toHaveCount(0);
  const [download] = await Promise.all([page.waitForEvent('download'), share.root.getByTestId('share.saveFile').click()]);
  expect(download.suggestedFilename()).toBe('ResNet-152.json');
});

test('a link that locks the inspector locks the network: canvas Delete, Ctrl+Z and Ctrl+Y change nothing, and undo/redo are inert', async ({ page }) => {
  const editor = new EditorPage(page);
  const enc = (payload: unknown) => Buffer.from(deflateSync(strToU8(JSON.stringify(payload)))).toString('base64url');
  const doc = JSON.parse(serializeDocument(buildTemplate('tiny-resnet')!)) as unknown;
  await editor.open(`?persist=0#classroom=${enc({ app: 'residual-studio', v: 1, doc, view: { figure: 'none', presenter: false }, hide: [], lock: ['inspector'] })}`);
  await expect(page.getByTestId('inspector')).toHaveAttribute('data-locked', 'true');
  await expect(page.getByTestId('topbar.undo')).toHaveAttribute('data-locked', 'true');
  await expect(page.getByTestId('topbar.redo')).toHaveAttribute('data-locked', 'true');
  await editor.canvas.select('block2');
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('toast.info').filter({ hasText: 'locks the network' })).toBeVisible();
  await expect(editor.canvas.node('block2')).toBeVisible();
  await page.keyboard.press('Backspace');
  await expect(editor.canvas.node('block2')).toBeVisible();
  // Expanding a block is still allowed (it does not change what the network computes); undo may not take it back.
  await editor.canvas.node('block2').getByTestId('canvas.expand.block2').click();
  await expect(editor.canvas.node('block2.conv1')).toBeVisible();
  for (const key of ['Control+z', 'Control+y', 'Control+Shift+z']) {
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press(key);
    await expect(editor.canvas.node('block2.conv1')).toBeVisible();
    await expect(editor.canvas.node('block2')).toHaveCount(0);
  }
  await expect(editor.canvas.node('block1')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/link-locked-en-light.png` });
});
