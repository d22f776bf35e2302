import { expandNode, updateParams } from '../../graph/edit.ts';
import type { ResidualDocument } from '../../graph/types.ts';
import { analyze } from '../../shape/analyze.ts';
import { buildTemplate } from '../../templates/templates.ts';

/**
 * ResNeXt-50 (32×4d) made from the ResNet-50 template through the document API, for the diff's
 * tests while the gallery has no ResNeXt: each bottleneck twice as wide inside (width 2×,
 * expansion 2, so the same output channels), expanded into its layers, its 3×3 conv in 32 groups
 * — torchvision's resnext50_32x4d, 25,028,904 params.
 */
export function resnext50FromResnet50(): ResidualDocument {
  let d = buildTemplate('resnet50')!;
  for (const n of d.nodes.filter((x) => x.op === 'Bottleneck')) {
    d = updateParams(d, n.id, { width: Number(n.params['width']) * 2, expansion: 2 });
    d = expandNode(d, n.id, analyze(d).nodes.get(n.id)!.inputShapes[0]!);
    d = updateParams(d, d.nodes.find((x) => x.name === `${n.name}.conv2`)!.id, { groups: 32 });
  }
  return { ...d, name: 'ResNeXt-50 (32x4d)' };
}
