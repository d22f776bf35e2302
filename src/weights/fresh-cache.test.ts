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

  it('whatever the number of seeds, holds at most two model files (the one written and the one before)', () => {
    const cache = new FreshWeightCache();
    const file = compile(doc, { freshWeights: cache }).bytes!.byteLength;
    compile({ ...doc, seed: doc.seed + 1 }, { freshWeights: cache });
    compile({ ...doc, seed: doc.seed + 2 }, { freshWeights: cache });
    expect(cache.bytes).toBe(2 * file);
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

  it('undoing an edit regenerates only the tensor the edit had replaced', () => {
    const edited = updateParams(doc, conv1.id as NodeId, { kernel: 5, padding: 2 });
    const cache = new FreshWeightCache();
    compile(doc, { freshWeights: cache });
    compile(edited, { freshWeights: cache });
    cache.resetCounts();
    expect(compile(doc, { freshWeights: cache }).bytes).toEqual(compile(doc).bytes);
    expect(cache.generated).toEqual(['conv1/weight']);
    expect(cache.hits).toBeGreaterThan(0);
  });

  it('writes small files into two buffers in turn, every byte of the reused one rewritten', () => {
    const cache = new FreshWeightCache();
    const output = (n: number) => cache.output(n);
    const edited = updateParams(doc, conv1.id as NodeId, { kernel: 5, padding: 2 });
    const a = compile(doc, { freshWeights: cache, output }).bytes!;
    const b = compile(edited, { freshWeights: cache, output }).bytes!;
    expect(b.buffer === a.buffer).toBe(false);
    const wasA = a.slice();
    // The third file goes where the first was (a little larger: buffers have room to spare), and
    // is exactly a fresh compile's bytes.
    const reseeded = { ...edited, seed: doc.seed + 1 };
    const c = compile(reseeded, { freshWeights: cache, output }).bytes!;
    expect(c.buffer === a.buffer).toBe(true);
    expect(c).toEqual(compile(reseeded).bytes);
    expect(c.every((v, i) => v === wasA[i])).toBe(false);
    expect(cache.bytes).toBe(a.buffer.byteLength + b.buffer.byteLength);
  });

  it('gives files too large for two to fit in its budget a buffer of their own, and keeps copies instead', () => {
    const small = compile(doc).bytes!.byteLength;
    const cache = new FreshWeightCache(small); // two files do not fit
    const output = (n: number) => cache.output(n);
    const a = compile(doc, { freshWeights: cache, output }).bytes!;
    compile(doc, { freshWeights: cache, output });
    const c = compile(doc, { freshWeights: cache, output }).bytes!;
    expect(c.buffer === a.buffer).toBe(false);
    expect(c).toEqual(compile(doc).bytes);
    expect(cache.bytes).toBeLessThanOrEqual(small);
    cache.resetCounts();
    compile(doc, { freshWeights: cache, output });
    expect(cache.generated).toEqual([]);
  });
});
