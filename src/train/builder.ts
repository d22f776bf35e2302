/**
 * Adds nodes and constants to an IR graph under a name prefix: what the training passes (loss,
 * gradients, optimiser) use, and what gradient rules see as their {@link BackwardContext}.
 */
import { DataType, type IrNode, type IrTensor } from '../onnx/ir.ts';
import type { BackwardContext } from '../ops/types.ts';

/** Nodes and initializers being added to a graph; names are made unique. */
export class GraphBuilder {
  readonly nodes: IrNode[] = [];
  readonly initializers: IrTensor[] = [];
  private readonly taken: Set<string>;
  private readonly constants = new Map<string, string>();

  constructor(
    readonly opset: number,
    readonly batch: number,
    readonly target: BackwardContext['target'],
    /** Names already in the graph (tensors and initializers): new ones never reuse them. */
    existing: Iterable<string>,
  ) {
    this.taken = new Set(existing);
  }

  /** A fresh name starting with `base`. */
  fresh(base: string): string {
    if (!this.taken.has(base)) {
      this.taken.add(base);
      return base;
    }
    for (let i = 1; ; i++) {
      const name = `${base}_${i}`;
      if (!this.taken.has(name)) {
        this.taken.add(name);
        return name;
      }
    }
  }

  /** Claims a name that must be exactly this (a graph output such as `conv1.weight.next`). */
  claim(name: string): string {
    if (this.taken.has(name)) throw new Error(`name ${name} is already taken`);
    this.taken.add(name);
    return name;
  }

  /** A context whose nodes and constants are named `<prefix>/<op>…` and `<prefix>.<local>`. */
  scope(prefix: string): BackwardContext {
    const emit: BackwardContext['emit'] = (opType, inputs, attributes = [], o = {}) => {
      const name = this.fresh(`${prefix}/${o.suffix ?? opType}`);
      const outs = o.outputs ? [...o.outputs] : Array.from({ length: o.outputCount ?? 1 }, (_, i) => (i === 0 ? name : this.fresh(`${name}:${i}`)));
      this.nodes.push({ name, opType, inputs, outputs: outs, attributes: [...attributes], ...(o.domain ? { domain: o.domain } : {}) });
      return outs;
    };
    const constant = (local: string, key: string, make: (name: string) => IrTensor): string => {
      const full = `${prefix}.${local}`;
      const had = this.constants.get(`${full}|${key}`);
      if (had) return had;
      const name = this.fresh(full);
      this.constants.set(`${full}|${key}`, name);
      this.initializers.push(make(name));
      return name;
    };
    return {
      opset: this.opset,
      batch: this.batch,
      target: this.target,
      emit,
      int64: (local, values) => constant(local, values.join(','), (name) => ({ name, dims: [values.length], dataType: DataType.INT64, data: BigInt64Array.from(values.map((v) => BigInt(v))) })),
      float: (local, dims, values) => constant(local, `${dims.join('x')}:${values.join(',')}`, (name) => ({ name, dims, dataType: DataType.FLOAT, data: Float32Array.from(values) })),
    };
  }
}
