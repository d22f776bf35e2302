/** Parameter counts of ONNX models, counted the same way for an original file and its re-export. */
import { DataType, type IrModel } from '../../ir.ts';

/**
 * Float constants a model carries — initializers and `Constant` nodes' values alike, so that a
 * re-export that turns one into the other counts the same — less BatchNormalization's running
 * mean and variance (its inputs 3 and 4), which are statistics, and Pad's fill value (input 2; an
 * attribute before opset 11, an input after), which is a setting, not a parameter. Found by where
 * they are used, not by name: folded and foreign files do not keep torchvision's names.
 */
export function modelParams(model: IrModel): number {
  const statistics = new Set<string>();
  for (const n of model.graph.nodes) {
    if (n.opType === 'BatchNormalization') for (const i of [3, 4]) if (n.inputs[i]) statistics.add(n.inputs[i]!);
    if (n.opType === 'Pad' && n.inputs[2]) statistics.add(n.inputs[2]);
  }
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  let total = 0;
  for (const t of model.graph.initializers) if (t.dataType === DataType.FLOAT && !statistics.has(t.name)) total += size(t.dims);
  for (const n of model.graph.nodes) {
    if (n.opType !== 'Constant' || (n.domain ?? '') !== '') continue;
    if (statistics.has(n.outputs[0] ?? '')) continue;
    for (const a of n.attributes) {
      if (a.kind === 'tensor' && a.name === 'value' && a.value.dataType === DataType.FLOAT) total += size(a.value.dims);
      else if (a.kind === 'float' && a.name === 'value_float') total += 1;
      else if (a.kind === 'floats' && a.name === 'value_floats') total += a.value.length;
    }
  }
  return total;
}
