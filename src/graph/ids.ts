/**
 * Branded identifiers. A `NodeId` and an `EdgeId` are both strings at run time, but the
 * type system keeps them apart so that an edge id is never passed where a node id belongs.
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Identifies a node of a {@link ResidualDocument}; stable across edits, saves and exports. */
export type NodeId = Brand<string, 'NodeId'>;
/** Identifies an edge of a {@link ResidualDocument}. */
export type EdgeId = Brand<string, 'EdgeId'>;
/** The name of a tensor in a compiled ONNX graph (`layer1.0.conv1.weight`, `input`, `logits`). */
export type TensorName = Brand<string, 'TensorName'>;

/** Brands a string as a {@link NodeId}. */
export const nodeId = (s: string): NodeId => s as NodeId;
/** Brands a string as an {@link EdgeId}. */
export const edgeId = (s: string): EdgeId => s as EdgeId;
/** Brands a string as a {@link TensorName}. */
export const tensorName = (s: string): TensorName => s as TensorName;
