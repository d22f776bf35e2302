/**
 * torch exports of the later residual family come back as block cards with their options, not
 * loose layers: pre-activation nets (basic and bottleneck), SE bottlenecks and ResNet-D projections
 * (the reference modules of scripts/py/residual_models.py, exported with BN kept by
 * export_torchvision.py into .cache/import/), and the documents they give export again to files
 * computing what torch computed (onnxruntime-node, relative ≤ 1e-4).
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../shape/analyze.ts';
import { compile } from '../compile.ts';
import { torchAvailable } from '../testing/torch-available.ts';
import { importOnnx } from './index.ts';
import { relDiff, runModel, torchFixture } from './testing/fixtures.ts';

const CASES = [
  // arch, block kind, blocks, projections, the options every block shows, stages
  { arch: 'preact_resnet20', kind: 'BasicBlock', blocks: 9, projections: 2, options: { preActivation: true }, stages: [['layer1', 3], ['layer2', 3], ['layer3', 3]] },
  { arch: 'tiny-preact-bottleneck', kind: 'Bottleneck', blocks: 3, projections: 3, options: { preActivation: true }, stages: [['layer1', 1], ['layer2', 1], ['layer3', 1]] },
  { arch: 'tiny-se', kind: 'Bottleneck', blocks: 2, projections: 1, options: { squeezeExcite: true, seReduction: 16 }, stages: [['layer1', 1], ['layer2', 1]] },
  { arch: 'tiny-resnet-d', kind: 'BasicBlock', blocks: 2, projections: 1, options: {}, stages: [['layer1', 1], ['layer2', 1]] },
] as const;

describe.skipIf(!torchAvailable())('torch exports of pre-activation, SE and ResNet-D nets import as their blocks', () => {
  it.each(CASES)('$arch: $blocks $kind cards with their options, exported again computing the same', async (c) => {
    const f = torchFixture(c.arch, 17, false);
    const r = importOnnx(f.bytes);
    expect(r.doc, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
    const doc = r.doc!;
    const blocks = doc.nodes.filter((n) => n.op === c.kind);
    expect(blocks).toHaveLength(c.blocks);
    for (const b of blocks) expect(b.params).toMatchObject(c.options);
    if (c.arch === 'tiny-resnet-d') expect(blocks.map((b) => b.params['projection'])).toEqual([undefined, 'avgpool']);
    const stages = [...new Map(blocks.map((b) => [b.group?.id, b.group])).values()].filter((g) => g?.kind === 'Stage').map((g) => [g!.name, g!.params['count']]);
    expect(stages).toEqual(c.stages);
    expect(doc.nodes.filter((n) => n.op === 'Opaque' || n.op === 'Mul' || n.op === 'Sigmoid' || n.op === 'AvgPool2d')).toEqual([]);
    const a = analyze(doc);
    expect(a.totals.blocks.projection).toBe(c.projections);
    expect(a.totals.params).toBe(f.meta.params);

    const again = compile(doc, { weights: r.weights!, embedDocument: false });
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(relDiff(await runModel(again.bytes!, f.input, f.inputShape), f.expected)).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
