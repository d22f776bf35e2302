/**
 * Step 3 of import: layers and blocks → a {@link ResidualDocument}. Names follow torchvision where
 * the file suggests them (`conv1`, `layer1.0`), runs of blocks become stages (`layer1`: block
 * nodes whose `group` is the Stage, exactly as a template's expanded stage), and nodes get a
 * vertical-chain layout that the editor refines with ELK.
 */
import { createDocument } from '../../document/document.ts';
import { edgeId, nodeId, type NodeId } from '../../graph/ids.ts';
import type { GraphEdge, GraphNode, GroupRef, InputSpec, ResidualDocument, Shape } from '../../graph/types.ts';
import { getOp, isResidualBlockKind } from '../../ops/registry.ts';
import { resolveParams } from '../../ops/validate.ts';
import { NEVER, type Deadline } from './deadline.ts';
import type { ImportedTensor, ImportLayer } from './layers.ts';
import { variantParams } from '../../blocks/block-variants.ts';

/** A weight waiting for its owner fingerprint: the flat layer that uses it and its local name. */
export interface PendingWeight {
  readonly layer: string;
  readonly local: string;
  readonly tensor: ImportedTensor;
}

const RESERVED = new Set(['input', 'output', 'logits']);
const ROW = 100;
const COL = 260;

/** Builds the document and lists the weights by the flat layer names the compiler will use. */
export function assemble(
  layers: readonly ImportLayer[],
  input: { name: string; spec: InputSpec },
  outputs: readonly string[],
  shapes: ReadonlyMap<string, Shape | undefined>,
  meta: { name: string; opset: number; classes?: number },
  time: Deadline = NEVER,
): { doc: ResidualDocument; weights: PendingWeight[] } {
  // The file's own input and output names become graph names again on export: no layer may take them.
  const taken = new Set<string>([...RESERVED, input.name, ...outputs]);
  const isBlock = (l: ImportLayer) => l.op === 'BasicBlock' || l.op === 'Bottleneck';

  // Stages: chains of blocks, each fed directly by the previous one; a projection starts a new one.
  const runs: ImportLayer[][] = [];
  const prevBlock = new Map<string, ImportLayer>();
  for (const l of layers) {
    if (!isBlock(l)) continue;
    const before = prevBlock.get(l.inputs[0]!);
    const run = before && runs.find((r) => r[r.length - 1] === before);
    const startsStage = l.params['shortcut'] === 'projection' || (l.params['shortcut'] === 'auto' && (Number(l.params['stride']) > 1 || shapes.get(l.inputs[0]!)?.[0] !== blockOut(l)));
    if (run && !startsStage && run[0]!.op === l.op) run.push(l);
    else runs.push([l]);
    prevBlock.set(l.output, l);
  }
  // Stage names from the file when every block of the run says `<stage>.<i>` in order.
  const stageName = new Map<ImportLayer[], string>();
  const fromFile = runs.map((r) => {
    const m = r.map((b) => /^([A-Za-z_][\w.]*)\.(\d+)$/.exec(b.hint));
    const s = m[0]?.[1];
    return s && m.every((x, i) => x && x[1] === s && Number(x[2]) === i) ? s : undefined;
  });
  const usedStages = new Set<string>();
  runs.forEach((r, i) => {
    const s = fromFile[i];
    if (s && !usedStages.has(s)) {
      stageName.set(r, s);
      usedStages.add(s);
    }
  });
  let next = 1;
  for (const r of runs) {
    if (stageName.has(r)) continue;
    while (usedStages.has(`layer${next}`)) next++;
    stageName.set(r, `layer${next}`);
    usedStages.add(`layer${next}`);
  }
  // Block names first (they claim whole prefixes), then layers.
  const blockNames = new Map<ImportLayer, { name: string; stage: string; index: number; run: ImportLayer[] }>();
  for (const r of runs) {
    const s = stageName.get(r)!;
    r.forEach((b, i) => blockNames.set(b, { name: `${s}.${i}`, stage: s, index: i, run: r }));
    taken.add(s);
  }
  // A stage's expansion names its blocks `<stage>.<i>` and their layers `<stage>.<i>.conv1`, so
  // those prefixes are taken; a file's other layers under the stage's name (`layer3.1.conv1` when
  // only `layer3.0` was recognised as a block, e.g. dilated blocks) keep their names.
  const claimed = new Set<string>([...blockNames.values()].map((b) => b.name));
  const prefixTaken = (name: string) => usedStages.has(name) || [...claimed].some((b) => name === b || name.startsWith(`${b}.`));
  const names = new Map<ImportLayer, string>();
  for (const l of layers) {
    if (isBlock(l)) {
      names.set(l, blockNames.get(l)!.name);
      continue;
    }
    let base = sanitize(l.hint) || defaultName(l.op);
    // A suffix cannot move a name out from under a taken prefix (`layer3.0.conv1_1` is still in
    // `layer3.0.`), so such a name loses its dots first.
    if (prefixTaken(base)) base = base.replace(/\./g, '_');
    let name = base;
    for (let k = 1; taken.has(name) || prefixTaken(name); k++) {
      time.check();
      name = `${base}_${k}`;
    }
    taken.add(name);
    names.set(l, name);
  }

  // Nodes and edges.
  const producer = new Map<string, NodeId>([[input.name, nodeId('input')]]);
  const nodes: GraphNode[] = [{ id: nodeId('input'), op: 'Input', name: 'input', params: {}, position: { x: 0, y: 0 } }];
  const edges: GraphEdge[] = [];
  const depth = new Map<NodeId, number>([[nodeId('input'), 0]]);
  const perRow = new Map<number, number>();
  const place = (id: NodeId, ins: readonly NodeId[]) => {
    const dy = Math.max(0, ...ins.map((i) => depth.get(i) ?? 0)) + 1;
    depth.set(id, dy);
    const col = perRow.get(dy) ?? 0;
    perRow.set(dy, col + 1);
    return { x: col * COL, y: dy * ROW };
  };
  const link = (src: NodeId, target: NodeId, port: number) => edges.push({ id: edgeId(`e:${src}:0->${target}:${port}`), source: src, sourcePort: 0, target, targetPort: port });
  const weights: PendingWeight[] = [];
  const stageGroups = new Map<ImportLayer[], GroupRef>();

  for (const l of layers) {
    time.check();
    const name = names.get(l)!;
    const srcs = l.inputs.map((v) => producer.get(v));
    const position = place(
      nodeId(name),
      srcs.filter((s): s is NodeId => !!s),
    );
    let id = nodeId(name);
    let group: GroupRef | undefined;
    if (isBlock(l)) {
      const b = blockNames.get(l)!;
      group = stageGroups.get(b.run);
      if (!group && isStage(b.run)) {
        const f = b.run[0]!;
        group = {
          id: nodeId(b.stage),
          kind: 'Stage',
          name: b.stage,
          params: { block: f.op === 'Bottleneck' ? 'bottleneck' : 'basic', count: b.run.length, width: f.params['width']!, stride: f.params['stride']!, shortcut: f.params['shortcut']!, batchNorm: f.params['batchNorm']!, ...(f.params['cardinality'] !== undefined ? { cardinality: f.params['cardinality'], baseWidth: f.params['baseWidth']! } : {}), ...variantParams(f.params) },
          position,
        };
        stageGroups.set(b.run, group);
      }
      if (group) id = nodeId(`${b.stage}/${b.index}`);
    }
    const node: GraphNode = { id, op: l.op, name, params: { ...l.params }, position, ...(group ? { group } : {}) };
    nodes.push(node);
    depth.set(id, depth.get(nodeId(name)) ?? 0);
    srcs.forEach((s, port) => s && link(s, id, port));
    producer.set(l.output, id);
    for (const [local, tensor] of l.weights) {
      // A block's weights are its layers' (`conv1.weight`, `conv.1.0.weight`): split at the last dot.
      const dot = isResidualBlockKind(l.op) ? local.lastIndexOf('.') : -1;
      weights.push(dot > 0 ? { layer: `${name}.${local.slice(0, dot)}`, local: local.slice(dot + 1), tensor } : { layer: name, local, tensor });
    }
  }
  outputs.forEach((o, i) => {
    const id = nodeId(i === 0 ? 'output' : `output_${i}`);
    const src = producer.get(o)!;
    const tensor: Record<string, string> = o === (i === 0 ? 'logits' : `logits_${i}`) ? {} : { tensor: o };
    nodes.push({ id, op: 'Output', name: i === 0 ? 'output' : `output_${i}`, params: tensor, position: place(id, [src]) });
    link(src, id, 0);
  });

  const doc = createDocument({
    name: meta.name,
    input: input.spec,
    ...(meta.classes !== undefined ? { classes: meta.classes, labels: meta.classes === 1000 ? 'imagenet' : 'none' } : {}),
    nodes,
    edges,
    opset: meta.opset,
  });
  return { doc, weights };
}

const blockOut = (l: ImportLayer) => Number(l.params['width']) * (l.op === 'Bottleneck' ? Number(l.params['expansion']) : 1);

/** True when a run of blocks is exactly what a Stage node expands to (so it can collapse into one). */
/** True when two blocks have the same family options (pre-activation, SE and its r, ResNet-D): one stage holds one kind. */
const sameVariant = (a: ImportLayer['params'], b: ImportLayer['params']): boolean => JSON.stringify(variantParams(a)) === JSON.stringify(variantParams(b));

function isStage(run: readonly ImportLayer[]): boolean {
  const f = run[0]!;
  return run.every(
    (b, i) =>
      b.op === f.op &&
      b.params['width'] === f.params['width'] &&
      b.params['batchNorm'] === f.params['batchNorm'] &&
      sameVariant(b.params, f.params) &&
      (b.op !== 'Bottleneck' || (b.params['expansion'] === 4 && b.params['cardinality'] === f.params['cardinality'] && b.params['baseWidth'] === f.params['baseWidth'])) &&
      (i === 0 ? b.params['shortcut'] === 'auto' || b.params['shortcut'] === 'projection' : b.params['stride'] === 1 && b.params['shortcut'] === 'auto'),
  );
}

/** Keeps names to what is safe as an ONNX tensor-name prefix and readable on a card. */
function sanitize(hint: string): string {
  const s = hint.replace(/[^\w.-]+/g, '_').replace(/^[._-]+|[._-]+$/g, '').slice(0, 80);
  return /^[A-Za-z_]/.test(s) ? s : s ? `n_${s}` : '';
}

function defaultName(op: string): string {
  return op.toLowerCase().replace(/2d$/, '');
}

/** The input shape of each block node, for expanding blocks outside the analysis. */
export function expandBlockLayers(node: GraphNode, inShape: Shape, doc: ResidualDocument): GraphNode[] {
  const exp = getOp(node.op, doc.blocks).expand!({ ...node, params: resolveParams(node, doc.blocks).params }, inShape, { projectionEverywhere: doc.projectionEverywhere, zeroInitResidual: doc.zeroInitResidual });
  return [...exp.nodes];
}
