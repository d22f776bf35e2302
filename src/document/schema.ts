import { z } from 'zod';
import { MAX_OPSET, MIN_OPSET } from '../onnx/ir.ts';

const finite = z.number().finite();
const position = z.object({ x: finite, y: finite });
const paramValue = z.union([finite, z.boolean(), z.string(), z.array(finite)]);
const params = z.record(z.string(), paramValue);
const opKind = z.enum([
  'Input', 'Output', 'Conv2d', 'BatchNorm2d', 'ReLU', 'LeakyReLU', 'Sigmoid', 'MaxPool2d', 'AvgPool2d', 'GlobalAvgPool', 'Flatten', 'Linear',
  'Dropout', 'Add', 'Mul', 'Concat', 'Clip', 'ReLU6', 'SiLU', 'Hardsigmoid', 'Hardswish', 'GELU', 'Softmax', 'Identity', 'ZeroPadShortcut', 'Opaque', 'BasicBlock', 'Bottleneck', 'Stage',
]);
const blockKind = z.enum(['BasicBlock', 'Bottleneck', 'Stage']);

type GroupShape = { id: string; kind: 'BasicBlock' | 'Bottleneck' | 'Stage'; name: string; params: Record<string, unknown>; position: { x: number; y: number }; parent?: GroupShape };
const group: z.ZodType<GroupShape> = z.lazy(() =>
  z.object({ id: z.string().min(1), kind: blockKind, name: z.string(), params, position, parent: group.optional() }),
);

const dim = z.number().int().min(1).max(8192);
/** A graph input/output name or a symbolic axis name, as an ONNX file may carry it. */
const tensorName = z.string().min(1).max(200);

/** The JSON schema of a saved document at the current version (1). */
export const documentSchemaV1 = z.object({
  schemaVersion: z.literal(1),
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
  nodes: z.array(
    z.object({
      id: z.string().min(1).max(200),
      op: opKind,
      name: z.string().min(1).max(200),
      params,
      position,
      group: group.optional(),
      frozen: z.boolean().optional(),
    }),
  ),
  edges: z.array(
    z.object({
      id: z.string().min(1),
      source: z.string().min(1),
      sourcePort: z.number().int().min(0),
      target: z.string().min(1),
      targetPort: z.number().int().min(0),
    }),
  ),
  seed: z.number().int().min(0).max(2 ** 32 - 1),
  opset: z.number().int().min(MIN_OPSET).max(MAX_OPSET),
  projectionEverywhere: z.boolean(),
  zeroInitResidual: z.boolean(),
  weights: z.object({ uri: z.string(), sha256: z.string().optional() }).optional(),
});
