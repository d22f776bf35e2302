import { describe, expect, it } from 'vitest';
import { analyze } from '../shape/analyze.ts';
import { buildTemplate, TEMPLATES } from './templates.ts';

// torchvision's published parameter counts and GMACs at 224×224, 1000 classes.
const TORCHVISION = [
  ['resnet18', 11_689_512, 1.814, { identity: 5, projection: 3 }],
  ['resnet34', 21_797_672, 3.664, { identity: 13, projection: 3 }],
  ['resnet50', 25_557_032, 4.089, { identity: 12, projection: 4 }],
  ['resnet101', 44_549_160, 7.801, { identity: 29, projection: 4 }],
  ['resnet152', 60_192_808, 11.514, { identity: 46, projection: 4 }],
  ['resnext50_32x4d', 25_028_904, 4.23, { identity: 12, projection: 4 }],
  ['resnext101_32x8d', 88_791_336, 16.414, { identity: 29, projection: 4 }],
  ['wide_resnet50_2', 68_883_240, 11.398, { identity: 12, projection: 4 }],
  ['wide_resnet101_2', 126_886_696, 22.753, { identity: 29, projection: 4 }],
  // 17 inverted residual blocks: 10 add x (solid arcs); the 7 that change stride or width have no shortcut at all.
  ['mobilenet_v2', 3_504_872, 0.301, { identity: 10, projection: 0 }],
  // 18 ConvNeXt blocks, each with the identity shortcut (stages change width in their own downsampling layers).
  ['convnext_tiny', 28_589_128, 4.456, { identity: 18, projection: 0 }],
  ['vgg19', 143_667_240, 19.632, { identity: 0, projection: 0 }],
] as const;

describe('templates match torchvision', () => {
  it.each(TORCHVISION)('%s has %i params and %f GMACs', (id, params, gmacs, blocks) => {
    const a = analyze(buildTemplate(id)!);
    expect(a.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(a.totals.params).toBe(params);
    expect((a.totals.macs / 1e9).toFixed(3)).toBe(gmacs.toFixed(3));
    expect(a.totals.blocks.identity).toBe(blocks.identity);
    expect(a.totals.blocks.projection).toBe(blocks.projection);
    const out = a.outputs[0]!.shape;
    expect(out).toEqual([1000]);
  });
});

describe('paper CIFAR nets', () => {
  // The paper's Table 6: ResNet-20 0.27M, 32 0.46M, 44 0.66M, 56 0.85M, 110 1.7M parameters.
  it.each([
    [20, 0.27],
    [32, 0.46],
    [44, 0.66],
    [56, 0.85],
    [110, 1.7],
  ])('CIFAR ResNet-%i has about %fM params, option A shortcuts and 3 stages', (depth, m) => {
    const a = analyze(buildTemplate(`cifar-resnet${depth}`)!);
    expect(a.diagnostics).toEqual([]);
    expect(a.totals.params / 1e6).toBeCloseTo(m, m >= 1 ? 1 : 2);
    expect(a.totals.blocks.zeroPad).toBe(2);
    expect(a.totals.blocks.projection).toBe(0);
    expect(a.stages.map((s) => s.outShape)).toEqual([
      [16, 32, 32],
      [32, 16, 16],
      [64, 8, 8],
    ]);
    expect(a.stages.map((s) => s.blocks)).toEqual(Array(3).fill((depth - 2) / 6));
  });

  it('plain nets have the same params as their residual twins under option A, and no shortcuts', () => {
    for (const [plain, res] of [
      ['plain-cifar20', 'cifar-resnet20'],
      ['plain-cifar56', 'cifar-resnet56'],
    ]) {
      const p = analyze(buildTemplate(plain!)!);
      const r = analyze(buildTemplate(res!)!);
      expect(p.totals.params).toBe(r.totals.params);
      expect(p.shortcuts).toEqual([]);
    }
  });

  it('plain-34 is ResNet-34 minus its three projection shortcuts', () => {
    const p = analyze(buildTemplate('plain34')!);
    const r = analyze(buildTemplate('resnet34')!);
    // Projection params: 1×1 convs 64→128, 128→256, 256→512 plus their BNs.
    const proj = 64 * 128 + 2 * 128 + 128 * 256 + 2 * 256 + 256 * 512 + 2 * 512;
    expect(r.totals.params - p.totals.params).toBe(proj);
  });
});

describe('every template', () => {
  it.each(TEMPLATES.filter((t) => t.id !== 'blank').map((t) => [t.id]))('%s analyses cleanly', (id) => {
    const a = analyze(buildTemplate(id)!);
    expect(a.diagnostics).toEqual([]);
    expect(a.outputs).toHaveLength(1);
  });

  it('honours --input and --classes overrides', () => {
    const a = analyze(buildTemplate('resnet18', { input: { channels: 1, height: 64, width: 64 }, classes: 7 })!);
    expect(a.outputs[0]!.shape).toEqual([7]);
    expect(a.nodes.get('layer4' as never)).toBeUndefined();
    expect(a.stages.at(-1)!.outShape).toEqual([512, 2, 2]);
  });

  it('the teaching net stays tiny', () => {
    const a = analyze(buildTemplate('tiny-resnet')!);
    expect(a.totals.params).toBeLessThan(10_000);
    expect(a.totals.blocks).toEqual({ identity: 1, projection: 1, zeroPad: 0 });
  });
});
