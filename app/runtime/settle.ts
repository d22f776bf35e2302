import { useEffect, useRef, useState } from 'react';
import type { ResidualDocument } from '../../src/index.ts';
import { sameStructure } from '../store/derived.ts';

/**
 * True when two documents compile to the same model: the same structure and params (positions
 * and the title do not count), the same seed, opset and weights. Moving a card is not an edit of
 * the model, so it must not recompile or rerun a network that can take seconds.
 */
export function sameModel(a: ResidualDocument, b: ResidualDocument): boolean {
  return a === b || (sameStructure(a, b) && a.seed === b.seed && a.opset === b.opset && a.weights === b.weights && a.labels === b.labels);
}

/** The document as the runtime sees it: the same object while only the layout changes. */
export function useModelDoc(doc: ResidualDocument): ResidualDocument {
  const ref = useRef(doc);
  if (!sameModel(ref.current, doc)) ref.current = doc;
  return ref.current;
}

/** Whether a mouse button or touch is held on a target (a drag, a marquee, a pan). */
export class PointerGate {
  held = false;
  private readonly waiting = new Set<() => void>();
  constructor(target: EventTarget) {
    const release = () => {
      if (!this.held) return;
      this.held = false;
      for (const f of [...this.waiting]) f();
    };
    target.addEventListener('pointerdown', () => (this.held = true), true);
    target.addEventListener('pointerup', release, true);
    target.addEventListener('pointercancel', release, true);
    target.addEventListener('blur', release);
  }
  /** Calls `f` on every release; returns the unsubscribe function. */
  onRelease(f: () => void): () => void {
    this.waiting.add(f);
    return () => this.waiting.delete(f);
  }
}

/**
 * Calls `apply` once `ms` have passed with no pointer held; a press restarts the wait from its
 * release. Returns the cancel function.
 */
export function applyWhenSettled(gate: PointerGate, ms: number, apply: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!gate.held) {
        off();
        apply();
      }
    }, ms);
  };
  const off = gate.onRelease(arm);
  arm();
  return () => {
    clearTimeout(timer);
    off();
  };
}

let pageGate: PointerGate | undefined;

/**
 * `value`, once it has stayed the same for `ms` with no pointer held. The activation view asks
 * the runtime for the selected layer's tensors; pressing on a card selects it, and a drag that
 * follows must not compete with a recompile of the whole network for the CPU. So the request
 * follows the selection only after the pointer is released and the selection has settled.
 */
export function useSettled<T>(value: T, ms: number, equal: (a: T, b: T) => boolean = Object.is): T {
  const [settled, setSettled] = useState(value);
  // Listening from the first render: the press that selects a card comes before the change.
  pageGate ??= typeof window === 'undefined' ? undefined : new PointerGate(window);
  const gate = pageGate;
  const same = equal(settled, value);
  useEffect(() => {
    if (same) return;
    if (!gate) return void setSettled(() => value);
    return applyWhenSettled(gate, ms, () => setSettled(() => value));
  }, [value, same, gate, ms]);
  return same ? value : settled;
}
