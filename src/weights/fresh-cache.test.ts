import { describe, expect, it } from 'vitest';
import { buildTemplate, updateParams, type NodeId } from '../index.ts';
import { compile } from '../onnx/compile.ts';
import { FreshWeightCache } from './fresh-cache.ts';
import { initTensor } from './init.ts';

describe('FreshWeightCache: recompiles regenerate only what an edit changed', () => {
  const doc = buildTemplate('tiny-resnet')!;
  const conv1 = doc.nodes.find((n) => n.id === 'conv1')!;

  it('gives the same bits as generating the tensor', () => {
    const cache = new FreshWeightCache();
    const spec = { kind: 'kaiming-normal-fan-out', fanOut: 72 } as const;
    const want = initTensor(spec, [8, 3, 3, 3], 7, 'conv1/weight');
    expect(cache.fill(spec, new Float32Array(216), 7, 'conv1/weight')).toEqual(want);
    expect(cache.fill(spec, new Float32Array(216), 7, 'conv1/weight')).toEqual(want);
    expect(cache.hits).toBe(1);
  });

  it('compiles to the same bytes with and without the cache, the second time from the cache alone', () => {
    const cache = new FreshWeightCache();
    const plain = compile(doc).bytes!;
    expect(compile(doc, { freshWeights: cache }).bytes).toEqual(plain);
    const made = cache.generated.length;
    expect(made).toBeGreaterThan(0);
    cache.resetCounts();
    expect(compile(doc, { freshWeights: cache }).bytes).toEqual(plain);
    expect(cache.generated).toEqual([]);
    expect(cache.hits).toBe(made);
  });

  it('editing one layer regenerates only that layer\'s weights', () => {
    const cache = new FreshWeightCache();
    compile(doc, { freshWeights: cache });
    cache.resetCounts();
    const edited = updateParams(doc, conv1.id as NodeId, { kernel: 5, padding: 2 });
    const r = compile(edited, { freshWeights: cache });
    expect(r.bytes).toEqual(compile(edited).bytes);
    expect(cache.generated).toEqual(['conv1/weight']);
  });

  it('editing one residual block regenerates only weights inside it', () => {
    const cache = new FreshWeightCache();
    compile(doc, { freshWeights: cache });
    cache.resetCounts();
    const edited = updateParams(doc, 'block1' as NodeId, { shortcut: 'projection' });
    const r = compile(edited, { freshWeights: cache });
    expect(r.bytes).toEqual(compile(edited).bytes);
    expect(cache.generated.length).toBeGreaterThan(0);
    for (const key of cache.generated) expect(key).toMatch(/^block1/);
  });

  it('a new seed regenerates every fresh tensor', () => {
    const cache = new FreshWeightCache();
    compile(doc, { freshWeights: cache });
    const all = cache.generated.length;
    cache.resetCounts();
    const reseeded = { ...doc, seed: doc.seed + 1 };
    expect(compile(reseeded, { freshWeights: cache }).bytes).toEqual(compile(reseeded).bytes);
    expect(cache.generated.length).toBe(all);
    expect(cache.hits).toBe(0);
  });

  it('keeps only the current seed\'s tensors: about one network\'s fresh weights', () => {
    const cache = new FreshWeightCache();
    compile(doc, { freshWeights: cache });
    const one = cache.bytes;
    compile({ ...doc, seed: doc.seed + 1 }, { freshWeights: cache });
    compile({ ...doc, seed: doc.seed + 2 }, { freshWeights: cache });
    expect(cache.bytes).toBe(one);
  });

  it('holds no more than its byte budget, dropping the least recently used', () => {
    const cache = new FreshWeightCache(1000 * 4);
    const spec = { kind: 'normal', std: 1 } as const;
    cache.fill(spec, new Float32Array(600), 1, 'a');
    cache.fill(spec, new Float32Array(300), 1, 'b');
    cache.fill(spec, new Float32Array(600), 1, 'a'); // a is now the most recent
    cache.fill(spec, new Float32Array(300), 1, 'c'); // over budget: b goes
    expect(cache.bytes).toBeLessThanOrEqual(4000);
    cache.resetCounts();
    cache.fill(spec, new Float32Array(300), 1, 'b');
    expect(cache.generated).toEqual(['b']);
  });
  it('a model file that was transferred away (detached) is not read from: its tensors are generated again', () => {
    const cache = new FreshWeightCache();
    const first = compile(doc, { freshWeights: cache }).bytes!;
    const made = cache.generated.length;
    structuredClone(first.buffer, { transfer: [first.buffer] });
    expect(first.byteLength).toBe(0);
    cache.resetCounts();
    expect(compile(doc, { freshWeights: cache }).bytes).toEqual(compile(doc).bytes);
    expect(cache.generated.length).toBe(made);
  });

  it('keeps no tensor of a model older than the previous one (edited-away tensors go after two compiles)', () => {
    const edited = updateParams(doc, conv1.id as NodeId, { kernel: 5, padding: 2 });
    const alone = new FreshWeightCache();
    compile(edited, { freshWeights: alone });
    const cache = new FreshWeightCache();
    compile(doc, { freshWeights: cache });
    compile(edited, { freshWeights: cache });
    // The 3x3 conv1 weight of the first model is still held: the second compile could have used it.
    expect(cache.bytes).toBeGreaterThan(alone.bytes);
    compile(edited, { freshWeights: cache });
    expect(cache.bytes).toBe(alone.bytes);
    cache.resetCounts();
    expect(compile(edited, { freshWeights: cache }).bytes).toEqual(compile(edited).bytes);
    expect(cache.generated).toEqual([]);
  });
});
