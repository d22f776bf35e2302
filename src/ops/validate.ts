import { diag, type Diagnostic } from '../diagnostics/catalogue.ts';
import type { GraphNode, ParamValue, Params } from '../graph/types.ts';
import type { ParamSpec } from './types.ts';
import { getOp } from './registry.ts';

/**
 * Fills a node's missing params with the op's defaults and checks each against its spec.
 * Returns the complete params and one diagnostic per bad field (a zero stride has its own code).
 */
export function resolveParams(node: GraphNode): { params: Params; diagnostics: Diagnostic[] } {
  const def = getOp(node.op);
  const out: Record<string, ParamValue> = {};
  const diagnostics: Diagnostic[] = [];
  for (const spec of def.params) {
    const raw = node.params[spec.name];
    const v = raw === undefined ? spec.default : raw;
    const problem = checkParam(spec, v);
    if (problem) {
      const code = spec.name === 'stride' && v === 0 ? 'RS303' : 'RS301';
      diagnostics.push(
        diag(code, `${node.name}: ${spec.name} ${problem}`, {
          nodeId: node.id,
          field: spec.name,
          fix: { kind: 'set-params', label: `reset ${spec.name} to ${String(spec.default)}`, nodeId: node.id, params: { [spec.name]: spec.default } },
        }),
      );
    }
    out[spec.name] = v;
  }
  return { params: out, diagnostics };
}

/** Why a value does not fit its spec, or undefined when it does. */
export function checkParam(spec: ParamSpec, v: unknown): string | undefined {
  switch (spec.type) {
    case 'int':
    case 'float': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `must be a number, got ${JSON.stringify(v)}`;
      if (spec.type === 'int' && !Number.isInteger(v)) return `must be a whole number, got ${v}`;
      if (spec.min !== undefined && v < spec.min) return `must be at least ${spec.min}, got ${v}`;
      if (spec.max !== undefined && v > spec.max) return `must be at most ${spec.max}, got ${v}`;
      return undefined;
    }
    case 'bool':
      return typeof v === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(v)}`;
    case 'enum':
      return typeof v === 'string' && spec.options.includes(v) ? undefined : `must be one of ${spec.options.join(', ')}, got ${JSON.stringify(v)}`;
    case 'string':
      return typeof v === 'string' ? undefined : `must be text, got ${JSON.stringify(v)}`;
  }
}
