import type { IrNode } from '../../onnx/ir.ts';
import type { StepPass } from '../compile-training.ts';

/**
 * Pass 5: dead-code elimination. Keeps the nodes the graph outputs need (walking back from them)
 * and the initializers those nodes read or the graph takes as inputs; drops the rest, such as
 * the gradient of the input image, which no update reads.
 */
export function deadCodePass(): StepPass {
  return {
    name: 'dce',
    run(m) {
      const g = m.model.graph;
      const producer = new Map<string, IrNode>();
      for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
      const live = new Set<IrNode>();
      const used = new Set<string>();
      const stack = g.outputs.map((o) => o.name);
      while (stack.length) {
        const t = stack.pop()!;
        if (used.has(t)) continue;
        used.add(t);
        const n = producer.get(t);
        if (!n || live.has(n)) continue;
        live.add(n);
        for (const i of n.inputs) if (i) stack.push(i);
      }
      const inputs = new Set(g.inputs.map((i) => i.name));
      const nodes = g.nodes.filter((n) => live.has(n));
      const initializers = g.initializers.filter((t) => used.has(t.name) || inputs.has(t.name));
      const valueInfo = g.valueInfo.filter((v) => used.has(v.name));
      return { model: { ...m, model: { ...m.model, graph: { ...g, nodes, initializers, valueInfo } } }, diagnostics: [] };
    },
  };
}
