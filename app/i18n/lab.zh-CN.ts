import type { labEn, signalsEn } from './lab.en.ts';

/** 退化实验（app/panels/lab/）与初始化信号图（app/panels/signals/）的简体中文文本。 */
export const labZhCN: typeof labEn = {
  entry: '退化实验：普通网络 vs 残差网络…',
  title: '退化实验',
  subtitle: '同样深度、同样宽度、同样数据、同样训练预算、同样初始权重的普通网络和残差网络，并排训练。',
  close: '关闭',
  depth: '深度（带权重的层数）',
  depthOption: '{{depth}} 层',
  start: '同时训练两者',
  stop: '停止',
  budget: '每个网络：{{steps}} 步，每步 {{batch}} 张图片（每轮 {{images}} 张，共 {{epochs}} 轮），SGD 学习率 {{lr}}，动量 0.9，权重衰减 {{wd}}，种子 {{seed}}，宽度 {{widths}}，WASM。',
  plain: '普通网络',
  residual: '残差网络',
  starting: '正在加载数据并编译…',
  refusedTrain: '“训练”面板正在训练画布上的网络，所以实验室没有开始：同时进行两个训练会分享这台电脑的处理器核心，两者都会很慢。请停止那次训练或等它结束，再点“同时训练两者”。',
  progress: '第 {{step}} / {{total}} 步 · {{ips}} 张/秒 · 还剩 {{left}}',
  took: '用时 {{time}}',
  phase: { idle: '就绪', starting: '正在启动', training: '正在训练', stopping: '正在停止', done: '完成', stopped: '已停止', error: '失败' },
  chart: {
    loss: '训练损失（平滑）',
    trainError: '训练误差 %（平滑）',
    testError: '测试误差 %（每轮之后）',
    step: '步',
    epoch: '轮',
  },
  result: {
    worse: '在 {{depth}} 层时，普通网络的训练误差最终为 {{plain}}%，残差网络为 {{residual}}%：更深的普通网络更难优化——这就是退化问题。',
    notWorse: '在 {{depth}} 层时，普通网络的训练误差最终为 {{plain}}%，残差网络为 {{residual}}%：在这个深度和预算下普通网络并不更差——试试更深的一对网络。',
    same: '在 {{depth}} 层时，普通网络的训练误差最终为 {{plain}}%，残差网络为 {{residual}}%：在这个深度和预算下两者差不多——差距随深度变大（试试 56 层）。',
    stopped: '提前停止：在 {{depth}} 层时，普通网络的训练误差为 {{plain}}%，残差网络为 {{residual}}%。',
    test: '测试误差：普通网络 {{plainTest}}%，残差网络 {{residualTest}}%。',
  },
  signals: '初始化时的信号（训练之前）',
  paper: {
    title: '论文（CIFAR-10）',
    plain: '图 6：更深的普通网络在整个训练过程中训练误差都更高——plain-56 高于 plain-20（退化问题）。',
    net: '网络',
    testError: '测试误差',
    note: 'He 等，2015，表 6（64k 次迭代，数据增强）。本实验在 Fashion-MNIST 上训练的时间短得多：请比较两条曲线之间的差距，而不是具体数值。',
  },
};

export const signalsZhCN: typeof signalsEn = {
  grad: '每层权重的梯度范数（对数坐标）',
  std: '每层之后激活值的标准差（对数坐标）',
  layer: '带权重的层',
  plain: '普通网络',
  residual: '残差网络',
  loading: '正在测量初始化时的信号…',
  failed: '无法测量信号：{{message}}',
  note: '一批 {{batch}} 张测试图片，初始权重，训练模式。第一层的梯度范数：普通网络 {{first}}，残差网络 {{firstRes}}。',
};
