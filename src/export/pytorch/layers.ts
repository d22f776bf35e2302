/**
 * How each editor layer is written in PyTorch: the `torch.nn` module it becomes (with the
 * arguments that differ from PyTorch's defaults), or the expression it is inline in `forward`
 * (Add, Mul, Concat), and the entries it puts in the state_dict — the same names the ONNX
 * lowering gives its weights (`<layer name>.weight`, …).
 */
import type { LayerKind } from '../../graph/types.ts';
import type { LayerArgs, LayerForm } from '../../ops/pytorch-form.ts';
import { OPS } from '../../ops/registry.ts';

export type { InlineForm, LayerArgs, LayerForm, ModuleForm } from '../../ops/pytorch-form.ts';

/**
 * Every layer kind but Input and Output (the forward's argument and its return), from each op's
 * definition (`OpDef.pytorch`); undefined where PyTorch has none (an opaque imported op).
 */
export const LAYER_FORMS: Readonly<Record<Exclude<LayerKind, 'Input' | 'Output'>, LayerForm | undefined>> = Object.fromEntries(
  Object.entries(OPS)
    .filter(([kind, def]) => def.expand === undefined && kind !== 'Input' && kind !== 'Output')
    .map(([kind, def]) => [kind, def.pytorch]),
) as Record<Exclude<LayerKind, 'Input' | 'Output'>, LayerForm | undefined>;

/** The state_dict entries of a layer: `<name>.<local>` with their shapes (none for an inline or parameter-free layer). */
export function layerState(op: LayerKind, name: string, a: LayerArgs): [string, readonly number[]][] {
  const form = op === 'Input' || op === 'Output' ? undefined : LAYER_FORMS[op];
  if (!form || !('module' in form) || !form.state) return [];
  return form.state(a).map(([local, dims]) => [`${name}.${local}`, dims]);
}
