import { diag, msg, type Diagnostic } from '../../diagnostics/catalogue.ts';
import { getOp } from '../../ops/registry.ts';
import { op1 } from '../../ops/emit.ts';
import type { StepPass } from '../compile-training.ts';
import { STEP } from '../options.ts';
import { builderFor, withAdded } from './common.ts';

/**
 * Pass 3: reverse-mode differentiation over the layers the training lowering recorded. Walking
 * them backwards from dLoss/dLogits, each layer's gradient rule (beside its lowering, in
 * `src/ops`) turns dLoss/dOutput into dLoss/dInputs and dLoss/dWeights; a tensor read by several
 * layers (the x a shortcut carries) sums its gradients. Only what leads to a trainable parameter
 * is differentiated: a layer before every parameter, or after only frozen ones, needs no rule.
 */
export function autodiffPass(opts: { readonly wrtInput?: boolean } = {}): StepPass {
  return {
    name: 'autodiff',
    run(m) {
      const diagnostics: Diagnostic[] = [];
      const b = builderFor(m);
      const trainable = new Set(m.state.filter((s) => s.role === 'param').map((s) => s.name));
      // Which tensors depend on a trainable parameter (forward order).
      const needs = new Set<string>(opts.wrtInput ? [STEP.input] : []);
      for (const e of m.tape) {
        const hasParam = Object.values(e.weights).some((w) => trainable.has(w.name));
        if (hasParam || e.inputs.some((i) => needs.has(i))) needs.add(e.output);
      }
      const pending = new Map<string, string[]>([[m.logits, [m.gradLogits!]]]);
      const paramGrads = new Map<string, string[]>();
      const push = (map: Map<string, string[]>, k: string, v: string) => (map.get(k) ?? map.set(k, []).get(k)!).push(v);
      /** The sum of a tensor's gradient contributions. */
      const total = (name: string, parts: readonly string[]): string => {
        if (parts.length === 1) return parts[0]!;
        const ctx = b.scope(`${name}.grad`);
        return parts.slice(1).reduce((acc, p) => op1(ctx, 'Add', [acc, p]), parts[0]!);
      };
      for (let i = m.tape.length - 1; i >= 0; i--) {
        const e = m.tape[i]!;
        const parts = pending.get(e.output);
        if (!parts || !needs.has(e.output)) continue;
        const def = getOp(e.layer.op);
        if (!def.backward) {
          diagnostics.push(diag('RS701', msg('train-no-gradient', { node: e.layer.name, op: e.layer.op }), { nodeId: e.layer.docNode }));
          continue;
        }
        const gradOutput = total(e.output, parts);
        const local = Object.fromEntries(Object.entries(e.weights).map(([k, w]) => [k, w.name]));
        const res = def.backward(b.scope(`${e.layer.name}/grad`), {
          inputs: e.inputs,
          output: e.output,
          gradOutput,
          inputShapes: e.layer.inputShapes,
          outputShapes: e.layer.outputShapes,
          params: e.layer.params,
          weights: local,
          saved: e.saved,
          needs: e.inputs.map((x) => needs.has(x)),
        });
        e.inputs.forEach((x, k) => {
          const g = res.inputs[k];
          if (g !== undefined && needs.has(x)) push(pending, x, g);
        });
        for (const [k, g] of Object.entries(res.weights ?? {})) {
          const w = e.weights[k];
          if (w && trainable.has(w.name)) push(paramGrads, w.name, g);
        }
      }
      const grads = new Map([...paramGrads].map(([name, parts]) => [name, total(name, parts)]));
      const dx = pending.get(STEP.input);
      if (opts.wrtInput && dx) grads.set(STEP.input, total(STEP.input, dx));
      return { model: { ...m, model: withAdded(m.model, b), grads }, diagnostics };
    },
  };
}
