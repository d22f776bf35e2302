/**
 * How a layer is written in an exported `model.py`: each layer op's definition carries its own
 * {@link LayerForm} (`OpDef.pytorch`), so a new op brings its PyTorch module with it. The PyTorch
 * exporter (src/export/pytorch) reads these forms from the registry.
 */
import type { PartName } from '../export/pytorch/prelude.ts';
import type { Params, Shape } from '../graph/types.ts';
import { pyFloat } from '../export/pytorch/python.ts';

export { pyFloat };

/** What a layer's PyTorch form is built from. */
export interface LayerArgs {
  readonly params: Params;
  readonly inputShapes: readonly Shape[];
}

/** A layer written as a module: its constructor call and its state_dict entries with their shapes. */
export interface ModuleForm {
  readonly module: (a: LayerArgs) => string;
  readonly state?: (a: LayerArgs) => readonly (readonly [local: string, dims: readonly number[]])[];
  /** Parts of the prelude the constructor uses. */
  readonly parts?: readonly PartName[];
}

/** A layer written inline in `forward`, from its input expressions. */
export interface InlineForm {
  readonly inline: (inputs: readonly string[]) => string;
}

/** The PyTorch form of a layer kind (an op without one, an opaque imported op, has none). */
export type LayerForm = ModuleForm | InlineForm;

/** A numeric param as a number (for writing it as a Python float). */
export const numParam = (p: Params, k: string): number => Number(p[k]);

/** `, name=value` when the value is not PyTorch's default (model.py stays as short as torchvision's). */
export const pyArg = (name: string, value: string, dflt: string): string => (value === dflt ? '' : `, ${name}=${value}`);

/** The input's channel count (the first per-sample axis). */
export const channels = (a: LayerArgs): number => a.inputShapes[0]![0]!;

/** A module built without arguments (`nn.ReLU()`). */
export const noArgs = (ctor: string): ModuleForm => ({ module: () => ctor });
