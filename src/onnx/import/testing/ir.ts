/**
 * Builders for hand-written ONNX models in tests: each case states the graph it is about in a
 * few lines of IR, serialised by our own serializer.
 */
import { DataType, type IrAttribute, type IrDim, type IrModel, type IrNode, type IrTensor } from '../../ir.ts';

/** A float initializer filled by `fill(i)` (a smooth, sign-changing default). */
export const f32 = (name: string, dims: number[], fill: (i: number) => number = (i) => Math.sin(i + 1)): IrTensor => ({
  name,
  dims,
  dataType: DataType.FLOAT,
  data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)),
});
/** A 1-D INT64 initializer. */
export const i64 = (name: string, values: number[]): IrTensor => ({ name, dims: [values.length], dataType: DataType.INT64, data: BigInt64Array.from(values.map(BigInt)) });
export const ints = (name: string, value: number[]): IrAttribute => ({ name, kind: 'ints', value });
export const int = (name: string, value: number): IrAttribute => ({ name, kind: 'int', value });
export const node = (opType: string, inputs: string[], outputs: string[], attributes: IrAttribute[] = [], name = ''): IrNode => ({ name, opType, inputs, outputs, attributes });

/** A model with one float input `x` (default N×3×8×8) and the given outputs. */
export function model(nodes: IrNode[], initializers: IrTensor[], opts: { input?: IrDim[]; inputName?: string; outputs?: string[]; opset?: number } = {}): IrModel {
  return {
    irVersion: 8,
    opset: opts.opset ?? 17,
    producerName: 'test',
    producerVersion: '1',
    metadata: {},
    graph: {
      name: 'g',
      inputs: [{ name: opts.inputName ?? 'x', elemType: DataType.FLOAT, dims: opts.input ?? ['N', 3, 8, 8] }],
      outputs: (opts.outputs ?? ['y']).map((name) => ({ name, elemType: DataType.FLOAT, dims: [], shapeUnknown: true })),
      nodes,
      initializers,
      valueInfo: [],
    },
  };
}
