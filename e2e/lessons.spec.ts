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
