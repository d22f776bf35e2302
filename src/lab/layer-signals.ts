/**
 * The signals at initialisation arranged the way the lab and the teaching view plot them: by
 * weighted layer, the paper's way of counting depth — layer k is the k-th convolution or fully
 * connected layer on the main path, in forward order. Its gradient norm is its weight's; its
 * activation is the output of the ReLU that ends it (none for the fc). Projection shortcuts'
 * 1×1 convolutions are left out (they are not counted in the depth).
 */

/** One measured value of a signals graph: a layer's activation std, or a parameter's gradient norm. */
export interface SignalValue {
  readonly layer: string;
  readonly op: string;
  /** For gradients: the parameter's state_dict name. */
  readonly param?: string;
  readonly value: number;
}

/** Per weighted layer: its name, its weight's gradient norm, and the std after its ReLU (null when none follows). */
export interface LayerSignals {
  readonly names: readonly string[];
  readonly gradNorm: readonly number[];
  readonly actStd: readonly (number | null)[];
}

const WEIGHTED = new Set(['Conv2d', 'Linear']);
const SHORTCUT = /\.(downsample|shortcut)\./;

/**
 * Arranges activations and gradients (each in forward order, as `compileSignals` lists them) by
 * weighted layer.
 *
 * @example
 * const l = byWeightedLayer(out.activations, out.gradients);
 * l.gradNorm.length; // the network's depth, e.g. 56
 */
export function byWeightedLayer(activations: readonly SignalValue[], gradients: readonly SignalValue[]): LayerSignals {
  const names: string[] = [];
  const gradNorm: number[] = [];
  for (const g of gradients) {
    if (!WEIGHTED.has(g.op) || !g.param?.endsWith('.weight') || SHORTCUT.test(`${g.layer}.`)) continue;
    names.push(g.layer);
    gradNorm.push(g.value);
  }
  const index = new Map(names.map((n, i) => [n, i]));
  const actStd: (number | null)[] = names.map(() => null);
  let k = -1;
  for (const a of activations) {
    if (index.has(a.layer)) k = index.get(a.layer)!;
    else if (a.op === 'ReLU' && k >= 0) actStd[k] = a.value;
  }
  return { names, gradNorm, actStd };
}
