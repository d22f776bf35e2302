import { DataType, tensorData, type IrModel, type IrNode, type IrTensor } from '../ir.ts';

/**
 * Optimised-export pass: folds an inference BatchNormalization into the Conv that feeds it
 * (when the conv's output feeds nothing else): w' = w·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε) + β.
 * The graph computes the same function with fewer nodes; BN's tensors disappear.
 */
export function foldBatchNorm(model: IrModel): IrModel {
  const g = model.graph;
  const inits = new Map(g.initializers.map((t) => [t.name, t]));
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.outputs) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));

  const nodes: (IrNode | undefined)[] = [...g.nodes];
  const dropped = new Set<string>();
  const added: IrTensor[] = [];
  g.nodes.forEach((bn, bi) => {
    if (bn.opType !== 'BatchNormalization') return;
    const ci = producer.get(bn.inputs[0]!);
    const conv = ci === undefined ? undefined : nodes[ci];
    if (!conv || conv.opType !== 'Conv' || uses.get(conv.outputs[0]!) !== 1) return;
    const w = inits.get(conv.inputs[1]!);
    const [gamma, beta, mean, vari] = bn.inputs.slice(1).map((n) => inits.get(n));
    if (!w || !gamma || !beta || !mean || !vari) return;
    const eps = bn.attributes.find((a) => a.name === 'epsilon');
    const e = eps && eps.kind === 'float' ? eps.value : 1e-5;
    const cout = w.dims[0]!;
    const per = w.dims.reduce((a, b) => a * b, 1) / cout;
    const wd = new Float32Array(tensorData(w) as Float32Array);
    const bias = conv.inputs[2] ? new Float32Array(tensorData(inits.get(conv.inputs[2])!) as Float32Array) : new Float32Array(cout);
    const [gd, bd, md, vd] = [gamma, beta, mean, vari].map((t) => tensorData(t) as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
    for (let c = 0; c < cout; c++) {
      const s = gd[c]! / Math.sqrt(vd[c]! + e);
      for (let k = 0; k < per; k++) wd[c * per + k]! *= s;
      bias[c] = (bias[c]! - md[c]!) * s + bd[c]!;
    }
    const wName = `${w.name}`;
    const bName = conv.inputs[2] ?? `${w.name.replace(/\.weight$/, '')}.bias`;
    added.push({ name: wName, dims: w.dims, dataType: DataType.FLOAT, data: wd }, { name: bName, dims: [cout], dataType: DataType.FLOAT, data: bias });
    dropped.add(wName).add(bName);
    for (const n of bn.inputs.slice(1)) dropped.add(n);
    nodes[ci!] = { ...conv, inputs: [conv.inputs[0]!, wName, bName], outputs: bn.outputs };
    nodes[bi] = undefined;
  });
  const initializers = [...g.initializers.filter((t) => !dropped.has(t.name)), ...added];
  const kept = nodes.filter((n): n is IrNode => n !== undefined);
  const live = new Set(kept.flatMap((n) => n.outputs));
  return { ...model, graph: { ...g, nodes: kept, initializers, valueInfo: g.valueInfo.filter((v) => live.has(v.name)) } };
}
