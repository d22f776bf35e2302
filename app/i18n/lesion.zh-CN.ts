import type { lesionEn } from './lesion.en.ts';

type Strings<T> = { readonly [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };

/** 损伤研究（app/panels/lesion/）：简体中文。术语见 shared/seed：残差块、恒等块、快捷连接、普通网络。 */
export const lesionZhCN: Strings<typeof lesionEn> = {
  title: '损伤研究：残差网络的行为像集成',
  sub: 'Veit、Wilber、Belongie，2016',
  entry: '损伤研究',
  entryTitle: '从训练好的残差网络中每次删除一个块，从训练好的普通网络中每次删除一层，测量留出图像上的准确率',
  what: '两个训练好的 20 层网络，宽度（8/16/32）和深度相同：一个残差网络和它对应的普通网络（同样的层，没有快捷连接），用同样的方法在 Fashion-MNIST 上训练。研究每次从残差网络中删除一个恒等块（这个块随后把输入 x 直接传下去），每次从普通网络中删除一个 卷积-BN-ReLU 层，每删除一次就在留出的测试图像上测量准确率。快捷连接改变维度的两个块不能删除。',
  images: '留出图像',
  imagesN: '{{n}} 张图像',
  start: '运行研究',
  again: '再运行一次',
  stop: '停止',
  loading: '正在加载训练好的网络和图像…',
  progressN: '已评估 {{done}} / {{total}} 个网络',
  stopped: '已停止：已经测得的点保留。',
  done: '已在 {{images}} 张留出图像上评估 {{total}} 个网络。',
  failed: '研究无法运行：{{message}}',
  openFailed: '无法打开这个网络：{{message}}',
  close: '关闭',
  intact: '完整',
  accuracy: '准确率',
  deletedBlock: '删除的块',
  deletedLayer: '删除的层',
  pending: '还有 {{n}} 个待评估…',
  net: { resnet: '残差网络（ResNet-20）', plain: '普通网络（plain-20）' },
  open: { resnet: '打开残差网络', plain: '打开普通网络' },
  chart: {
    x: '删除的位置（从输入数起的带权层）',
    y: '留出准确率',
    intactResnet: '残差网络，完整',
    intactPlain: '普通网络，完整',
    chance: '随机猜测（10%）',
  },
  result:
    '删除 {{blocks}} 个块中的任意一个，残差网络仍有 {{resLow}}–{{resHigh}}（完整时 {{resIntact}}）；删除 {{layers}} 层中的任意一层，普通网络只剩 {{plainLow}}–{{plainHigh}}（完整时 {{plainIntact}}；随机猜测为 10%）。',
  paper:
    '论文：从训练好的 110 层 ResNet 中删除一个块，CIFAR-10 错误率几乎不变；而从训练好的 VGG 中删除一层，准确率降到随机猜测。残差网络的行为像许多较短路径的集成，这些路径并不全都相互依赖；普通网络只有一条路径，路径上的每一层都不可缺少。这里的残差网络只有 9 个块，而不是论文中的 54 个，所以每条路径更短，靠前的几个块（最先改造主干特征的地方）更重要。',
};
