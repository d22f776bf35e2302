import type { ResidualDocument } from '../graph/types.ts';
import { analyze } from '../shape/analyze.ts';
import { lesion, lesionTargets, type LesionTarget } from './lesion.ts';

/** One network a lesion study evaluates: the intact net, or the net with one target deleted. */
export interface LesionVariant {
  /** Undefined for the intact net. */
  readonly target?: LesionTarget;
  readonly doc: ResidualDocument;
  /**
   * Where the deletion sits along the depth, as the weighted layer (convolution) it removes,
   * counted from the input (1 = the stem); a block's two convolutions give their mid-point (2.5 for
   * the first block of ResNet-20). Residual and plain curves share this axis. 0 for the intact net.
   */
  readonly depth: number;
}

/**
 * The networks of a lesion study of `doc`: the intact net first, then one per target of
 * {@link lesionTargets}, in network order, each with exactly that target deleted and every other
 * layer (and weight) as it was.
 *
 * @example
 * lesionPlan(lesionResnet20()).map((v) => v.target?.name ?? 'intact');
 * // ['intact', 'layer1.0', 'layer1.1', …, 'layer3.2']
 */
export function lesionPlan(doc: ResidualDocument): LesionVariant[] {
  const a = analyze(doc);
  const convs = a.layers.filter((l) => l.op === 'Conv2d' || l.op === 'Linear').map((l) => l.name);
  const position = (t: LesionTarget) => {
    const own = convs.map((n, i) => ({ n, i: i + 1 })).filter(({ n }) => n === t.name || n.startsWith(`${t.name}.`) || t.layers.includes(n));
    // A block's shortcut convolution (a projection) is not on the main path; blocks here are identity ones.
    return own.length === 0 ? 0 : own.reduce((s, x) => s + x.i, 0) / own.length;
  };
  const out: LesionVariant[] = [{ doc, depth: 0 }];
  for (const t of lesionTargets(doc, a)) {
    const r = lesion(doc, t, a);
    if (r.doc) out.push({ target: t, doc: r.doc, depth: position(t) });
  }
  return out;
}

/** Top-1 hits: how many rows of `logits` ([N, classes], row-major) have their largest score (first on ties) at the label. */
export function countCorrect(logits: ArrayLike<number>, classes: number, labels: ArrayLike<number>, offset = 0): number {
  let correct = 0;
  const n = Math.floor(logits.length / classes);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c]! > logits[i * classes + best]!) best = c;
    if (best === labels[offset + i]) correct++;
  }
  return correct;
}

/**
 * Grey 28×28 pictures (uint8, row-major, one after another) as the network's input batch
 * [n, 1, 28, 28]: pixels / 255, then (x − mean) / std, as `doc.input` says.
 */
export function pixelsToInput(pixels: Uint8Array, start: number, n: number, mean = 0, std = 1): Float32Array {
  const size = 28 * 28;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n * size; i++) out[i] = (pixels[start * size + i]! / 255 - mean) / std;
  return out;
}
