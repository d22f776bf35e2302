import { op1, scalar } from '../../ops/emit.ts';
import { DataType, type IrTensor, type IrValueInfo } from '../../onnx/ir.ts';
import type { StepPass } from '../compile-training.ts';
import { expAvgName, expAvgSqName, momentumName, nextName, STEP, type OptimizerOptions, type OwnedStateTensor } from '../options.ts';
import { bufferUpdates, builderFor, withAdded } from './common.ts';

/**
 * Pass 4: the optimiser's update of every trainable parameter, exactly as `torch.optim.SGD`
 * (dampening 0: the momentum buffer starts at zero, so its first value is the gradient, as
 * torch's) or `torch.optim.AdamW` computes it, with `lr` a graph input. Each parameter, buffer
 * and optimiser state gets its next value as the output `<name>.next`.
 */
export function optimizerPass(o: OptimizerOptions, start?: ReadonlyMap<string, Float32Array>): StepPass {
  return {
    name: 'optimizer',
    run(m) {
      const b = builderFor(m);
      const grads = m.grads ?? new Map<string, string>();
      const updates = bufferUpdates(m);
      const extra: OwnedStateTensor[] = [];
      const inits: IrTensor[] = [];
      const outputs: IrValueInfo[] = [];
      const stateInput = (name: string, dims: readonly number[]) => {
        extra.push({ name, dims, role: 'optimizer' });
        const n = dims.reduce((a, c) => a * c, 1);
        const given = start?.get(name);
        inits.push({ name, dims, dataType: DataType.FLOAT, data: given && given.length === n ? given : new Float32Array(n) });
        return b.claim(name);
      };
      const out = (name: string, dims: readonly number[]) => {
        outputs.push({ name: nextName(name), elemType: DataType.FLOAT, dims });
        return b.claim(nextName(name));
      };
      let stepNext: string | undefined;
      let bc1: string | undefined;
      let bc2: string | undefined;
      if (o.kind === 'adamw') {
        // step += 1; bias corrections 1 − β^step (torch computes them in double; float32 here).
        const ctx = b.scope('adamw');
        const step = stateInput(STEP.step, []);
        stepNext = out(STEP.step, []);
        ctx.emit('Add', [step, scalar(ctx, 1)], [], { outputs: [stepNext] });
        bc1 = op1(ctx, 'Sub', [scalar(ctx, 1), op1(ctx, 'Pow', [scalar(ctx, o.betas[0]), stepNext])]);
        bc2 = op1(ctx, 'Sqrt', [op1(ctx, 'Sub', [scalar(ctx, 1), op1(ctx, 'Pow', [scalar(ctx, o.betas[1]), stepNext])])]);
      }
      for (const s of m.state) {
        const ctx = b.scope(`${s.name}/update`);
        const g = grads.get(s.name);
        const next = out(s.name, s.dims);
        if (s.role === 'buffer') {
          ctx.emit('Identity', [updates.get(s.name) ?? s.name], [], { outputs: [next] });
          continue;
        }
        // A frozen parameter, or one the loss does not reach (torch skips a parameter without a gradient).
        if (s.role !== 'param' || g === undefined) {
          ctx.emit('Identity', [s.name], [], { outputs: [next] });
          if (s.role === 'param') stateFor(s).forEach((st) => ctx.emit('Identity', [stateInput(st, s.dims)], [], { outputs: [out(st, s.dims)] }));
          continue;
        }
        const p = s.name;
        const lr = STEP.lr;
        if (o.kind === 'sgd') {
          let d = o.weightDecay > 0 ? op1(ctx, 'Add', [g, op1(ctx, 'Mul', [p, scalar(ctx, o.weightDecay)])]) : g;
          if (o.momentum > 0) {
            const buf = stateInput(momentumName(p), s.dims);
            const bufNext = out(momentumName(p), s.dims);
            ctx.emit('Add', [op1(ctx, 'Mul', [buf, scalar(ctx, o.momentum)]), d], [], { outputs: [bufNext] });
            d = o.nesterov ? op1(ctx, 'Add', [d, op1(ctx, 'Mul', [bufNext, scalar(ctx, o.momentum)])]) : bufNext;
          }
          ctx.emit('Sub', [p, op1(ctx, 'Mul', [d, lr])], [], { outputs: [next] });
        } else {
          const [b1, b2] = o.betas;
          const decayed = o.weightDecay > 0 ? op1(ctx, 'Mul', [p, op1(ctx, 'Sub', [scalar(ctx, 1), op1(ctx, 'Mul', [lr, scalar(ctx, o.weightDecay)])])]) : p;
          const m1 = stateInput(expAvgName(p), s.dims);
          const v1 = stateInput(expAvgSqName(p), s.dims);
          const m2 = out(expAvgName(p), s.dims);
          const v2 = out(expAvgSqName(p), s.dims);
          ctx.emit('Add', [op1(ctx, 'Mul', [m1, scalar(ctx, b1)]), op1(ctx, 'Mul', [g, scalar(ctx, 1 - b1)])], [], { outputs: [m2] });
          ctx.emit('Add', [op1(ctx, 'Mul', [v1, scalar(ctx, b2)]), op1(ctx, 'Mul', [op1(ctx, 'Mul', [g, g]), scalar(ctx, 1 - b2)])], [], { outputs: [v2] });
          const denom = op1(ctx, 'Add', [op1(ctx, 'Div', [op1(ctx, 'Sqrt', [v2]), bc2!]), scalar(ctx, o.eps)]);
          const stepSize = op1(ctx, 'Div', [lr, bc1!]);
          ctx.emit('Sub', [decayed, op1(ctx, 'Mul', [op1(ctx, 'Div', [m2, denom]), stepSize])], [], { outputs: [next] });
        }
      }
      const state = [...m.state, ...extra];
      const g0 = m.model.graph;
      const inputs = [...g0.inputs, ...extra.map((s) => ({ name: s.name, elemType: DataType.FLOAT, dims: s.dims }))];
      const ordered = orderOutputs(g0.outputs, outputs, state);
      return { model: { ...m, state, model: withAdded(m.model, b, { inputs, outputs: ordered, initializers: [...g0.initializers, ...inits] }) }, diagnostics: [] };

      function stateFor(s: OwnedStateTensor): string[] {
        return o.kind === 'sgd' ? (o.momentum > 0 ? [momentumName(s.name)] : []) : [expAvgName(s.name), expAvgSqName(s.name)];
      }
    },
  };
}

/** loss, logits, correct, then each state tensor's `.next` in the order of the state inputs. */
function orderOutputs(fixed: readonly IrValueInfo[], next: readonly IrValueInfo[], state: readonly OwnedStateTensor[]): IrValueInfo[] {
  const byName = new Map(next.map((v) => [v.name, v]));
  return [...fixed, ...state.map((s) => byName.get(nextName(s.name))!).filter((v) => v !== undefined)];
}
