import { describe, expect, it } from 'vitest';
import { hasErrors } from '../diagnostics/catalogue.ts';
import { analyze } from '../shape/analyze.ts';
import { compileTraining } from '../train/compile-training.ts';
import { depthProblem, LAB_DEFAULTS, LAB_DEPTHS, labPair, paperDepth } from './degradation.ts';

/** Output widths of the weighted layers, by name, in the analysis' order. */
const widthsOf = (doc: Parameters<typeof analyze>[0]) =>
  analyze(doc)
    .layers.filter((l) => l.op === 'Conv2d' || l.op === 'Linear')
    .map((l) => `${l.name}:${l.outputShapes[0]!.join('x')}`);

describe('the degradation lab’s two networks', () => {
  it.each(LAB_DEPTHS)('depth %i: same depth counted the paper’s way, same widths and shapes, same parameters; the plain net has no Add', (depth) => {
    const { plain, residual } = labPair(depth);
    const ap = analyze(plain);
    const ar = analyze(residual);
    expect(hasErrors(ap.diagnostics)).toBe(false);
    expect(hasErrors(ar.diagnostics)).toBe(false);
    expect(paperDepth(plain)).toBe(depth);
    expect(paperDepth(residual)).toBe(depth);
    expect(widthsOf(plain)).toEqual(widthsOf(residual));
    // Option A shortcuts carry no parameters: the two nets differ only in their shortcuts.
    expect(ap.totals.params).toBe(ar.totals.params);
    expect(plain.nodes.some((n) => n.op === 'Add' || n.op === 'BasicBlock' || n.op === 'Stage')).toBe(false);
    expect(ap.shortcuts).toHaveLength(0);
    const n = (depth - 2) / 6;
    expect(ar.shortcuts).toHaveLength(3 * n);
    expect(ar.totals.blocks.zeroPad).toBe(2);
    expect(ar.totals.blocks.identity).toBe(3 * n - 2);
    expect(ar.outputs.at(-1)?.shape).toEqual([10]);
    expect(ap.outputs.at(-1)?.shape).toEqual([10]);
  });

  it('uses the lab’s widths: the default half the paper’s, or the ones asked for', () => {
    expect(widthsOf(labPair(8).residual).filter((w) => w.includes('conv'))).toEqual(['conv1:8x28x28', 'layer1.0.conv1:8x28x28', 'layer1.0.conv2:8x28x28', 'layer2.0.conv1:16x14x14', 'layer2.0.conv2:16x14x14', 'layer3.0.conv1:32x7x7', 'layer3.0.conv2:32x7x7']);
    expect(widthsOf(labPair(8, { widths: [16, 32, 64] }).plain).at(-2)).toBe('layer3.0.conv2:64x7x7');
    expect(LAB_DEFAULTS.widths).toEqual([8, 16, 32]);
  });

  it('gives both nets the same fresh weights from the same seed (the same layer names)', () => {
    const { plain, residual } = labPair(14);
    const opts = { batch: 8, seed: 3, stateInitializers: false } as const;
    const sp = compileTraining({ ...plain, seed: 3 }, opts);
    const sr = compileTraining({ ...residual, seed: 3 }, opts);
    const ip = sp.initialState();
    const ir = sr.initialState();
    expect([...ip.keys()].sort()).toEqual([...ir.keys()].sort());
    for (const [k, v] of ip) expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(ir.get(k)!.buffer, ir.get(k)!.byteOffset, ir.get(k)!.byteLength)), k).toBe(true);
  });

  it('refuses depths the paper’s CIFAR design does not build, saying which', () => {
    expect(depthProblem(56)).toBeUndefined();
    expect(depthProblem(51)).toMatch(/not 6n\+2/);
    expect(depthProblem(2)).toMatch(/not 6n\+2/);
    expect(() => labPair(21)).toThrow(/depth 21 is not 6n\+2/);
  });
});
