import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';
import { LessonPage } from './pages/lesson.ts';

/** Screenshots for people to look at (not compared). */
const SHOTS = process.env['RS_SHOTS'] ?? '/tmp/lesson-shots';

type Look = { language: 'en' | 'zh-CN'; theme: 'light' | 'dark' };
async function look(page: Page, l: Look) {
  await page.getByTestId('topbar.language').selectOption(l.language);
  if (l.theme === 'dark') await page.getByTestId('topbar.theme').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', l.theme);
}
const tag = (l: Look) => `${l.language}-${l.theme}`;

/** The whole page at this step, named by lesson, step and look. */
async function shot(page: Page, lesson: LessonPage, id: string, l: Look) {
  const step = await lesson.card.getAttribute('data-step');
  await page.screenshot({ path: `${SHOTS}/${id}-${Number(step) + 1}-${tag(l)}.png` });
}

/** Steps through a lesson with Next (tasks left undone) in another look, the card of each step pictured. */
async function cardsIn(page: Page, lesson: LessonPage, id: string, count: number, l: Look) {
  await look(page, l);
  await lesson.open(id);
  for (let i = 0; i < count; i++) {
    await lesson.expectStep(i);
    await expect(lesson.progress).toContainText(l.language === 'zh-CN' ? `第 ${i + 1} 步，共 ${count} 步` : `Step ${i + 1} of ${count}`);
    await page.screenshot({ path: `${SHOTS}/${id}-${i + 1}-${tag(l)}.png` });
    if (i < count - 1) await lesson.next();
  }
  await lesson.card.getByTestId('lesson.finish').click();
  await expect(lesson.card).toHaveCount(0);
}

test('lesson 1, the block is the unit: layers, blocks, expanding layer1.0 through the UI, its F(x), shortcut and ReLU(F(x) + x)', async ({ page }) => {
  const editor = new EditorPage(page);
  const lesson = new LessonPage(page);
  const l: Look = { language: 'en', theme: 'light' };
  await editor.open('?template=tiny-resnet&persist=0');
  await lesson.open('block-is-the-unit');
  await expect(page.getByTestId('topbar.docName')).toHaveText('Fashion-MNIST ResNet');
  await expect(lesson.card).toContainText('1×28×28 Fashion-MNIST image into 16×28×28 feature maps');
  await shot(page, lesson, 'lesson1', l);
  await lesson.next();
  await lesson.expectStep(1);
  await expect(lesson.card).toContainText('82,426 parameters');
  await shot(page, lesson, 'lesson1', l);
  await lesson.next();
  await lesson.expectStep(2);
  await lesson.expectWaiting();
  await expect(lesson.task).toContainText('Expand layer1.0');
  await shot(page, lesson, 'lesson1', l);
  // The learner does it on the canvas; the lesson notices and moves on.
  await editor.canvas.node('layer1.0').getByTestId('canvas.expand.layer1.0').click();
  // (its task shows as done for a moment, then the next step comes without a click on Next)
  await lesson.expectStep(3);
  await expect(editor.canvas.node('layer1.0.conv2')).toBeVisible();
  await expect(lesson.card).toContainText('4,672 parameters');
  await shot(page, lesson, 'lesson1', l);
  await lesson.next();
  await lesson.expectStep(4);
  await expect(lesson.card).toContainText('the shortcut is the identity mapping');
  await shot(page, lesson, 'lesson1', l);
  await lesson.next();
  await lesson.expectStep(5);
  await shot(page, lesson, 'lesson1', l);
  await lesson.next();
  await lesson.expectStep(6);
  await expect(lesson.progress).toHaveText('Step 7 of 7');
  await shot(page, lesson, 'lesson1', l);
  await lesson.card.getByTestId('lesson.finish').click();
  await expect(lesson.card).toHaveCount(0);
  await cardsIn(page, lesson, 'block-is-the-unit', 7, { language: 'zh-CN', theme: 'dark' });
});

test('lesson 2, identity and projection blocks: a stride and a width through the inspector turn the arc dashed; option A against option B in parameters', async ({ page }) => {
  const editor = new EditorPage(page);
  const lesson = new LessonPage(page);
  const l: Look = { language: 'zh-CN', theme: 'dark' };
  await editor.open('?template=tiny-resnet&persist=0');
  await look(page, l);
  await lesson.open('identity-and-projection');
  await expect(editor.canvas.arcOf('layer1.1')).toHaveAttribute('data-kind', 'identity');
  await expect(editor.canvas.arcOf('layer2.0')).toHaveAttribute('data-kind', 'projection');
  await shot(page, lesson, 'lesson2', l);
  await lesson.next();
  await lesson.expectStep(1);
  await lesson.expectWaiting();
  await shot(page, lesson, 'lesson2', l);
  // The step selected layer1.1 for the learner: its stride is in the inspector.
  await editor.inspector.set('stride', '2');
  await lesson.expectStep(2);
  await expect(editor.canvas.arcOf('layer1.1')).toHaveAttribute('data-kind', 'projection');
  await expect(editor.canvas.shapeOf('layer1.1')).toContainText('16×14×14');
  await expect(lesson.card).toContainText('32×7×7');
  await expect(lesson.card).toContainText('1×1 卷积');
  await shot(page, lesson, 'lesson2', l);
  await lesson.next();
  // A step with its own network: the original again, layer1.1 an identity block.
  await lesson.expectStep(3);
  await expect(editor.canvas.arcOf('layer1.1')).toHaveAttribute('data-kind', 'identity');
  await lesson.expectWaiting();
  await shot(page, lesson, 'lesson2', l);
  await editor.inspector.set('width', '32');
  await lesson.expectStep(4);
  await expect(editor.canvas.arcOf('layer1.1')).toHaveAttribute('data-kind', 'projection');
  await expect(lesson.card).toContainText('32×28×28');
  await expect(lesson.card).toContainText('共 576 个参数');
  await shot(page, lesson, 'lesson2', l);
  await lesson.next();
  await lesson.expectStep(5);
  await expect(lesson.card).toContainText('14,528 个参数中的 576 个');
  await expect(editor.status('params')).toContainText('82.4K');
  await shot(page, lesson, 'lesson2', l);
  await lesson.next();
  await lesson.expectStep(6);
  await lesson.expectWaiting();
  await shot(page, lesson, 'lesson2', l);
  await editor.inspector.set('shortcut', 'zero-pad');
  await lesson.expectStep(7);
  await expect(editor.canvas.arcOf('layer2.0')).toHaveAttribute('data-kind', 'zero-pad');
  await expect(lesson.card).toContainText('layer2.0 现在有 13,952 个参数，整个网络 81,850 个');
  await expect(editor.status('params')).toContainText('81.8K');
  await shot(page, lesson, 'lesson2', l);
  await lesson.card.getByTestId('lesson.finish').click();
  // A fresh page: English and light again (nothing of the view is saved with persist=0).
  await editor.open('?template=tiny-resnet&persist=0');
  await cardsIn(page, lesson, 'identity-and-projection', 8, { language: 'en', theme: 'light' });
});

test('lesson 3, why the identity is easy to learn: zero-init residual makes F(x) = 0 in the run panel; the plain counterpart and back (1920×1080)', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  const editor = new EditorPage(page);
  const lesson = new LessonPage(page);
  const l: Look = { language: 'en', theme: 'dark' };
  await editor.open('?template=tiny-resnet&persist=0');
  await look(page, l);
  await lesson.open('identity-is-easy');
  const fx = page.getByTestId('run.act.mainPath.stats');
  await expect(fx).toBeVisible();
  await expect(fx.locator('dd').nth(3)).not.toHaveText('0.000');
  await shot(page, lesson, 'lesson3', l);
  await lesson.next();
  await lesson.expectStep(1);
  await lesson.expectWaiting();
  await shot(page, lesson, 'lesson3', l);
  // As the task says: an empty part of the canvas, then the model setting in the inspector.
  await editor.canvas.root.locator('.react-flow__pane').click({ position: { x: 8, y: 8 } });
  await editor.inspector.field('zeroInitResidual').check();
  await lesson.expectStep(2);
  // F(x) of the selected block is exactly zero: min, max and std.
  await expect(fx.locator('dd').nth(0)).toHaveText('0.000');
  await expect(fx.locator('dd').nth(1)).toHaveText('0.000');
  await expect(fx.locator('dd').nth(3)).toHaveText('0.000');
  await shot(page, lesson, 'lesson3', l);
  await lesson.next();
  await lesson.expectStep(3);
  await expect(page.locator('[data-testid^="canvas.arc."]')).toHaveCount(0);
  await expect(editor.canvas.node('layer1.1.relu')).toBeVisible();
  // The signals at initialisation, this plain net against its residual counterpart, in the card.
  await expect(lesson.card.getByTestId('signals')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await shot(page, lesson, 'lesson3', l);
  await lesson.next();
  await lesson.expectStep(4);
  await lesson.expectWaiting();
  await page.getByTestId('teach.plainToggle').click();
  await lesson.expectStep(5);
  await expect(editor.canvas.identityArcs()).toHaveCount(2);
  await expect(fx.locator('dd').nth(3)).toHaveText('0.000');
  await shot(page, lesson, 'lesson3', l);
  await lesson.card.getByTestId('lesson.finish').click();
  await page.getByTestId('topbar.theme').click();
  await cardsIn(page, lesson, 'identity-is-easy', 6, { language: 'zh-CN', theme: 'light' });
});

test('lesson 4, the degradation problem: a plain and a residual net of the same depth and parameters; the step opens the degradation lab at 20 layers beside the paper’s numbers', async ({ page }) => {
  const editor = new EditorPage(page);
  const lesson = new LessonPage(page);
  const l: Look = { language: 'en', theme: 'light' };
  await editor.open('?template=tiny-resnet&persist=0');
  await lesson.open('degradation');
  await expect(page.getByTestId('topbar.docName')).toHaveText('Plain CIFAR-20');
  await shot(page, lesson, 'lesson4', l);
  await lesson.next();
  await lesson.expectStep(1);
  await expect(lesson.card).toContainText("exactly the plain net's 269,722 parameters");
  await shot(page, lesson, 'lesson4', l);
  await lesson.next();
  await lesson.expectStep(2);
  await lesson.card.getByTestId('lesson.lab.open').click();
  await expect(page.getByTestId('lab')).toBeVisible();
  await expect(page.getByTestId('lab')).toHaveAttribute('data-depth', '20');
  await expect(page.getByTestId('lab.paper')).toBeVisible();
  await shot(page, lesson, 'lesson4', l);
  await lesson.next();
  await lesson.expectStep(3);
  await expect(lesson.card).toContainText('8.75%');
  await shot(page, lesson, 'lesson4', l);
  await lesson.card.getByTestId('lesson.finish').click();
  await cardsIn(page, lesson, 'degradation', 4, { language: 'zh-CN', theme: 'dark' });
});

test('a classroom link at a lesson step opens that step in a fresh browser; in presenter mode at 1920×1080 arrow keys step it and its card’s text is 16 px or more', async ({ page, browser }) => {
  const editor = new EditorPage(page);
  const lesson = new LessonPage(page);
  await editor.open('?template=tiny-resnet&persist=0');
  await lesson.open('identity-and-projection');
  await lesson.next();
  await lesson.expectStep(1);
  await page.getByTestId('teach.share').click();
  const url = await page.getByTestId('share.dialog').getByTestId('share.url').inputValue();

  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const p2 = await ctx.newPage();
  const e2 = new EditorPage(p2);
  const l2 = new LessonPage(p2);
  await e2.open(url.slice(url.indexOf('/', 8) + 1));
  await expect(l2.card).toHaveAttribute('data-lesson', 'identity-and-projection');
  await l2.expectStep(1);
  await l2.expectWaiting();
  await expect(p2.getByTestId('topbar.docName')).toHaveText('Fashion-MNIST ResNet');
  await p2.getByTestId('teach.presenter').click();
  await expect(p2.getByTestId('app')).toHaveAttribute('data-presenter', 'true');
  await p2.keyboard.press('ArrowRight');
  await l2.expectStep(2);
  await expect(p2.getByTestId('presenter.step')).toHaveAttribute('data-step', '2');
  await p2.keyboard.press('ArrowRight');
  await l2.expectStep(3);
  const smallest = await l2.card.evaluate((card) => {
    let min = Number.POSITIVE_INFINITY;
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.textContent?.trim() && n.parentElement) min = Math.min(min, parseFloat(getComputedStyle(n.parentElement).fontSize));
    return min;
  });
  expect(smallest).toBeGreaterThanOrEqual(16);
  await p2.screenshot({ path: `${SHOTS}/presenter-lesson2-4-en-light-1920.png` });
  await p2.getByTestId('topbar.language').selectOption('zh-CN');
  await p2.getByTestId('topbar.theme').click();
  await expect(l2.progress).toHaveText('第 4 步，共 8 步');
  await p2.screenshot({ path: `${SHOTS}/presenter-lesson2-4-zh-CN-dark-1920.png` });
  await p2.keyboard.press('ArrowLeft');
  await l2.expectStep(2);
  await ctx.close();
});

test('lesson 5, residual networks behave like ensembles: many paths, and the step opens the lesion study over the canvas with the card beside it', async ({ page }) => {
  const editor = new EditorPage(page);
  const lesson = new LessonPage(page);
  const l: Look = { language: 'zh-CN', theme: 'light' };
  await editor.open('?template=tiny-resnet&persist=0');
  await look(page, l);
  await lesson.open('ensembles');
  await expect(page.getByTestId('topbar.docName')).toHaveText('CIFAR ResNet-20');
  await expect(lesson.card).toContainText('512');
  await shot(page, lesson, 'lesson5', l);
  await lesson.next();
  await lesson.expectStep(1);
  await shot(page, lesson, 'lesson5', l);
  await lesson.next();
  await lesson.expectStep(2);
  await lesson.card.getByTestId('lesson.lesion.open').click();
  await expect(page.getByTestId('lesion')).toBeVisible();
  await expect(page.getByTestId('lesion.start')).toBeVisible();
  await expect(lesson.card).toHaveClass(/lesson-card-aside/);
  await shot(page, lesson, 'lesson5', l);
  await page.getByTestId('lesion.close').click();
  await lesson.next();
  await lesson.expectStep(3);
  await expect(lesson.card).toContainText('VGG');
  await shot(page, lesson, 'lesson5', l);
  await lesson.card.getByTestId('lesson.finish').click();
  await cardsIn(page, lesson, 'ensembles', 4, { language: 'en', theme: 'dark' });
});

test('a teacher’s lesson file: a bad one is refused saying what and where, changing nothing; a good one opens and runs', async ({ page }) => {
  const editor = new EditorPage(page);
  const lesson = new LessonPage(page);
  await editor.open('?template=tiny-resnet&persist=0');
  const mine = {
    format: 'residual-studio-lesson',
    version: 1,
    id: 'my-stride',
    title: { en: 'My lesson: a stride', 'zh-CN': '我的课程：步长' },
    summary: { en: 'One block, one stride.', 'zh-CN': '一个块，一个步长。' },
    steps: [
      { title: { en: 'Look', 'zh-CN': '看' }, doc: { template: 'tiny-resnet' }, highlight: { nodes: ['block1'] }, card: { en: 'block1 gives {shape:block1}.', 'zh-CN': 'block1 输出 {shape:block1}。' }, expect: { shapes: { block1: [8, 32, 32] } } },
      { title: { en: 'Do', 'zh-CN': '做' }, select: 'block1', card: { en: 'Halve it.', 'zh-CN': '减半。' }, task: { text: { en: 'Set block1’s stride to 2.', 'zh-CN': '把 block1 的步长设为 2。' }, done: { kind: 'param', node: 'block1', param: 'stride', equals: 2 }, solution: [{ kind: 'set-param', node: 'block1', param: 'stride', value: 2 }] } },
      { title: { en: 'Done', 'zh-CN': '完成' }, highlight: { shortcuts: ['block1'] }, card: { en: 'Now {shape:block1}, shortcut {shortcut:block1}.', 'zh-CN': '现在是 {shape:block1}，快捷连接 {shortcut:block1}。' } },
    ],
  };
  const bad = { ...mine, steps: [{ ...mine.steps[0], expect: { shapes: { block1: [8, 16, 16] } } }, ...mine.steps.slice(1)] };
  await lesson.button.click();
  await page.getByTestId('lesson.fileInput').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  await expect(page.getByTestId('file.error')).toContainText('step 1, expect.shapes.block1: block1 is 8×32×32, the lesson expects 8×16×16');
  await expect(lesson.list).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/lesson-file-refused-en-light.png` });
  await expect(lesson.card).toHaveCount(0);
  await expect(page.getByTestId('topbar.docName')).toHaveText('Tiny ResNet');
  await lesson.button.click();
  await page.getByTestId('lesson.fileInput').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(mine)) });
  await expect(lesson.card).toHaveAttribute('data-lesson', 'my-stride');
  await expect(page.getByTestId('file.error')).toHaveCount(0);
  await expect(lesson.card).toContainText('block1 gives 8×32×32.');
  await lesson.next();
  await lesson.expectWaiting();
  await editor.inspector.set('stride', '2');
  await lesson.expectStep(2);
  await expect(lesson.card).toContainText('Now 8×16×16, shortcut 1x1 conv, /2.');
});
