import { expect, type Locator, type Page } from '@playwright/test';

/** The lessons: the list (top bar's Lessons) and the open step's card. */
export class LessonPage {
  constructor(readonly page: Page) {}
  get button(): Locator {
    return this.page.getByTestId('teach.lessons');
  }
  get list(): Locator {
    return this.page.getByTestId('lesson.list');
  }
  get card(): Locator {
    return this.page.getByTestId('lesson.card');
  }
  get task(): Locator {
    return this.card.getByTestId('lesson.task');
  }
  get progress(): Locator {
    return this.card.getByTestId('lesson.progress');
  }
  /** Opens a lesson from the list and waits for its first step. */
  async open(id: string) {
    await this.button.click();
    await this.list.getByTestId(`lesson.open.${id}`).click();
    await expect(this.card).toHaveAttribute('data-lesson', id);
    await this.expectStep(0);
  }
  /** Waits until the card shows step `index` (0-based), placed on screen. */
  async expectStep(index: number) {
    await expect(this.card).toHaveAttribute('data-step', String(index));
    await expect(this.card).toBeInViewport();
  }
  async next() {
    await this.card.getByTestId('lesson.next').click();
  }
  async prev() {
    await this.card.getByTestId('lesson.prev').click();
  }
  /** A waiting step: the card says what to do and waits; after the action it moves on by itself. */
  async expectWaiting() {
    await expect(this.card).toHaveAttribute('data-waiting', 'true');
    await expect(this.task).toHaveAttribute('data-done', 'false');
  }
}
