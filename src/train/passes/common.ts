import type { IrGraph, IrModel } from '../../onnx/ir.ts';
import { GraphBuilder } from '../builder.ts';
import type { StepModel } from '../compile-training.ts';

/** Every name a graph already uses (inputs, initializers, node outputs and node names). */
export function namesOf(g: IrGraph): string[] {
  return [...g.inputs.map((i) => i.name), ...g.initializers.map((t) => t.name), ...g.nodes.flatMap((n) => [n.name, ...n.outputs])];
}

/** Each buffer's value after the step, by buffer name, as the layers' training lowerings reported it. */
export const bufferUpdates = (m: StepModel): Map<string, string> => new Map(m.tape.flatMap((e) => e.updates));

/** A builder over a step model's graph. */
export const builderFor = (m: StepModel): GraphBuilder => new GraphBuilder(m.model.opset, m.batch, m.target, namesOf(m.model.graph));

/** The model with a builder's nodes and initializers appended, and a graph patch applied. */
export function withAdded(model: IrModel, b: GraphBuilder, patch: Partial<IrGraph> = {}): IrModel {
  const g = model.graph;
  return { ...model, graph: { ...g, ...patch, nodes: [...(patch.nodes ?? g.nodes), ...b.nodes], initializers: [...(patch.initializers ?? g.initializers), ...b.initializers] } };
}
