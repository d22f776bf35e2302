import { describe, expect, it } from 'vitest';
import { bottleneckForm, bottleneckInnerWidth } from './bottleneck.ts';

describe('bottleneck params from its convs (what import and the plain-to-residual rebuild read)', () => {
  it.each([
    ['ResNet-50 layer1', 64, 1, 256, { width: 64, expansion: 4 }],
    ['ResNeXt-50 32×4d layer1', 128, 32, 256, { width: 64, expansion: 4, cardinality: 32, baseWidth: 4 }],
    ['ResNeXt-101 32×8d layer1', 256, 32, 256, { width: 64, expansion: 4, cardinality: 32, baseWidth: 8 }],
    ['Wide ResNet-50-2 layer4', 1024, 1, 2048, { width: 512, expansion: 4, cardinality: 1, baseWidth: 128 }],
    ['an expansion-1 bottleneck stays one', 4, 1, 4, { width: 4, expansion: 1 }],
  ] as const)('%s', (_name, inner, groups, out, form) => {
    expect(bottleneckForm(inner, groups, out)).toEqual(form);
  });

  it('every form it gives builds the same convs again; none where none fits', () => {
    for (let inner = 1; inner <= 48; inner++) {
      for (const groups of [1, 2, 3, 4, 8, 16]) {
        for (const out of [inner, 2 * inner, 4 * inner, 3 * inner + 1]) {
          const f = bottleneckForm(inner, groups, out);
          if (inner % groups !== 0) expect(f).toBeUndefined();
          if (!f) continue;
          expect(bottleneckInnerWidth(f.width, f.baseWidth ?? 64, f.cardinality ?? 1)).toBe(inner);
          expect(f.width * f.expansion).toBe(out);
          expect(f.cardinality ?? 1).toBe(groups);
        }
      }
    }
  });
});
