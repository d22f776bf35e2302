import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor.ts';
import { UserBlocksPage } from './pages/user-blocks.ts';

/** The seven layers of Tiny ResNet's identity block, expanded: the main path, the add, the last ReLU. */
const BLOCK1 = ['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'add', 'relu'].map((l) => `block1.${l}`);

/** Expands Tiny ResNet's block1 and makes a block type `TwoConv` of its layers. */
async function makeTwoConv(page: Page, ed: EditorPage, ub: UserBlocksPage) {
  await ed.canvas.node('block1').dblclick();
  await expect(ed.canvas.node('block1.relu')).toBeVisible();
  await ub.selectCards(BLOCK1);
  await expect(page.getByText('7 nodes selected')).toBeVisible();
  await ub.make('TwoConv');
  await expect(ub.instances('twoconv')).toHaveCount(1);
}

test('a block made from a selection, used twice: editing its definition changes both cards in one undo step, one is detached, the library goes to a new document as a file', async ({ page, browser }, info) => {
  const ed = new EditorPage(page);
  const ub = new UserBlocksPage(page);
  await ed.open('?template=tiny-resnet');
  await expect(ed.status('params')).toHaveText('5.3K');
  await expect(ub.group).toContainText('Select layers on the canvas');

  await makeTwoConv(page, ed, ub);
  // The card stands where the layers were, named by the block type, with the same solid arc.
  const first = ed.canvas.node('block1');
  await expect(first.getByTestId('card.kind')).toHaveText('TwoConv');
  await expect(first.getByTestId('card.width')).toHaveText('width 8');
  await expect(first.getByTestId('card.stride')).toHaveText('stride 1');
  await expect(ed.canvas.shapeOf('block1')).toHaveText('→ N×8×32×32');
  await expect(first.getByTestId('canvas.arc.identity')).toHaveCount(1);
  await expect(first.getByTestId('card.cost.params')).toHaveText('1.2K params');
  await expect(ed.status('params')).toHaveText('5.3K');
  await expect(ed.status('diagnostics')).toHaveText('No problems');
  await expect(page.getByTestId('inspector.op')).toHaveText('TwoConv · User block');
  await expect(ub.item('TwoConv')).toBeVisible();

  // Used a second time: from the palette, wired in between block1 and block2.
  await ub.addFromPalette('TwoConv');
  // It is added below the network: fit the view to see both (cards out of view are not drawn).
  await ed.canvas.fit();
  await expect(ub.instances('twoconv')).toHaveCount(2);
  await page.getByTestId('canvas.edge.e:block1:0->block2:0').click();
  await page.keyboard.press('Delete');
  await ed.canvas.connect('block1', 'twoconv_1');
  await ed.canvas.connect('twoconv_1', 'block2');
  // Tidied by the layout button, as a user would after wiring a card in.
  await page.getByTestId('topbar.layout.TB').click();
  await expect(ed.status('diagnostics')).toHaveText('No problems');
  const second = ed.canvas.node('twoconv_1');
  await expect(ed.canvas.shapeOf('twoconv_1')).toHaveText('→ N×8×32×32');
  await expect(second.getByTestId('card.cost.params')).toHaveText('1.2K params');
  await expect(second.getByTestId('canvas.arc.identity')).toHaveCount(1);
  await expect(ed.status('params')).toHaveText('6.5K');

  // The definition edited through one instance: its first convolution becomes 1×1.
  await first.dblclick();
  await ed.canvas.select('block1.conv1');
  await ed.inspector.set('kernel', '1');
  await ed.inspector.set('padding', '0');
  await ed.inspector.field('padding').press('Enter');
  await expect(page.getByTestId('inspector.memberOf')).toContainText('A layer of block1, an instance of TwoConv.');
  await ub.updateFromInspector();
  await expect(page.getByTestId('toast.info')).toContainText('Updated TwoConv: all 2 instances follow the new definition.');
  // Both cards follow: 8·8 + 8·8·9 + BN weights, and the MACs with it.
  for (const card of [first, second]) {
    await expect(card.getByTestId('card.cost.params')).toHaveText('672 params');
    await expect(card.getByTestId('card.cost.macs')).toHaveText('655.4K MACs');
    await expect(card.getByTestId('card.shape')).toHaveText('→ N×8×32×32');
  }
  await expect(ed.status('params')).toHaveText('5.4K');
  // One undo step brings both back: the other card to the old definition, this instance to its
  // layers as they were just before Update (expanded, the 1×1 still an edit of its own).
  await page.getByTestId('topbar.undo').click();
  await expect(second.getByTestId('card.cost.params')).toHaveText('1.2K params');
  await expect(ed.canvas.node('block1.conv1')).toContainText('1×1, 8');
  await expect(ed.status('params')).toHaveText('5.9K');
  // Collapsed, it is the definition's again: 1.2K like the other.
  await page.getByTestId('canvas.collapse.block1').click();
  await expect(first.getByTestId('card.cost.params')).toHaveText('1.2K params');
  await expect(ed.status('params')).toHaveText('6.5K');

  // Detached, the second instance is plain layers again; the first stays a TwoConv card.
  await ed.canvas.select('twoconv_1');
  await ub.detachSelected();
  await expect(ed.canvas.node('twoconv_1.conv1')).toBeVisible();
  await expect(ub.instances('twoconv')).toHaveCount(1);
  await expect(ed.status('params')).toHaveText('6.5K');
  await expect(ed.status('diagnostics')).toHaveText('No problems');

  // Exported as a block library file.
  const download = await ub.exportLibrary();
  const file = info.outputPath('blocks.rsblocks.json');
  await download.saveAs(file);
  const lib = JSON.parse(readFileSync(file, 'utf8')) as { kind: string; blocks: { name: string; exit: string }[] };
  expect(lib.kind).toBe('residual-studio/block-library');
  expect(lib.blocks.map((b) => b.name)).toEqual(['TwoConv']);
  // A damaged copy: its exit names a layer the block does not have.
  const damaged = info.outputPath('damaged.rsblocks.json');
  writeFileSync(damaged, JSON.stringify({ ...lib, blocks: [{ ...lib.blocks[0], exit: 'nope' }] }));

  // A new document, in a browser that kept nothing: the damaged file is refused and changes nothing.
  const other = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page2 = await other.newPage();
  const ed2 = new EditorPage(page2);
  const ub2 = new UserBlocksPage(page2);
  await ed2.open('?template=tiny-resnet');
  await expect(ub2.group).toContainText('Select layers on the canvas');
  await ub2.openLibrary(damaged);
  await expect(page2.getByTestId('file.error')).toContainText('“damaged.rsblocks.json” was not opened; your document is unchanged.');
  await expect(page2.getByTestId('file.error')).toContainText('RS506: block 0 (TwoConv), nodes: block TwoConv: an edge, entry or mapping names layer "nope", which the block does not have');
  await expect(ub2.group).toContainText('Select layers on the canvas');
  await expect(page2.getByTestId('topbar.undo')).toBeDisabled();
  // The good file adds TwoConv to the palette; an instance of it counts like the original.
  await ub2.openLibrary(file);
  await expect(page2.getByTestId('file.error')).toBeHidden();
  await expect(page2.getByTestId('toast.info')).toContainText('Added TwoConv to your blocks');
  await ub2.addFromPalette('TwoConv');
  await ed2.canvas.fit();
  await expect(ub2.instances('twoconv')).toHaveCount(1);
  await ed2.canvas.select('twoconv_1');
  await expect(page2.getByTestId('inspector.op')).toHaveText('TwoConv · User block');
  await expect(ed2.inspector.field('width')).toHaveValue('8');
  await other.close();

  // Kept across documents: another template, then a reload, still offer TwoConv.
  await ed.openTemplate('resnet18');
  await expect(ub.item('TwoConv')).toBeVisible();
  await page.reload();
  await expect(ub.item('TwoConv')).toBeVisible();
  // Dragged onto this network (which has no TwoConv yet), it comes with its definition: one card, one undo step.
  await ed.palette.dragOnto('user.TwoConv', ed.canvas.root, { x: 700, y: 300 });
  await expect(ub.instances('twoconv')).toHaveCount(1);
  await expect(page.getByTestId('inspector.op')).toHaveText('TwoConv · User block');
  await page.getByTestId('topbar.undo').click();
  await expect(ub.instances('twoconv')).toHaveCount(0);
  await expect(ub.item('TwoConv')).toBeVisible();
});

test('a user block collapsed and expanded, the palette group and the inspector read in EN and 中文, light and dark, at 1440 and 1920', async ({ page }) => {
  const shot = (name: string) => page.screenshot({ path: test.info().outputPath(name) });
  const ed = new EditorPage(page);
  const ub = new UserBlocksPage(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await ed.open('?template=tiny-resnet');
  // Two layers that are not one block: refused in the inspector with why, in the UI language.
  await ub.selectCards(['bn1', 'block2']);
  await ub.make('Broken');
  await expect(page.getByTestId('inspector.makeBlock.error')).toHaveText('the selected layers read 2 tensors from outside the selection (conv1, block1); a block has one input x');
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await expect(page.getByTestId('inspector.makeBlock.error')).toHaveText('选中的层从选区外读取了 2 个张量（conv1, block1）；块只有一个输入 x');
  await shot('make-block-refused-zh-light-1440.png');
  await page.getByTestId('topbar.language').selectOption('en');
  await expect(page.getByTestId('statusbar')).toContainText('10 nodes');
  await expect(page.getByTestId('topbar.undo')).toBeDisabled();
  await makeTwoConv(page, ed, ub);
  await expect(page.getByTestId('inspector.userBlock')).toContainText('Instances in this network: 1.');
  await shot('user-block-collapsed-en-light-1440.png');
  await ed.canvas.node('block1').dblclick();
  await ed.canvas.select('block1.conv1');
  await expect(page.getByTestId('canvas.update.block1')).toHaveText('✓ Update');
  await shot('user-block-expanded-en-light-1440.png');

  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await page.getByTestId('topbar.theme').click();
  await expect(page.getByTestId('inspector.memberOf')).toContainText('这是 block1 中的一层');
  await expect(ub.group).toContainText('我的块');
  await expect(page.getByTestId('palette.user.export')).toHaveText('导出…');
  await shot('user-block-expanded-zh-dark-1440.png');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await shot('user-block-expanded-zh-dark-1920.png');
  await page.getByTestId('canvas.collapse.block1').click();
  await ed.canvas.select('block1');
  await expect(page.getByTestId('inspector.op')).toHaveText('TwoConv · 自定义块');
  await expect(page.getByTestId('inspector.detach')).toHaveText('拆开（变回普通层）');
  await shot('user-block-collapsed-zh-dark-1920.png');
  await page.getByTestId('topbar.language').selectOption('en');
  await page.getByTestId('topbar.theme').click();
  await shot('user-block-collapsed-en-light-1920.png');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('topbar.language').selectOption('zh-CN');
  await shot('user-block-collapsed-zh-light-1440.png');
});
