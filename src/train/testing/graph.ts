/** Test support: small documents with branches, and running compiled step or gradient files. */
import * as ort from 'onnxruntime-node';
import { createDocument } from '../../document/create.ts';
import { addNode, connect } from '../../graph/edit.ts';
import type { NodeId } from '../../graph/ids.ts';
import type { GraphNode, InputSpec, OpKind, Params, ResidualDocument } from '../../graph/types.ts';
import { DataType, tensorData, type IrModel } from '../../onnx/ir.ts';
import { serializeModel } from '../../onnx/serialize.ts';
import type { HostTensor, StepRunner } from '../loop.ts';
import { testInput } from '../../onnx/testing/run-ort.ts';
import type { RefTensor } from './torch-reference.ts';

/** One node of {@link dag}: its op, params, and which earlier nodes feed its ports (0 is the Input). */
export type DagNode = readonly [op: OpKind, params: Params, inputs: readonly number[], extra?: Partial<Pick<GraphNode, 'frozen'>>];

/**
 * A document from a node list: node 0 is the Input, each later node reads the outputs of the
 * listed earlier nodes on its ports in order, and an Output reads the last node.
 */
export function dag(nodes: readonly DagNode[], input: InputSpec): ResidualDocument {
  let doc = createDocument({ input });
  const ids: NodeId[] = [];
  const r0 = addNode(doc, 'Input', { position: { x: 0, y: 0 } });
  doc = r0.doc;
  ids.push(r0.id);
  const all: DagNode[] = [...nodes, ['Output', {}, [nodes.length]]];
  all.forEach(([op, params, inputs, extra], i) => {
    const r = addNode(doc, op, { position: { x: 0, y: (i + 1) * 90 }, params });
    doc = extra ? { ...r.doc, nodes: r.doc.nodes.map((n) => (n.id === r.id ? { ...n, ...extra } : n)) } : r.doc;
    inputs.forEach((from, port) => {
      const c = connect(doc, { source: ids[from]!, sourcePort: 0, target: r.id, targetPort: port });
      if (c.error) throw new Error(`dag: ${op} port ${port}: ${c.error.message}`);
      doc = c.doc;
    });
    ids.push(r.id);
  });
  return doc;
}

/** The named float initializers of a compiled model (the start values torch gets). */
export function initializersOf(model: IrModel, names: Iterable<string>): Map<string, RefTensor> {
  const want = new Set(names);
  return new Map(model.graph.initializers.filter((t) => want.has(t.name)).map((t) => [t.name, { dims: [...t.dims], data: new Float32Array(tensorData(t) as Float32Array) }]));
}

/** A deterministic pseudo-random float32 array in [-scale, scale] (the inference tests' {@link testInput}, scaled). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const out = testInput(n, seed);
  if (scale !== 1) for (let i = 0; i < n; i++) out[i]! *= scale;
  return out;
}

/** Opens a model in onnxruntime-node as a {@link StepRunner}. */
export async function openNode(bytes: Uint8Array): Promise<StepRunner & { readonly session: ort.InferenceSession }> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, intraOpNumThreads: 2 });
  return {
    session,
    async run(feeds) {
      const t = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.data as Float32Array, v.dims as number[])]));
      const out = await session.run(t);
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as HostTensor['data'], dims: v.dims }]));
    },
    release: () => session.release(),
  };
}

/** Largest |a − b| over the largest |b|: a tensor's error relative to its scale. */
export function relToScale(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(Number(a[i]) - Number(b[i])));
    den = Math.max(den, Math.abs(Number(b[i])));
  }
  return den === 0 ? num : num / den;
}

/**
 * A step model that also outputs the input of every forward ReLU (Relu, and Clip to [0, 6] as
 * torch's nn.ReLU6) in graph order, and the decisions they took as train_reference.py's
 * `relu_mask.<i>`: 1 where the gradient flows, 0 below the range, 2 at ReLU6's top. Torch in float64
 * given these answers exactly for the decisions our float32 forward made (a ReLU input within
 * rounding of zero may land on either side in two float32 forwards; step.test.ts).
 */
export function withReluDecisions(model: IrModel): { bytes: Uint8Array; masks(out: Readonly<Record<string, HostTensor>>): Map<string, RefTensor> } {
  const inits = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const scalar = (name: string | undefined) => {
    const t = name ? inits.get(name) : undefined;
    return t ? Number(tensorData(t)[0]) : NaN;
  };
  const relus = model.graph.nodes.filter((n) => n.opType === 'Relu' || (n.opType === 'Clip' && scalar(n.inputs[1]) === 0 && scalar(n.inputs[2]) === 6));
  const outputs = relus.map((n) => ({ name: n.inputs[0]!, elemType: DataType.FLOAT, dims: [] as number[], shapeUnknown: true }));
  return {
    bytes: serializeModel({ ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...outputs] } }),
    masks(out) {
      return new Map(
        relus.map((n, i) => {
          const t = out[n.inputs[0]!]!;
          const top = n.opType === 'Clip' ? 6 : Infinity;
          return [`relu_mask.${i}`, { dims: t.dims, data: (t.data as Float32Array).map((v) => (v <= 0 ? 0 : v >= top ? 2 : 1)) }];
        }),
      );
    },
  };
}
