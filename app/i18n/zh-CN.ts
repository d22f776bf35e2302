import { opLabelTable } from '../../src/index.ts';
import type { Resources } from './en.ts';
import { labZhCN, signalsZhCN } from './lab.zh-CN.ts';
import { diagnosticsZhCN } from './diagnostics.zh-CN.ts';
import { diffZhCN } from './diff.zh-CN.ts';
import { runZhCN } from './run.zh-CN.ts';
import { lesionZhCN } from './lesion.zh-CN.ts';
import { trainZhCN } from './train.zh-CN.ts';
import { teachZhCN } from './teach.zh-CN.ts';
import { lessonZhCN } from './lesson.zh-CN.ts';
import { userBlocksZhCN } from './userblocks.zh-CN.ts';

/** 简体中文界面文字；术语遵循 shared/seed 中的概念说明（残差块、主通路、快捷连接、恒等映射……）。 */
export const zhCN: Resources = {
  app: { title: '残差工作室 Residual Studio' },
  top: {
    templates: '模板', open: '打开…', save: '保存', exportOnnx: '导出 ONNX', exportPyTorch: '导出 PyTorch', exportPyTorchHint: 'model.py（以 PyTorch 源代码写出的网络）及其加载的权重，打包为 zip', undo: '撤销', redo: '重做', layout: '布局', layoutTB: '自上而下', layoutLR: '从左到右',
    theme: '主题', light: '浅色', dark: '深色', language: '语言', help: '快捷键',
  },
  gallery: { title: '模板库', close: '关闭', open: '打开', opening: '正在打开…', family: { imagenet: 'ImageNet', cifar: 'CIFAR-10', plain: '普通网络（无快捷连接）', vgg: 'VGG', teaching: '教学', blank: '空白' } },
  palette: { title: '组件', search: '搜索算子…', empty: '没有匹配的算子', hint: '拖到画布上，或双击添加。' },
  category: { io: '输入 / 输出', block: '残差块', convolution: '卷积', normalization: '归一化', activation: '激活', pooling: '池化', reshape: '变形', merge: '合并', other: '其他' },
  // Op names live with each op's definition (src/ops): the table is built from the registry.
  op: opLabelTable('zh-CN'),
  card: {
    width: '宽度 {{v}}', stride: '步幅 {{v}}', params: '参数 {{v}}', macs: '乘加 {{v}}', expand: '展开', collapse: '折叠',
    preAct: '预激活', se: 'SE r={{r}}', resnetD: 'ResNet-D',
    stageOf: '{{block}} ×{{n}}', identity: '恒等',
    outChannels: '输出 {{v}}', expansionT: 't = {{v}}', noShortcut: '无快捷连接', noShortcutStride: '步幅 {{stride}}', noShortcutWidth: '{{from}} → {{to}} 通道', out: '输出', fix: '修复：{{label}}', noShape: '尚无形状',
    opaqueReason: '按原文件保留：编辑器不建模此算子',
    opaqueWhy: '导出时连同属性与常量原样写回；此处不可编辑。其后的形状来自 ONNX 的形状规则，否则为未知（?）。',
  },
  shortcut: { identity: '恒等快捷连接（恒等块）', projection: '投影快捷连接（卷积块）', 'zero-pad': '补零快捷连接' },
  shortcutLabel: { projection: '1×1 卷积', 'zero-pad': '补零', strided: '{{base}}，步幅 {{stride}}' },
  option: {
    shortcut: { auto: '自动', identity: '恒等', projection: '投影（1×1 卷积）', 'zero-pad': '补零（选项 A）' },
    block: { basic: '基本块', bottleneck: '瓶颈块' },
    projection: { conv: '带步幅的 1x1 卷积（ResNet-B）', avgpool: '先平均池化，再 1x1 卷积（ResNet-D）' },
    approximate: { none: '精确（erf）', tanh: 'tanh 近似' },
  },
  inspector: {
    title: '属性', name: '名称', op: '算子', none: '选择一个节点进行编辑。模型设置在下方。', model: '模型', input: '输入 C×H×W',
    channels: 'C', height: 'H', width: 'W', projectionEverywhere: '所有快捷连接都用投影（选项 C）', zeroInitResidual: '每个残差块最后的 BN 初始化为 0',
    seed: '随机种子', opset: 'ONNX opset', shapes: '形状', inShape: '输入', outShape: '输出', cost: '开销', shortcut: '快捷连接', diagnostics: '问题', multi: '已选择 {{n}} 个节点',
    edge: '连接', edgeShape: '张量', deleteEdge: '删除连接',
    noShortcut: '无：{{why}}。倒残差块只在步幅为 1 且输入输出宽度相同时加上 x；它从不对 x 做投影。',
    noShortcutStride: '步幅 {{stride}} 改变了分辨率', noShortcutWidth: '输出宽度 {{to}} 与输入宽度 {{from}} 不同',
  },
  param: {
    tensor: '输出名称', weights: '权重（按原文件保留）', shapeAt: '形状推算时的输入尺寸', width: '宽度', stride: '步幅', shortcut: '快捷连接', outChannels: '输出通道', kernel: '卷积核', padding: '填充', dilation: '膨胀', groups: '分组',
    bias: '偏置', eps: 'Epsilon', lastInBlock: '块内最后的 BN', outFeatures: '输出特征', block: '残差块', count: '块数', expansion: '扩展倍数',
    negativeSlope: '负斜率', p: '丢弃概率', inputs: '输入数', axis: '轴', ceilMode: '向上取整',
    batchNorm: '批归一化', alpha: 'Alpha', countIncludePad: '填充计入均值', opType: 'ONNX 算子', domain: '域', outputShape: '输出形状', payload: '载荷',
    min: '下限', max: '上限', beta: 'Beta', approximate: '近似方式', cardinality: '基数（分组数）', baseWidth: '每组宽度 (d)', layerScale: '层缩放 γ（初值）', stochasticDepth: '随机深度概率 p', init: '初始值',
    preActivation: '预激活（BN → ReLU → 卷积，He 等 2016）', squeezeExcite: '挤压-激励 SE（Hu 等）', seReduction: 'SE 压缩比 r', projection: '投影快捷连接',
  },
  status: {
    params: '参数量', macs: '乘加', identity: '恒等', projection: '投影', zeroPad: '补零', blocks: '残差块', diagnostics: '{{count}} 个问题',
    ok: '没有问题', pending: '有未保存的更改…', saving: '正在保存…', saved: '已保存', saveError: '自动保存失败：{{message}}', nodes: '{{count}} 个节点', opaque: '{{count}} 个按原文件保留',
  },
  diag: { title: '问题', fix: '修复', none: '没有问题。', close: '关闭' },
  help: {
    title: '键盘快捷键', close: '关闭', delete: '删除所选', undo: '撤销', redo: '重做', copy: '复制', paste: '粘贴', duplicate: '创建副本',
    save: '保存项目文件', fit: '适应视图', help: '本帮助', expand: '展开 / 折叠残差块', doubleClick: '双击',
  },
  toast: {
    refused: '拒绝连接：{{reason}}', cannotExpand: '这个残差块还没有输入形状：请先连接它。', collapseReplaced: '已折叠：块内的修改已被残差块的定义取代。撤销（Ctrl+Z）可以恢复。', saved: '已保存 {{file}}',
    opened: '已打开 {{file}}', exported: '已导出 {{file}}', exportFailed: '导出失败：{{code}} {{message}}', exportWarning: '已导出，但 {{code}} {{message}}', importNote: '已打开：{{code}} {{message}}', weightsLocal: '已打开，但{{message}}。', layoutFailed: '布局失败：{{message}}', restoreFailed: '无法恢复自动保存：{{message}}', dismiss: '关闭',
    exportCrashed: '导出失败：{{message}}',
    weightsOpened: '已从 {{file}} 载入 {{n}} 个权重张量，放到同名的层上', weightsNone: '{{file}} 中没有这个网络的权重：{{message}}',
  },
  file: {
    refused: '未打开“{{file}}”；当前文档保持不变。', dismiss: '关闭',
    notUrl: '这不是有效的网址', otherOrigin: '只能通过网址打开本站的文件（{{origin}} 是另一个源）',
    httpStatus: '服务器返回 HTTP {{status}} {{statusText}}', downloadFailed: '无法下载（{{detail}}）',
  },
  boot: { autosaveFormat: '它的保存格式无法识别（schemaVersion {{version}}）' },
  export: {
    freshWeights: '已使用新初始化的权重导出：无法载入训练好的权重（{{reason}}）。',
    workerStart: '无法启动导出 worker（{{detail}}）', workerFailed: '导出 worker 失败（{{detail}}）', unknown: '没有给出原因',
  },
  import: { cancel: '取消' },
  importPhase: { read: '读取', decode: '解码', map: '映射层', blocks: '识别残差块', weights: '权重', done: '完成' },
  conflict: { message: '另一个标签页在本页加载之后保存了这个项目。本页已暂停自动保存，以免互相覆盖。', reload: '载入另一个标签页的版本', keep: '保留我的（覆盖）' },
  canvas: { label: '网络画布', empty: '从组件面板把残差块和层拖到这里。' },
  run: runZhCN,
  train: trainZhCN,
  lab: labZhCN,
  signals: signalsZhCN,
  teach: teachZhCN,
  lesson: lessonZhCN,
  ublock: userBlocksZhCN,
  diff: diffZhCN,
  lesion: lesionZhCN,
  diagnostics: diagnosticsZhCN,
};
