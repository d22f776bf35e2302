import { NO_COST } from './common.ts';
import type { OpDef } from './types.ts';

/** The model's input image; its shape comes from the document's input spec. */
export const input: OpDef = {
  kind: 'Input',
  category: 'io',
  summary: 'Input: the image the network sees (N×C×H×W).',
  labels: { en: 'Input', 'zh-CN': '输入' },
  params: [],
  inputCount: () => 0,
  infer: ({ modelInput }) => ({ outputs: [modelInput] }),
  cost: () => NO_COST,
  // The compiler binds the graph input `input` directly; nothing to emit.
  lower: () => ['input'],
};

/** Marks the tensor that is the model's output (`logits`). */
export const output: OpDef = {
  kind: 'Output',
  category: 'io',
  summary: 'Output: the tensor the model returns (logits).',
  labels: { en: 'Output', 'zh-CN': '输出' },
  // The graph output's name in exported files; empty means `logits` (`logits_1`, … after the first).
  params: [{ name: 'tensor', type: 'string', default: '' }],
  inputCount: () => 1,
  infer: () => ({ outputs: [] }),
  cost: () => NO_COST,
  lower: () => [],
};
