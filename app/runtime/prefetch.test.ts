import { describe, expect, it } from 'vitest';
import { buildTemplate, moveNodes, updateParams, type NodeId, type ResidualDocument } from '../../src/index.ts';
import { analysisOf } from '../store/derived.ts';
import type { RuntimeClient } from './client.ts';
import { CompilePrefetch } from './prefetch.ts';

/** A runtime client that records what it is asked; requests stay unanswered unless `answer` is called. */
function fakeRuntime() {
  const sent: { id: number; body: Record<string, unknown> }[] = [];
  const cancelled: number[] = [];
  const answers = new Map<number, () => void>();
  let next = 1;
  const rt = {
    request(body: Record<string, unknown>) {
      const id = next++;
      sent.push({ id, body });
      return { id, promise: new Promise((resolve) => answers.set(id, () => resolve({}))) };
    },
    cancel(id: number) {
      cancelled.push(id);
    },
  } as unknown as RuntimeClient;
  return { rt, sent, cancelled, answer: (id: number) => answers.get(id)?.() };
}

const doc = buildTemplate('tiny-resnet')!;
const target = { expose: ['block1'], backend: 'wasm' as const };
const reseed = (d: ResidualDocument, seed: number) => ({ ...d, seed });

describe('CompilePrefetch: the compile of an edit starts at the edit', () => {
  it('sends the live loop\'s own compile (same exposed tensors and backend) for an edit after a quiet period', () => {
    const f = fakeRuntime();
    const p = new CompilePrefetch(() => f.rt, analysisOf);
    p.compiled(doc, target);
    const edited = reseed(doc, 7);
    expect(p.changed(edited, 1000)).toBe(true);
    expect(f.sent).toHaveLength(1);
    expect(f.sent[0]!.body).toEqual({ type: 'compile', doc: edited, prefetch: true, expose: ['block1'], backend: 'wasm' });
  });

  it('sends nothing before the live loop has compiled, for a layout-only change, or for an invalid document', () => {
    const f = fakeRuntime();
    const p = new CompilePrefetch(() => f.rt, analysisOf);
    expect(p.changed(reseed(doc, 7), 1000)).toBe(false);
    p.compiled(doc, target);
    const moved = moveNodes(doc, new Map([[doc.nodes[1]!.id, { x: 999, y: 999 }]]));
    expect(p.changed(moved, 2000)).toBe(false);
    const block1 = doc.nodes.find((n) => n.name === 'block1')!;
    const invalid = updateParams(updateParams(doc, block1.id as NodeId, { width: 24 }), block1.id as NodeId, { shortcut: 'identity' });
    expect(analysisOf(invalid).diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expect(p.changed(invalid, 3000)).toBe(false);
    expect(f.sent).toEqual([]);
  });

  it('leaves a burst of edits to the live loop\'s debounce, cancelling its own compile still queued', () => {
    const f = fakeRuntime();
    const p = new CompilePrefetch(() => f.rt, analysisOf, 50);
    p.compiled(doc, target);
    expect(p.changed(reseed(doc, 1), 1000)).toBe(true);
    expect(p.changed(reseed(doc, 12), 1016)).toBe(false);
    expect(p.changed(reseed(doc, 123), 1032)).toBe(false);
    expect(f.sent).toHaveLength(1);
    expect(f.cancelled).toEqual([f.sent[0]!.id]);
    // After a quiet period it starts again.
    expect(p.changed(reseed(doc, 5), 2000)).toBe(true);
    expect(f.sent).toHaveLength(2);
  });
});
