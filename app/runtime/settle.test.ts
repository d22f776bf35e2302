import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTemplate, moveNodes, updateParams, type NodeId } from '../../src/index.ts';
import { applyWhenSettled, PointerGate, sameModel } from './settle.ts';

describe('sameModel: what makes the live run compile again', () => {
  const doc = buildTemplate('tiny-resnet')!;
  const first = doc.nodes.find((n) => n.op !== 'Input')!;

  it('ignores moving cards and renaming the document', () => {
    const moved = moveNodes(doc, new Map([[first.id as NodeId, { x: first.position.x + 300, y: first.position.y - 40 }]]));
    expect(moved).not.toBe(doc);
    expect(sameModel(doc, moved)).toBe(true);
    expect(sameModel(doc, { ...doc, name: 'renamed' })).toBe(true);
  });

  it('sees a param edit, a new seed, a new opset and other weights', () => {
    const conv = doc.nodes.find((n) => n.op === 'Conv2d')!;
    const edited = updateParams(doc, conv.id, { outChannels: Number(conv.params['outChannels']) + 8 });
    expect(sameModel(doc, edited)).toBe(false);
    expect(sameModel(doc, { ...doc, seed: doc.seed + 1 })).toBe(false);
    expect(sameModel(doc, { ...doc, opset: doc.opset === 17 ? 18 : 17 })).toBe(false);
    expect(sameModel(doc, { ...doc, weights: { uri: 'other.safetensors' } })).toBe(false);
  });
});

describe('applyWhenSettled: the activation request waits for the pointer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies after the quiet time when nothing is pressed', () => {
    const gate = new PointerGate(new EventTarget());
    const apply = vi.fn();
    applyWhenSettled(gate, 250, apply);
    vi.advanceTimersByTime(249);
    expect(apply).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it('holds while a drag is under way and applies the quiet time after the release', () => {
    const target = new EventTarget();
    const gate = new PointerGate(target);
    const apply = vi.fn();
    target.dispatchEvent(new Event('pointerdown'));
    applyWhenSettled(gate, 250, apply);
    vi.advanceTimersByTime(5000);
    expect(apply).not.toHaveBeenCalled();
    target.dispatchEvent(new Event('pointerup'));
    vi.advanceTimersByTime(200);
    expect(apply).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(apply).toHaveBeenCalledTimes(1);
    // Later presses do not apply it again.
    target.dispatchEvent(new Event('pointerdown'));
    target.dispatchEvent(new Event('pointerup'));
    vi.advanceTimersByTime(1000);
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it('is cancelled by a newer selection', () => {
    const gate = new PointerGate(new EventTarget());
    const apply = vi.fn();
    const cancel = applyWhenSettled(gate, 250, apply);
    vi.advanceTimersByTime(100);
    cancel();
    vi.advanceTimersByTime(1000);
    expect(apply).not.toHaveBeenCalled();
  });
});
