import type { EdgeId, NodeId } from './ids.ts';

/**
 * A tensor shape *without* its batch dimension: `[C, H, W]` for feature maps, `[F]` for vectors.
 * The batch dimension is always first and symbolic (`N`), so it is never stored.
 */
export type Shape = readonly number[];

/**
 * Layer ops, one ONNX-lowerable operation each: the keys of the registry's `LAYERS`, so adding one
 * is its file plus its registration.
 */
export type LayerKind = keyof typeof import('../ops/registry.ts').LAYERS;

/**
 * Built-in composite ops that expand to layers (the residual blocks and the stage that stacks
 * them): the keys of the registry's `BLOCKS`, so adding one is its file plus its registration.
 */
export type BuiltinBlockKind = keyof typeof import('../ops/registry.ts').BLOCKS;

/** A block type from the document's block library: `user:<definition id>`. */
export type UserBlockKind = `user:${string}`;

/** Composite ops that expand to layers: built-in blocks and stages, and the user's own blocks. */
export type BlockKind = BuiltinBlockKind | UserBlockKind;

/** Every kind of node a document may hold. */
export type OpKind = LayerKind | BlockKind;

/**
 * How a block's shortcut is built.
 * - `auto`: identity where input and output dimensions match, else a projection (paper option B).
 * - `identity`: always the identity (an error when dimensions change).
 * - `projection`: always a 1x1 conv + BN (paper option C when used everywhere).
 * - `zero-pad`: option A: the identity where dimensions match, else parameter-free subsample + zero channels.
 */
export type ShortcutMode = 'auto' | 'identity' | 'projection' | 'zero-pad';

/** Param values a node may carry. Each op's definition says which keys it reads. */
export type ParamValue = number | boolean | string | readonly number[];
/** A node's params, keyed by name. */
export type Params = Readonly<Record<string, ParamValue>>;

/** A point on the canvas. */
export interface Position {
  readonly x: number;
  readonly y: number;
}

/**
 * Marks a layer node that was produced by expanding a block or a stage, so that the editor can
 * draw the group and collapse it back into one card.
 */
export interface GroupRef {
  /** Id of the block/stage node the layer came from (no longer in `nodes` while expanded). */
  readonly id: NodeId;
  readonly kind: BlockKind;
  readonly name: string;
  readonly params: Params;
  /** Position of the collapsed card, restored on collapse. */
  readonly position: Position;
  /** Enclosing group when a stage was expanded into blocks and a block further into layers. */
  readonly parent?: GroupRef;
}

/** One node of the network: a layer or a block. */
export interface GraphNode {
  readonly id: NodeId;
  readonly op: OpKind;
  /** Hierarchical, torchvision-style name (`layer1.0`, `conv1`, `fc`); prefixes its tensor names. */
  readonly name: string;
  readonly params: Params;
  readonly position: Position;
  readonly group?: GroupRef;
  /** Training keeps this node's parameters fixed (fine-tuning); its BN still uses batch statistics. */
  readonly frozen?: boolean;
}

/** A connection from an output port of one node to an input port of another. Ports are indices. */
export interface GraphEdge {
  readonly id: EdgeId;
  readonly source: NodeId;
  readonly sourcePort: number;
  readonly target: NodeId;
  readonly targetPort: number;
}

/** The model's input: one image tensor `[N, channels, height, width]`. */
export interface InputSpec {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Per-channel normalisation the runtime applies to pixels in [0,1] before feeding the model. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Name of the graph input in exported files (default `input`); an imported file's own name is kept. */
  readonly name?: string;
  /**
   * Axes an imported file left symbolic (`dynamic_axes`), by their names: the editor shows shapes
   * at `height`×`width`, and exports keep these axes symbolic so the file takes any size again.
   */
  readonly symbolic?: { readonly batch?: string; readonly height?: string; readonly width?: string };
}

/** Which label set the model's output indexes, for showing predictions. */
export type LabelSet = 'imagenet' | 'fashion-mnist' | 'cifar10' | 'none';

/** Reference to real (imported or trained) weights stored apart from the JSON document. */
export interface WeightsRef {
  /** Where the weights live: a file beside the project (CLI), a key in IndexedDB (app), or a URL under public/. */
  readonly uri: string;
  /** Content hash of the weight file, so a stale or foreign weight file is noticed. */
  readonly sha256?: string;
}

/**
 * One of a user-defined block's own params, mapped onto its layers by {@link ParamBinding}s
 * (the same specs built-in ops declare: int, float, bool, enum).
 */
export type BlockParamSpec = import('../ops/types.ts').ParamSpec;

/** Sets `field` of inner layer `node` to the block param `param` times `scale` (default 1). */
export interface ParamBinding {
  readonly param: string;
  readonly node: NodeId;
  readonly field: string;
  readonly scale?: number;
}

/**
 * A block type the user made from layers: a named subgraph with one input x and one output, its
 * own params mapped onto its layers' params. Instances are nodes of op `user:<id>`; editing the
 * definition changes every instance, since they hold only their params.
 */
export interface UserBlockDef {
  /** Stable id; instances refer to it as `user:<id>`. */
  readonly id: string;
  /** What the palette and the card show, and the PyTorch class name. */
  readonly name: string;
  readonly params: readonly BlockParamSpec[];
  /** Layers with local ids and names (`conv1`, `bn1`, `add`); positions relative to the card. */
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Where the block's input x enters. */
  readonly entries: readonly { readonly node: NodeId; readonly port: number }[];
  /** The layer whose output 0 is the block's output. */
  readonly exit: NodeId;
  readonly bindings: readonly ParamBinding[];
}

/** The current schema version of saved documents (2: the block library `blocks`). */
export const SCHEMA_VERSION = 2 as const;

/**
 * The editor document: everything the user made, and nothing derived. Shapes, costs and
 * diagnostics are computed from it; only it is saved, undone and exported.
 */
export interface ResidualDocument {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly name: string;
  readonly input: InputSpec;
  /** Number of classes, where the model is a classifier (informational; the graph decides). */
  readonly classes?: number;
  readonly labels?: LabelSet;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Seed of the deterministic weight initialisation. */
  readonly seed: number;
  /** Target ONNX opset (13–21). */
  readonly opset: number;
  /** Paper option C: every block uses a projection shortcut, even where identity would do. */
  readonly projectionEverywhere: boolean;
  /** Initialise the last BN weight of every block to 0, so each block starts as an identity mapping. */
  readonly zeroInitResidual: boolean;
  readonly weights?: WeightsRef;
  /** The document's block library: the user-defined block types its `user:<id>` nodes use. */
  readonly blocks?: readonly UserBlockDef[];
}
