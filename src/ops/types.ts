import type { Diagnostic } from '../diagnostics/catalogue.ts';
import type { GraphEdge, GraphNode, OpKind, Params, Shape } from '../graph/types.ts';
import type { ShortcutKind } from '../blocks/shortcut.ts';
import type { IrAttribute, IrNode } from '../onnx/ir.ts';
import type { ImportContext, ImportLayer } from '../onnx/import/match.ts';
import type { InitSpec } from '../weights/types.ts';
import type { LayerForm } from './pytorch-form.ts';

/** Declares one param of an op: its type, default and limits, for validation and the inspector. */
export type ParamSpec =
  | { readonly name: string; readonly type: 'int'; readonly default: number; readonly min?: number; readonly max?: number }
  | { readonly name: string; readonly type: 'float'; readonly default: number; readonly min?: number; readonly max?: number }
  | { readonly name: string; readonly type: 'bool'; readonly default: boolean }
  | { readonly name: string; readonly type: 'enum'; readonly default: string; readonly options: readonly string[] }
  | { readonly name: string; readonly type: 'string'; readonly default: string };

/** An op's display name in each UI language (plain strings: src/ knows no i18n framework). */
export interface OpLabels {
  readonly en: string;
  readonly 'zh-CN': string;
}

/** Palette groups. */
export type OpCategory = 'io' | 'block' | 'convolution' | 'normalization' | 'activation' | 'pooling' | 'reshape' | 'merge' | 'other';

/** What a shape rule sees: the input shapes (all present) and the node's params (defaults filled). */
export interface InferArgs {
  readonly node: GraphNode;
  readonly inputs: readonly Shape[];
  readonly params: Params;
  /** The document's model input, for the Input op. */
  readonly modelInput: Shape;
}

/** A shape rule's answer: output shapes, or diagnostics saying why there are none. */
export type InferResult = { readonly outputs: readonly Shape[]; readonly diagnostics?: readonly Diagnostic[] } | { readonly outputs?: undefined; readonly diagnostics: readonly Diagnostic[] };

/** Learnable parameter count and multiply-accumulates of one application (batch 1). */
export interface Cost {
  readonly params: number;
  /** MACs of convolutions and linear layers: the convention of torchvision's published figures. */
  readonly macs: number;
  /** Other arithmetic (BN, pooling, adds, activations), shown beside MACs, never added into them. */
  readonly otherOps: number;
}

/**
 * What an op's lowering may do: add ONNX nodes and ask for weights. The context is scoped to the
 * node being lowered, so `weight('weight', ...)` becomes `<node name>.weight`.
 */
export interface LowerContext {
  readonly opset: number;
  /**
   * Inference (the default) or training: in training, BatchNorm normalises with batch statistics
   * and reports its running statistics' next values, Dropout draws masks, and a lowering keeps
   * what its gradient rule needs with {@link LowerContext.save}.
   */
  readonly mode: LowerMode;
  /** The batch size, fixed in training (the step file has one); undefined in inference (symbolic `N`). */
  readonly batch?: number;
  /** Adds one ONNX node; returns the names of its outputs (fresh unless `outputs` is given). */
  emit(
    opType: string,
    inputs: readonly string[],
    attributes?: readonly IrAttribute[],
    options?: {
      readonly outputs?: readonly string[];
      readonly outputCount?: number;
      readonly suffix?: string;
      readonly domain?: string;
      /** Emit this node once per model under this key: a later emit with the same key returns the first one's outputs. */
      readonly shareAs?: string;
    },
  ): string[];
  /**
   * Declares a float weight of this node, initialised by `init` unless real weights are stored for
   * it. A `buffer` (BN's running statistics) is state the step updates without a gradient.
   */
  weight(local: string, dims: readonly number[], init: InitSpec, role?: 'param' | 'buffer'): string;
  /** Training: a seed for this layer's random draws (Dropout's masks), from the step's seed and the layer's name. */
  dropoutSeed?(): number;
  /** Training: keeps a tensor the op's gradient rule reads (BN's normalised input), under `key`. */
  save(key: string, tensor: string): void;
  /** Training: the value a buffer declared with {@link LowerContext.weight} has after the step. */
  update(buffer: string, next: string): void;
  /** Declares an INT64 constant initializer (for Slice/Pad/Reshape inputs). */
  int64(local: string, values: readonly number[]): string;
  /** Declares a float constant initializer that is not a learnable weight (e.g. Dropout's ratio). */
  float(local: string, dims: readonly number[], values: readonly number[]): string;
  /** Document switch: the last BN of each residual block starts with weight 0. */
  readonly zeroInitResidual: boolean;
}

/** How a graph is lowered: for inference (export, live runs) or for one training step. */
export type LowerMode = 'inference' | 'training';

/** What a gradient rule may do: add ONNX nodes and constants (names scoped to the layer's gradient). */
export type BackwardContext = Pick<LowerContext, 'opset' | 'emit' | 'int64' | 'float'> & {
  /** The batch size of the step. */
  readonly batch: number;
  /** The runtimes the step is for (see `TrainingOptions.target`): `cpu` allows forms only onnxruntime's CPU EP computes right. */
  readonly target: TrainingTarget;
};

/** `any`: every runtime (onnxruntime-web's WebGPU EP included); `cpu`: onnxruntime's CPU EP (onnxruntime-node, WASM) only, faster. */
export type TrainingTarget = 'any' | 'cpu';

/** What a gradient rule sees: the forward pass's tensors and shapes, and the gradient of the output. */
export interface BackwardArgs {
  /** The forward inputs' tensor names. */
  readonly inputs: readonly string[];
  /** The forward output's tensor name. */
  readonly output: string;
  /** dLoss/dOutput, the same shape as the output. */
  readonly gradOutput: string;
  /** Per-sample shapes (batch first is implied, and fixed at {@link BackwardContext.batch}). */
  readonly inputShapes: readonly Shape[];
  readonly outputShapes: readonly Shape[];
  readonly params: Params;
  /** The layer's weights by local name (`weight`, `bias`, `running_mean`, ...): their tensor names. */
  readonly weights: Readonly<Record<string, string>>;
  /** What the lowering kept with `save`. */
  readonly saved: Readonly<Record<string, string>>;
  /** Which inputs need a gradient (others may be left undefined). */
  readonly needs: readonly boolean[];
}

/** A gradient rule's answer: dLoss/dInput per input (undefined where not needed), and per weight. */
export interface BackwardResult {
  readonly inputs: readonly (string | undefined)[];
  /** dLoss/dWeight by the weight's local name (only parameters; buffers have none). */
  readonly weights?: Readonly<Record<string, string>>;
}

/** A subgraph a block expands to: layer nodes, the edges between them, and where x enters and H(x) leaves. */
export interface Expansion {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** (node, port) pairs that receive the block's input x. */
  readonly entries: readonly { readonly node: GraphNode['id']; readonly port: number }[];
  /** The node whose output 0 is the block's output. */
  readonly exit: GraphNode['id'];
}

/** Options a block expansion needs from the document. */
export interface ExpandOptions {
  readonly projectionEverywhere: boolean;
  readonly zeroInitResidual: boolean;
}

/**
 * What a composite op is, for everything that treats blocks apart from layers (cards, stages,
 * shortcut arcs, PyTorch classes, diffs): the data the closed lists of block kinds used to hold.
 */
export interface BlockTraits {
  /** `block`: one residual block (a card with its shortcut arc); `stage`: a run of blocks. */
  readonly role: 'block' | 'stage';
  /** Number of residual blocks one card stands for (a stage's `count`; 1 for a block). */
  blockCount?(params: Params): number;
  /**
   * The shortcut of a collapsed card, where the params decide it. Without it the shortcut is read
   * from the expansion: the Add's input fed straight from x is the identity, one fed through a
   * 1×1 conv a projection, through ZeroPadShortcut the zero-padding one.
   */
  shortcut?(params: Params, input: Shape, options: ExpandOptions): ShortcutKind;
  /** Channels of the block's output for these params (the shortcut's target width). */
  outChannels?(params: Params): number;
  /** PyTorch class name of the block (a user block's own name); default the kind. */
  readonly className?: string;
}

/**
 * The definition of one op: params, ports, shape rule, cost and ONNX lowering. Layer ops lower
 * directly; blocks define `expand` and get shapes, costs and lowering from their layers.
 */
export interface OpDef {
  readonly kind: OpKind;
  readonly category: OpCategory;
  /** One-line description for the palette and inspector (English; the UI translates by kind). */
  readonly summary: string;
  /**
   * The op's name on cards, in the palette and in diagnostics, per UI language. It lives here so a
   * new op brings its own names: the UI's `op` tables are built from the registry.
   */
  readonly labels: OpLabels;
  readonly params: readonly ParamSpec[];
  /** Number of input ports for the given params. */
  inputCount(params: Params): number;
  /** Shape rule. Not called for blocks (they are expanded). */
  infer?(args: InferArgs): InferResult;
  /** Cost of one application given resolved shapes. Not called for blocks. */
  cost?(inputs: readonly Shape[], outputs: readonly Shape[], params: Params): Cost;
  /**
   * True when the lowering reads its input shapes (to size weights or padding): such a layer cannot
   * follow a tensor of unknown shape; every other layer is carried through one.
   */
  readonly needsInputShapes?: boolean;
  /** ONNX lowering for a layer op. Returns output tensor names. */
  lower?(ctx: LowerContext, inputs: readonly string[], inputShapes: readonly Shape[], outputShapes: readonly Shape[], params: Params): string[];
  /**
   * The gradient rule (reverse mode): dLoss/dInputs and dLoss/dWeights from dLoss/dOutput, in
   * standard ONNX ops only. A layer without one cannot be trained through (a diagnostic names it).
   */
  backward?(ctx: BackwardContext, args: BackwardArgs): BackwardResult;
  /**
   * How the layer is written in an exported model.py: a torch.nn module (with its state_dict
   * entries) or an inline expression. A layer op without one (Opaque) cannot be exported to PyTorch.
   */
  readonly pytorch?: LayerForm;
  /** Standard-domain ONNX op types this op's {@link OpDef.import} rule reads (the importer looks rules up by them). */
  readonly onnxTypes?: readonly string[];
  /**
   * Import rule: the layer an ONNX node of one of {@link OpDef.onnxTypes} becomes, or undefined
   * when its attributes or inputs do not fit this op (then another op's rule, else Opaque).
   */
  import?(node: IrNode, ctx: ImportContext): ImportLayer | undefined;
  /** Expansion of a block or stage into layers (or into blocks, for a stage), given its input shape. */
  expand?(node: GraphNode, input: Shape, options: ExpandOptions): Expansion;
  /** Present on blocks and stages (with `expand`): what kind of composite this is. */
  readonly block?: BlockTraits;
  /** Display name, where the kind is not a translation key (user-defined blocks). */
  readonly label?: string;
}
