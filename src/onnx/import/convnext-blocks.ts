/**
 * Step 2c of import: ConvNeXt blocks. A chain depthwise 7×7 conv → LayerNorm → 1×1 conv → GELU →
 * 1×1 conv → LayerScale → Add with the chain's input (what the channels-last fusion of step 1
 * makes of torch's CNBlock export) becomes one ConvNeXtBlock carrying its members' weights under
 * the names its expansion gives them (`block.0.weight`, `layer_scale.weight`).
 *
 * The pattern is the block's own expansion: its layers' ops in order, and the params each must
 * have read off the expansion for the width found, so what is matched is what the block builds again.
 */
import { convNextBlock } from '../../blocks/convnext-block.ts';
import { nodeId } from '../../graph/ids.ts';
import type { GraphNode, Params, ParamValue, Shape } from '../../graph/types.ts';
import { NEVER, type Deadline } from './deadline.ts';
import type { ImportedTensor, ImportLayer } from './layers.ts';
import { applyReplacements } from './replace-layers.ts';

const EXPAND_OPTS = { projectionEverywhere: false, zeroInitResidual: false } as const;

/** The block's layers for this width, the Add last. */
function expansionOf(params: Params, input: Shape): GraphNode[] {
  const node: GraphNode = { id: nodeId('b'), op: 'ConvNeXtBlock', name: 'b', params, position: { x: 0, y: 0 } };
  return [...convNextBlock.expand!(node, input, EXPAND_OPTS).nodes];
}

/** The params that decide what a layer computes (a layer scale's `init` is only its fresh value). */
const sameLayer = (ours: Params, theirs: Readonly<Record<string, ParamValue>>): boolean => Object.entries(ours).every(([k, v]) => k === 'init' || (k === 'eps' ? Math.abs(Number(theirs[k]) - Number(v)) < 1e-9 : theirs[k] === v));

/**
 * Replaces every recognised ConvNeXt block in `layers` (topological order) by one ConvNeXtBlock
 * layer. `protectedValues` (graph outputs) must stay visible: a block cannot hide them.
 *
 * @example
 * recoverConvNeXtBlocks(mapped.layers, mapped.shapes, new Set(mapped.outputs)); // torchvision convnext_tiny: 18 blocks
 */
export function recoverConvNeXtBlocks(layers: readonly ImportLayer[], shapes: ReadonlyMap<string, Shape | undefined>, protectedValues: ReadonlySet<string>, time: Deadline = NEVER): ImportLayer[] {
  const uses = new Map<string, number>();
  const consumer = new Map<string, ImportLayer>();
  for (const l of layers) {
    for (const i of l.inputs) {
      uses.set(i, (uses.get(i) ?? 0) + 1);
      consumer.set(i, l);
    }
  }
  const private1 = (v: string) => uses.get(v) === 1 && !protectedValues.has(v);
  const replaced = new Map<ImportLayer, ImportLayer | null>();
  for (const first of layers) {
    time.check();
    if (first.op !== 'Conv2d' || first.params['kernel'] !== 7 || replaced.has(first)) continue;
    const found = tryBlock(first, consumer, private1, shapes);
    if (!found || found.members.some((m) => replaced.has(m))) continue;
    found.members.forEach((m, i) => replaced.set(m, i === found.members.length - 1 ? found.layer : null));
  }
  return applyReplacements(layers, replaced);
}

function tryBlock(first: ImportLayer, consumer: ReadonlyMap<string, ImportLayer>, private1: (v: string) => boolean, shapes: ReadonlyMap<string, Shape | undefined>): { layer: ImportLayer; members: ImportLayer[] } | undefined {
  const x = first.inputs[0]!;
  const input = shapes.get(x);
  if (!input || input.length !== 3) return undefined;
  const width = input[0]!;
  const built = expansionOf({ width, layerScale: 1e-6, stochasticDepth: 0 }, input);
  const chain: ImportLayer[] = [first];
  // Stochastic depth is the identity at inference: an export writes it as an Identity before the Add.
  const dropped: ImportLayer[] = [];
  for (let k = 1; k < built.length; k++) {
    const prev = chain[k - 1]!.output;
    let next = private1(prev) ? consumer.get(prev) : undefined;
    if (next?.op === 'Identity' && built[k]!.op === 'Add' && private1(next.output)) {
      dropped.push(next);
      next = consumer.get(next.output);
    }
    if (!next || next.op !== built[k]!.op) return undefined;
    chain.push(next);
  }
  const add = chain.at(-1)!;
  if (add.inputs.length !== 2 || !add.inputs.includes(x) || !add.inputs.includes((dropped[0] ?? chain.at(-2)!).output)) return undefined;
  if (!built.every((n, i) => n.op === 'Add' || (chain[i]!.inputs.length === 1 && sameLayer(n.params, chain[i]!.params)))) return undefined;
  const weights = new Map<string, ImportedTensor>();
  chain.forEach((m, i) => {
    const local = built[i]!.name.slice('b.'.length);
    for (const [k, t] of m.weights) weights.set(`${local}.${k}`, t);
  });
  const hint = /^(.*)\.block\.0$/.exec(first.hint)?.[1] ?? add.hint;
  return { layer: { op: 'ConvNeXtBlock', params: { width, layerScale: 1e-6, stochasticDepth: 0 }, inputs: [x], output: add.output, hint, weights, source: add.source }, members: [...chain.slice(0, -1), ...dropped, add] };
}
