/**
 * Step 2b of import: MobileNetV2's inverted residual blocks. A chain 1×1 conv → BN → ReLU6 →
 * depthwise 3×3 conv → BN → ReLU6 → 1×1 conv → BN (without the first three at t = 1; without the
 * BNs when PyTorch folded them into the convs), followed by an Add with the chain's input where
 * the block keeps its stride and width, becomes one InvertedResidual layer carrying its members'
 * weights under the names its expansion gives them (`conv.1.0.weight`, `conv.3.running_var`).
 *
 * The patterns are the block's own expansion: its layers' ops in order, and the params each of
 * them must have are read off the expansion of the params the chain suggests, so what is matched
 * is exactly what the block builds again.
 */
import { invertedResidual, invertedResidualHasShortcut } from '../../blocks/inverted-residual.ts';
import { nodeId } from '../../graph/ids.ts';
import type { GraphNode, Params, ParamValue, Shape } from '../../graph/types.ts';
import { NEVER, type Deadline } from './deadline.ts';
import type { ImportedTensor, ImportLayer } from './layers.ts';
import { applyReplacements } from './replace-layers.ts';

const EXPAND_OPTS = { projectionEverywhere: false, zeroInitResidual: false } as const;

/** The block's layers (without its Add) for these params and input shape. */
function expansionOf(params: Params, input: Shape): GraphNode[] {
  const node: GraphNode = { id: nodeId('b'), op: 'InvertedResidual', name: 'b', params, position: { x: 0, y: 0 } };
  return invertedResidual.expand!(node, input, EXPAND_OPTS).nodes.filter((n) => n.op !== 'Add');
}

/** The four forms (t = 1 or not, BN or folded) as op sequences; a probe at 8 channels gives them. */
const FORMS = [true, false].flatMap((batchNorm) => [6, 1].map((expansion) => ({ batchNorm, expansion, ops: expansionOf({ outChannels: 8, stride: 1, expansion, batchNorm }, [8, 8, 8]).map((n) => n.op) })));

/** The params of a layer that decide what it computes (BN's `lastInBlock` only says where zero-init applies). */
const sameLayer = (ours: Params, theirs: Readonly<Record<string, ParamValue>>): boolean => Object.entries(ours).every(([k, v]) => k === 'lastInBlock' || (k === 'eps' ? Math.abs(Number(theirs[k]) - Number(v)) < 1e-9 : theirs[k] === v));

/**
 * Replaces every recognised inverted residual block in `layers` (topological order) by one
 * InvertedResidual layer. `protectedValues` (graph outputs) must stay visible: a block cannot hide them.
 *
 * @example
 * recoverInvertedResiduals(mapped.layers, mapped.shapes, new Set(mapped.outputs)); // torchvision mobilenet_v2: 17 blocks
 */
export function recoverInvertedResiduals(layers: readonly ImportLayer[], shapes: ReadonlyMap<string, Shape | undefined>, protectedValues: ReadonlySet<string>, time: Deadline = NEVER): ImportLayer[] {
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
    if (first.op !== 'Conv2d' || replaced.has(first)) continue;
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
  const inC = input[0]!;
  for (const form of FORMS) {
    const chain: ImportLayer[] = [first];
    for (let k = 1; k < form.ops.length; k++) {
      const prev = chain[k - 1]!.output;
      const next = private1(prev) ? consumer.get(prev) : undefined;
      if (!next || next.op !== form.ops[k] || next.inputs.length !== 1) break;
      chain.push(next);
    }
    if (chain.length !== form.ops.length) continue;
    const convs = chain.filter((l) => l.op === 'Conv2d');
    const hidden = Number(convs[0]!.params['outChannels']);
    const expansion = form.expansion === 1 ? 1 : hidden / inC;
    // An expand conv that does not widen is not torchvision's (it leaves it out at t = 1).
    if (!Number.isInteger(expansion) || (form.expansion !== 1 && (expansion < 2 || expansion > 16))) continue;
    const params = { outChannels: Number(convs.at(-1)!.params['outChannels']), stride: Number(convs.at(-2)!.params['stride']), expansion, batchNorm: form.batchNorm };
    if (params.stride !== 1 && params.stride !== 2) continue;
    const built = expansionOf(params, input);
    if (!built.every((n, i) => n.op === chain[i]!.op && sameLayer(n.params, chain[i]!.params))) continue;

    let output = chain.at(-1)!;
    const members = [...chain];
    if (invertedResidualHasShortcut(inC, params.outChannels, params.stride)) {
      // The block adds x here; a chain without that Add is something the block cannot build.
      const add = private1(output.output) ? consumer.get(output.output) : undefined;
      if (!add || add.op !== 'Add' || add.inputs.length !== 2 || !add.inputs.includes(x) || !add.inputs.includes(output.output)) continue;
      members.push(add);
      output = add;
    }
    const weights = new Map<string, ImportedTensor>();
    chain.forEach((m, i) => {
      const local = built[i]!.name.slice('b.'.length);
      for (const [k, t] of m.weights) weights.set(`${local}.${k}`, t);
    });
    const hint = /^(.*)\.conv\.0\.0$/.exec(first.hint)?.[1] ?? output.hint;
    return { layer: { op: 'InvertedResidual', params, inputs: [x], output: output.output, hint, weights, source: output.source }, members };
  }
  return undefined;
}
