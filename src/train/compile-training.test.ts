import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTemplate } from '../templates/templates.ts';
import { compileTraining } from './compile-training.ts';
import { DEFAULT_ADAMW, nextName, STEP } from './options.ts';
import { dag, type DagNode } from './testing/graph.ts';

const head: DagNode[] = [
  ['GlobalAvgPool', {}, [2]],
  ['Flatten', {}, [3]],
  ['Linear', { outFeatures: 3 }, [4]],
];
const map = { channels: 2, height: 6, width: 6 };

describe('compileTraining', () => {
  it('declares the step contract: inputs input/target/lr and the state by state_dict name, outputs loss/logits/correct and <name>.next', () => {
    const r = compileTraining(buildTemplate('cifar-resnet20')!, { batch: 8 });
    const g = r.model!.graph;
    const inputs = g.inputs.map((i) => i.name);
    expect(inputs.slice(0, 3)).toEqual([STEP.input, STEP.target, STEP.lr]);
    expect(g.inputs[0]!.dims).toEqual([8, 3, 32, 32]);
    expect(inputs).toContain('layer2.0.conv1.weight');
    expect(inputs).toContain('layer3.2.bn2.running_var');
    expect(inputs).toContain('fc.weight.momentum_buffer');
    expect(inputs.slice(3)).toEqual(r.state.map((s) => s.name));
    const outputs = g.outputs.map((o) => o.name);
    expect(outputs.slice(0, 3)).toEqual([STEP.loss, STEP.logits, STEP.correct]);
    expect(outputs.slice(3)).toEqual(r.state.map((s) => nextName(s.name)));
    // Each state input has an initializer holding its start value, so input, target and lr suffice.
    const inits = new Set(g.initializers.map((t) => t.name));
    for (const s of r.state) expect(inits.has(s.name), s.name).toBe(true);
    expect(inits.has(STEP.lr)).toBe(false);
    const adam = compileTraining(buildTemplate('tiny-resnet')!, { batch: 2, optimizer: DEFAULT_ADAMW });
    const names = adam.state.map((s) => s.name);
    expect(names).toContain('fc.weight.exp_avg');
    expect(names).toContain('fc.weight.exp_avg_sq');
    expect(names).toContain(STEP.step);
  });

  it('uses only default-domain ops, and none that the WebGPU EP lacks (BatchNormalization training mode, MaxPool indices)', () => {
    for (const t of ['resnet18', 'fashion-resnet', 'cifar-resnet20']) {
      const g = compileTraining(buildTemplate(t)!, { batch: 2 }).model!.graph;
      expect(g.nodes.every((n) => !n.domain)).toBe(true);
      // BatchNormalization only in inference form (the per-channel affine map of the training-mode BN lowering).
      const bns = g.nodes.filter((n) => n.opType === 'BatchNormalization');
      expect(bns.every((n) => n.outputs.length === 1 && !n.attributes.some((a) => a.name === 'training_mode' && 'value' in a && a.value === 1))).toBe(true);
      expect(g.nodes.filter((n) => n.opType === 'MaxPool').every((n) => n.outputs.length === 1)).toBe(true);
      expect(new Set(g.nodes.map((n) => n.opType))).not.toContain('Dropout');
    }
  });

  it('passes the full onnx.checker at opsets 13 and 17', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-step-'));
    for (const [opset, optimizer] of [
      [13, undefined],
      [17, DEFAULT_ADAMW],
    ] as const) {
      const r = compileTraining(buildTemplate('tiny-resnet')!, { batch: 4, opset, ...(optimizer ? { optimizer } : {}) });
      const file = join(dir, `step-${opset}.onnx`);
      writeFileSync(file, r.bytes!);
      expect(execFileSync('/usr/bin/python3', ['scripts/py/onnx_check.py', file], { encoding: 'utf8' }).trim()).toBe('OK');
    }
  });

  it('names an op without a gradient rule on the path to a parameter (RS701), and trains when what is before it is frozen', () => {
    const nodes: DagNode[] = [['Conv2d', { outChannels: 4, kernel: 3, padding: 1 }, [0]], ['Opaque', { opType: 'Tanh', inputs: 1, outputShape: '4x6x6' }, [1]], ...head];
    const r = compileTraining(dag(nodes, map), { batch: 2 });
    expect(r.bytes).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === 'RS701')!;
    expect(d.message).toMatch(/opaque.*Opaque has no gradient rule/);
    const frozen = dag([['Conv2d', { outChannels: 4, kernel: 3, padding: 1 }, [0], { frozen: true }], ...nodes.slice(1)], map);
    const ok = compileTraining(frozen, { batch: 2 });
    expect(ok.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    expect(ok.state.find((s) => s.name.endsWith('.weight') && s.dims.length === 4)!.role).toBe('frozen');
  });

  it('refuses an output that is not class scores, and says what to add', () => {
    const r = compileTraining(dag([['Conv2d', { outChannels: 4, kernel: 3, padding: 1 }, [0]]], map), { batch: 2 });
    expect(r.diagnostics.map((d) => d.code)).toContain('RS702');
    expect(r.diagnostics.find((d) => d.code === 'RS702')!.message).toMatch(/N×4×6×6.*Linear/);
  });

  it('warns when nothing is trainable, and refuses bad options with the option named', () => {
    const all = buildTemplate('tiny-resnet')!;
    const frozen = compileTraining({ ...all, nodes: all.nodes.map((n) => ({ ...n, frozen: true })) }, { batch: 2 });
    expect(frozen.diagnostics.map((d) => d.code)).toContain('RS703');
    expect(frozen.bytes).toBeDefined();
    const bad = compileTraining(all, { batch: 0, labelSmoothing: 1, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0, nesterov: true, weightDecay: 0 } });
    expect(bad.bytes).toBeUndefined();
    expect(bad.diagnostics.map((d) => d.field)).toEqual(['batch', 'label-smoothing', 'nesterov']);
  });

  it('compiles ResNet-50 in well under the 2 s goal, and reports each pass', () => {
    const r = compileTraining(buildTemplate('resnet50')!, { batch: 2 });
    expect(r.timings.map((t) => t.pass)).toEqual(['lower', 'loss', 'autodiff', 'optimizer', 'dce', 'serialize']);
  });
});
