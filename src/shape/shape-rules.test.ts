import { describe, expect, it } from 'vitest';
import { createDocument } from '../document/document.ts';
import { addNode, connect } from '../graph/edit.ts';
import type { NodeId } from '../graph/ids.ts';
import type { OpKind, Params, ResidualDocument, Shape } from '../graph/types.ts';
import { chain } from '../graph/testing/chain.ts';
import { analyze } from './analyze.ts';

/** A document Input → op → Output, with the given model input. */
function single(op: OpKind, params: Params, input: Shape, prefix: { op: OpKind; params: Params }[] = []): { doc: ResidualDocument; id: NodeId } {
  let doc = createDocument({ input: { channels: input[0]!, height: input[1]!, width: input[2]! } });
  const chain: NodeId[] = [];
  for (const [o, p] of [['Input', {}] as const, ...prefix.map((x) => [x.op, x.params] as const), [op, params] as const, ['Output', {}] as const]) {
    const r = addNode(doc, o, { position: { x: 0, y: chain.length * 80 }, params: p });
    doc = r.doc;
    if (chain.length) doc = connect(doc, { source: chain.at(-1)!, sourcePort: 0, target: r.id, targetPort: 0 }).doc;
    chain.push(r.id);
  }
  return { doc, id: chain.at(-2)! };
}

const flat = [{ op: 'GlobalAvgPool' as OpKind, params: {} }, { op: 'Flatten' as OpKind, params: {} }];

// [op, params, input CHW, expected output (no batch), params, MACs]
const CASES: [OpKind, Params, Shape, Shape, number, number][] = [
  ['Conv2d', { outChannels: 64, kernel: 7, stride: 2, padding: 3 }, [3, 224, 224], [64, 112, 112], 9408, 118_013_952],
  ['Conv2d', { outChannels: 8, kernel: 3, stride: 1, padding: 0, bias: true }, [4, 10, 10], [8, 8, 8], 8 * 4 * 9 + 8, 64 * 8 * 36],
  ['Conv2d', { outChannels: 8, kernel: 3, stride: 1, padding: 2, dilation: 2 }, [4, 10, 10], [8, 10, 10], 288, 100 * 288],
  ['Conv2d', { outChannels: 8, kernel: 3, stride: 2, padding: 1, groups: 4 }, [8, 9, 9], [8, 5, 5], 8 * 2 * 9, 25 * 8 * 18],
  ['Conv2d', { outChannels: 16, kernel: 1, stride: 2, padding: 0 }, [8, 7, 7], [16, 4, 4], 128, 16 * 128],
  ['BatchNorm2d', {}, [16, 8, 8], [16, 8, 8], 32, 0],
  ['ReLU', {}, [16, 8, 8], [16, 8, 8], 0, 0],
  ['LeakyReLU', { alpha: 0.2 }, [2, 3, 3], [2, 3, 3], 0, 0],
  ['Sigmoid', {}, [2, 3, 3], [2, 3, 3], 0, 0],
  ['Clip', { min: -0.5, max: 2 }, [2, 3, 3], [2, 3, 3], 0, 0],
  ['ReLU6', {}, [2, 3, 3], [2, 3, 3], 0, 0],
  ['SiLU', {}, [2, 3, 3], [2, 3, 3], 0, 0],
  ['Hardsigmoid', {}, [2, 3, 3], [2, 3, 3], 0, 0],
  ['Hardswish', {}, [2, 3, 3], [2, 3, 3], 0, 0],
  ['GELU', { approximate: 'tanh' }, [2, 3, 3], [2, 3, 3], 0, 0],
  ['Softmax', {}, [10, 1, 1], [10, 1, 1], 0, 0],
  ['Identity', {}, [2, 3, 3], [2, 3, 3], 0, 0],
  ['Dropout', { p: 0.3 }, [2, 3, 3], [2, 3, 3], 0, 0],
  ['MaxPool2d', { kernel: 3, stride: 2, padding: 1 }, [64, 112, 112], [64, 56, 56], 0, 0],
  ['MaxPool2d', { kernel: 3, stride: 2, padding: 0, ceilMode: true }, [4, 8, 8], [4, 4, 4], 0, 0],
  ['AvgPool2d', { kernel: 2, stride: 2, padding: 0 }, [4, 9, 9], [4, 4, 4], 0, 0],
  ['GlobalAvgPool', {}, [512, 7, 7], [512, 1, 1], 0, 0],
  ['Flatten', {}, [512, 1, 1], [512], 0, 0],
  ['ZeroPadShortcut', { outChannels: 32, stride: 2 }, [16, 32, 32], [32, 16, 16], 0, 0],
  ['ZeroPadShortcut', { outChannels: 32, stride: 2 }, [16, 7, 7], [32, 4, 4], 0, 0],
  ['BasicBlock', { width: 64, stride: 1 }, [64, 56, 56], [64, 56, 56], 2 * (64 * 64 * 9 + 128), 2 * 56 * 56 * 64 * 64 * 9],
  ['BasicBlock', { width: 128, stride: 2 }, [64, 56, 56], [128, 28, 28], 64 * 128 * 9 + 256 + 128 * 128 * 9 + 256 + 64 * 128 + 256, 28 * 28 * 128 * (64 * 9 + 128 * 9 + 64)],
  ['Bottleneck', { width: 64, stride: 1 }, [64, 56, 56], [256, 56, 56], 64 * 64 + 128 + 64 * 64 * 9 + 128 + 64 * 256 + 512 + 64 * 256 + 512, 56 * 56 * (64 * 64 + 64 * 64 * 9 + 64 * 256 + 64 * 256)],
  ['Stage', { block: 'basic', count: 3, width: 32, stride: 2, shortcut: 'zero-pad' }, [16, 32, 32], [32, 16, 16], 16 * 32 * 9 + 32 * 32 * 9 * 5 + 6 * 64, 256 * (16 * 32 * 9 + 32 * 32 * 9 * 5)],
];

describe('shape rules and costs', () => {
  it.each(CASES)('%s %j on %j gives %j', (op, params, input, expected, nParams, macs) => {
    const { doc, id } = single(op, params, input);
    const a = analyze(doc);
    expect(a.diagnostics).toEqual([]);
    const info = a.nodes.get(id)!;
    expect(info.outputShapes[0]).toEqual(expected);
    expect(info.cost.params).toBe(nParams);
    expect(info.cost.macs).toBe(macs);
  });

  it('Linear takes a vector: params and MACs as torch counts them', () => {
    const { doc, id } = single('Linear', { outFeatures: 1000 }, [512, 7, 7], flat);
    const info = analyze(doc).nodes.get(id)!;
    expect(info.outputShapes[0]).toEqual([1000]);
    expect(info.cost).toMatchObject({ params: 513_000, macs: 512_000 });
  });

  it('Linear acts on the last axis of a channels-last map [H, W, C], as torch.nn.Linear: MACs once per position', () => {
    // The document's input stands in for ConvNeXt's permuted N×H×W×C tensor: the last axis (32) is C.
    const { doc, id } = single('Linear', { outFeatures: 96 }, [7, 7, 32]);
    const a = analyze(doc);
    expect(a.diagnostics).toEqual([]);
    const info = a.nodes.get(id)!;
    expect(info.outputShapes[0]).toEqual([7, 7, 96]);
    expect(info.cost).toEqual({ params: 32 * 96 + 96, macs: 7 * 7 * 32 * 96, otherOps: 7 * 7 * 96 });
    const noBias = analyze(single('Linear', { outFeatures: 96, bias: false }, [7, 7, 32]).doc);
    expect([...noBias.nodes.values()].find((n) => n.outputShapes[0]?.at(-1) === 96)!.cost).toEqual({ params: 32 * 96, macs: 7 * 7 * 32 * 96, otherOps: 0 });
  });

  it('Concat adds channels', () => {
    let doc = createDocument({ input: { channels: 3, height: 8, width: 8 } });
    const ids: NodeId[] = [];
    for (const [op, p] of [['Input', {}], ['Conv2d', { outChannels: 5 }], ['Conv2d', { outChannels: 7 }], ['Concat', {}], ['Output', {}]] as const) {
      const r = addNode(doc, op, { position: { x: 0, y: 0 }, params: p });
      doc = r.doc;
      ids.push(r.id);
    }
    const [i, c1, c2, cat, out] = ids as [NodeId, NodeId, NodeId, NodeId, NodeId];
    for (const [s, t, p] of [[i, c1, 0], [i, c2, 0], [c1, cat, 0], [c2, cat, 1], [cat, out, 0]] as const) doc = connect(doc, { source: s, sourcePort: 0, target: t, targetPort: p }).doc;
    const a = analyze(doc);
    expect(a.diagnostics).toEqual([]);
    expect(a.nodes.get(cat)!.outputShapes[0]).toEqual([12, 8, 8]);
  });
});

/** Input → conv (a) and input → gate path (b) → Mul(a, b) → Output: the two Mul inputs get the given shapes. */
function mulDoc(a: Params, bPath: { op: OpKind; params: Params }[], input: Shape = [8, 6, 6]): { doc: ResidualDocument; mul: NodeId } {
  let doc = createDocument({ input: { channels: input[0]!, height: input[1]!, width: input[2]! } });
  const add = (op: OpKind, params: Params = {}) => {
    const r = addNode(doc, op, { position: { x: 0, y: 0 }, params });
    doc = r.doc;
    return r.id;
  };
  const join = (s: NodeId, t: NodeId, port = 0) => (doc = connect(doc, { source: s, sourcePort: 0, target: t, targetPort: port }).doc);
  const inp = add('Input');
  const conv = add('Conv2d', a);
  join(inp, conv);
  let prev = inp;
  for (const step of bPath) {
    const id = add(step.op, step.params);
    join(prev, id);
    prev = id;
  }
  const mul = add('Mul');
  join(conv, mul, 0);
  join(prev, mul, 1);
  join(mul, add('Output'));
  return { doc, mul };
}

describe('Mul broadcasts as ONNX and numpy do', () => {
  const gate: { op: OpKind; params: Params }[] = [{ op: 'GlobalAvgPool', params: {} }, { op: 'Conv2d', params: { outChannels: 8, kernel: 1, padding: 0 } }, { op: 'Sigmoid', params: {} }];

  it('a squeeze-and-excitation gate C×1×1 scales the feature map C×H×W', () => {
    const { doc, mul } = mulDoc({ outChannels: 8 }, gate);
    const a = analyze(doc);
    expect(a.diagnostics).toEqual([]);
    const info = a.nodes.get(mul)!;
    expect(info.inputShapes).toEqual([[8, 6, 6], [8, 1, 1]]);
    expect(info.outputShapes[0]).toEqual([8, 6, 6]);
    expect(info.cost).toEqual({ params: 0, macs: 0, otherOps: 8 * 36 });
  });

  it('size-1 axes broadcast on either side, in any position', () => {
    // [1,6,6] (one channel) · [8,1,1] → [8,6,6]: each side stretches the other's size-1 axes.
    const { doc, mul } = mulDoc({ outChannels: 1 }, gate);
    const a = analyze(doc);
    expect(a.diagnostics).toEqual([]);
    expect(a.nodes.get(mul)!.outputShapes[0]).toEqual([8, 6, 6]);
  });

  it.each([
    ['channels that differ and are not 1', { outChannels: 4 }, gate, 'mul-shapes', 'N×4×6×6', 'N×8×1×1'],
    ['a vector times a feature map', { outChannels: 8 }, [{ op: 'GlobalAvgPool' as OpKind, params: {} }, { op: 'Flatten' as OpKind, params: {} }], 'mul-rank', 'N×8×6×6', 'N×8'],
    ['spatial sizes that differ', { outChannels: 8, stride: 2 }, [{ op: 'Identity' as OpKind, params: {} }], 'mul-shapes', 'N×8×3×3', 'N×8×6×6'],
  ] as const)('%s: RS208 at input 1, naming both shapes', (_name, conv, path, id, a, b) => {
    const { doc, mul } = mulDoc(conv, [...path]);
    const ds = analyze(doc).diagnostics;
    expect(ds.map((d) => d.code)).toEqual(['RS208']);
    expect(ds[0]).toMatchObject({ nodeId: mul, port: 1, messageRef: { id, args: { node: 'mul_1', a, b } } });
  });

  it('Add still needs equal shapes: a shortcut that changes dimensions is RS201, not a broadcast', () => {
    // x [8,2,2] and a stride-2 main path [8,1,1] would broadcast; for a residual sum that is the mistake RS201 names.
    const { doc, ids } = chain([['Input'], ['Conv2d', { outChannels: 8, stride: 2 }], ['Add'], ['Output']], { channels: 8, height: 2, width: 2 });
    const joined = connect(doc, { source: ids[0]!, sourcePort: 0, target: ids[2]!, targetPort: 1 }).doc;
    expect(analyze(joined).diagnostics.map((d) => d.code)).toEqual(['RS201']);
  });
});

describe('Clip', () => {
  it('min above max is RS301 with a fix that swaps them', () => {
    const { doc, id } = single('Clip', { min: 3, max: -1 }, [2, 3, 3]);
    const ds = analyze(doc).diagnostics;
    expect(ds.map((d) => d.code)).toEqual(['RS301']);
    expect(ds[0]).toMatchObject({ nodeId: id, field: 'min', messageRef: { id: 'clip-range' }, fix: { kind: 'set-params', params: { min: -1, max: 3 } } });
  });

  it('min equal to max is allowed (a constant output)', () => {
    expect(analyze(single('Clip', { min: 2, max: 2 }, [2, 3, 3]).doc).diagnostics).toEqual([]);
  });

  it('GELU refuses an unknown approximation by its param spec', () => {
    const ds = analyze(single('GELU', { approximate: 'sigmoid' }, [2, 3, 3]).doc).diagnostics;
    expect(ds.map((d) => [d.code, d.field])).toEqual([['RS301', 'approximate']]);
  });
});
