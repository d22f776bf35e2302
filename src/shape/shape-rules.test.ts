import { describe, expect, it } from 'vitest';
import { createDocument } from '../document/document.ts';
import { addNode, connect } from '../graph/edit.ts';
import type { NodeId } from '../graph/ids.ts';
import type { OpKind, Params, ResidualDocument, Shape } from '../graph/types.ts';
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
