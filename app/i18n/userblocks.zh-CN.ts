import type { userBlocksEn } from './userblocks.en.ts';

/** 自定义块的中文文本。 */
export const userBlocksZhCN: typeof userBlocksEn = {
  group: '我的块',
  none: '在画布上选中若干层，然后在检查器中点“制作块”。',
  make: '制作块',
  nameLabel: '块名称',
  makeHint: '选中的层成为一种块类型（一个输入 x，一个输出），保存在本文档的块库中。',
  kind: '自定义块',
  detach: '拆开（变回普通层）',
  detachHint: '这张卡片会变回它的各层；之后修改 {{name}} 不会影响它们。',
  editHint: '要修改 {{name}}：展开这张卡片，修改其中的层，然后点“更新定义”（在框上，或选中其中一层后在检查器中）。所有实例都会随之改变。',
  updateShort: '更新',
  memberOf: '这是 {{instance}} 中的一层，{{instance}} 是 {{name}} 的一个实例。“更新定义”把这个实例现在的各层作为 {{name}} 的定义，所有实例都随之改变。',
  update: '更新定义',
  updated: '已更新 {{name}}：全部 {{n}} 个实例都采用新定义。',
  updateRefused: '定义未更新：{{message}}',
  instances: '本网络中的实例：{{n}} 个。',
  itemHint: '{{name}}：由 {{n}} 层组成的块。双击加入一个。',
  exportLibrary: '导出…',
  openLibrary: '打开…',
  exportHint: '把我的块保存为块库文件',
  openHint: '加入块库文件中的块',
  added: '已把 {{names}} 加入我的块',
  nothingAdded: '这些块已经在我的块中',
};
