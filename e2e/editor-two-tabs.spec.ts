import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';

/**
 * Two tabs on the same autosave never silently overwrite each other: when one saves under the
 * other, the other raises a conflict instead of writing, and the user chooses.
 */
test('a second tab editing the same autosave gets a conflict, not a silent overwrite', async ({ context }) => {
  const a = new EditorPage(await context.newPage());
  await a.open();
  await a.openTemplate('tiny-resnet');
  await expect(a.status('save')).toHaveText('Saved');

  // Headless tabs in the background get no animation frames: bring each to the front to use it.
  const b = new EditorPage(await context.newPage());
  await b.page.bringToFront();
  await b.open();
  await expect(b.page.getByTestId('topbar.docName')).toHaveText('Tiny ResNet');

  // Tab B edits and saves first; tab A's next edit must not overwrite it.
  await b.canvas.select('block2');
  await b.inspector.set('width', '24');
  await expect(b.status('save')).toHaveText('Saved');

  await a.page.bringToFront();
  await a.canvas.select('block1');
  await a.inspector.set('width', '12');
  await expect(a.page.getByTestId('conflict')).toBeVisible();

  // Loading theirs shows B's edit in A.
  await a.page.getByTestId('conflict.reload').click();
  await expect(a.page.getByTestId('conflict')).toBeHidden();
  await a.canvas.select('block2');
  await expect(a.inspector.field('width')).toHaveValue('24');
});
