import { diag, fixLabel, msg, renderMessage, type Diagnostic, type MessageRef } from '../diagnostics/catalogue.ts';
import type { GraphNode, ParamValue, Params } from '../graph/types.ts';
import type { ParamSpec } from './types.ts';
import { getOp, type BlockLibrary } from './registry.ts';

/**
 * Fills a node's missing params with the op's defaults and checks each against its spec.
 * Returns the complete params and one diagnostic per bad field (a zero stride has its own code).
 * A user-defined block's params are declared by its definition in `library`.
 */
export function resolveParams(node: GraphNode, library?: BlockLibrary): { params: Params; diagnostics: Diagnostic[] } {
  const def = getOp(node.op, library);
  const out: Record<string, ParamValue> = {};
  const diagnostics: Diagnostic[] = [];
  for (const spec of def.params) {
    const raw = node.params[spec.name];
    const v = raw === undefined ? spec.default : raw;
    const problem = checkParamRef(spec, v);
    if (problem) {
      const code = spec.name === 'stride' && v === 0 ? 'RS303' : 'RS301';
      diagnostics.push(
        diag(code, msg('param-invalid', { node: node.name, param: spec.name, problem }), {
          nodeId: node.id,
          field: spec.name,
          fix: { kind: 'set-params', ...fixLabel(msg('fix-reset-param', { param: spec.name, value: String(spec.default) })), nodeId: node.id, params: { [spec.name]: spec.default } },
        }),
      );
    }
    out[spec.name] = v;
  }
  return { params: out, diagnostics };
}

/** Why a value does not fit its spec, or undefined when it does. */
export function checkParam(spec: ParamSpec, v: unknown): string | undefined {
  const ref = checkParamRef(spec, v);
  return ref && renderMessage(ref);
}

/** {@link checkParam} as a translatable message (`param-not-number`, `param-below-min`, …). */
export function checkParamRef(spec: ParamSpec, v: unknown): MessageRef | undefined {
  switch (spec.type) {
    case 'int':
    case 'float': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return msg('param-not-number', { value: String(JSON.stringify(v)) });
      if (spec.type === 'int' && !Number.isInteger(v)) return msg('param-not-whole', { value: v });
      if (spec.min !== undefined && v < spec.min) return msg('param-below-min', { min: spec.min, value: v });
      if (spec.max !== undefined && v > spec.max) return msg('param-above-max', { max: spec.max, value: v });
      return undefined;
    }
    case 'bool':
      return typeof v === 'boolean' ? undefined : msg('param-not-bool', { value: String(JSON.stringify(v)) });
    case 'enum':
      return typeof v === 'string' && spec.options.includes(v) ? undefined : msg('param-not-option', { options: spec.options.join(', '), value: String(JSON.stringify(v)) });
    case 'string':
      return typeof v === 'string' ? undefined : msg('param-not-text', { value: String(JSON.stringify(v)) });
  }
}
