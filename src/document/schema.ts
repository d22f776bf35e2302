import { z } from 'zod';
import { MAX_OPSET, MIN_OPSET } from '../onnx/ir.ts';
import { BLOCKS, OPS } from '../ops/registry.ts';

const finite = z.number().finite();
const position = z.object({ x: finite, y: finite });
const paramValue = z.union([finite, z.boolean(), z.string(), z.array(finite)]);
const params = z.record(z.string(), paramValue);
/** `user:<id>`: an instance of a block from the document's block library. */
const userKind = z.string().regex(/^user:[\w.-]{1,80}$/, 'must be user:<block id>') as unknown as z.ZodType<`user:${string}`>;
const builtinKinds = Object.keys(OPS) as [keyof typeof OPS, ...(keyof typeof OPS)[]];
const builtinBlocks = Object.keys(BLOCKS) as [keyof typeof BLOCKS, ...(keyof typeof BLOCKS)[]];
// Kinds come from the registry, so a new op or block is known here the moment it is registered.
const opKind = z.union([z.enum(builtinKinds), userKind]);
const blockKind = z.union([z.enum(builtinBlocks), userKind]);

type GroupShape = { id: string; kind: z.infer<typeof blockKind>; name: string; params: Record<string, unknown>; position: { x: number; y: number }; parent?: GroupShape };
const group: z.ZodType<GroupShape> = z.lazy(() =>
  z.object({ id: z.string().min(1), kind: blockKind, name: z.string(), params, position, parent: group.optional() }),
);

const dim = z.number().int().min(1).max(8192);
/** A graph input/output name or a symbolic axis name, as an ONNX file may carry it. */
const tensorName = z.string().min(1).max(200);

const node = z.object({
  id: z.string().min(1).max(200),
  op: opKind,
  name: z.string().min(1).max(200),
  params,
  position,
  group: group.optional(),
  frozen: z.boolean().optional(),
});
const edge = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  sourcePort: z.number().int().min(0),
  target: z.string().min(1),
  targetPort: z.number().int().min(0),
});

const name = z.string().min(1).max(200);
/** One param a user-defined block declares: the same kinds of spec built-in ops declare. */
export const blockParamSpecSchema = z.discriminatedUnion('type', [
  z.object({ name, type: z.literal('int'), default: finite, min: finite.optional(), max: finite.optional() }).strict(),
  z.object({ name, type: z.literal('float'), default: finite, min: finite.optional(), max: finite.optional() }).strict(),
  z.object({ name, type: z.literal('bool'), default: z.boolean() }).strict(),
  z.object({ name, type: z.literal('enum'), default: z.string(), options: z.array(z.string()).min(1) }).strict(),
  z.object({ name, type: z.literal('string'), default: z.string() }).strict(),
]);

/** A user-defined block type (see `UserBlockDef`): shape only; `checkBlockDef` checks its wiring. */
export const userBlockDefSchema = z.object({
  id: z.string().regex(/^[\w.-]{1,80}$/, 'must be letters, digits, _ . - (at most 80)'),
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,79}$/, 'must be a name like MyBlock: a letter or _, then letters, digits or _'),
  params: z.array(blockParamSpecSchema).max(32),
  nodes: z.array(node).min(1).max(500),
  edges: z.array(edge).max(2000),
  entries: z.array(z.object({ node: z.string().min(1), port: z.number().int().min(0) })).min(1),
  exit: z.string().min(1),
  bindings: z.array(z.object({ param: name, node: z.string().min(1), field: name, scale: finite.optional() }).strict()),
});

/** The JSON schema of a saved document at the current version (2: the block library). */
export const documentSchema = z.object({
  schemaVersion: z.literal(2),
  name: z.string().max(200),
  input: z.object({
    channels: z.number().int().min(1).max(4096),
    height: dim,
    width: dim,
    mean: z.array(finite).optional(),
    std: z.array(finite.positive()).optional(),
    name: tensorName.optional(),
    symbolic: z.object({ batch: tensorName.optional(), height: tensorName.optional(), width: tensorName.optional() }).strict().optional(),
  }),
  classes: z.number().int().min(1).optional(),
  labels: z.enum(['imagenet', 'fashion-mnist', 'cifar10', 'none']).optional(),
  nodes: z.array(node),
  edges: z.array(edge),
  seed: z.number().int().min(0).max(2 ** 32 - 1),
  opset: z.number().int().min(MIN_OPSET).max(MAX_OPSET),
  projectionEverywhere: z.boolean(),
  zeroInitResidual: z.boolean(),
  weights: z.object({ uri: z.string(), sha256: z.string().optional() }).optional(),
  blocks: z.array(userBlockDefSchema).max(200).optional(),
});
