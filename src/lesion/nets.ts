import type { ResidualDocument } from '../graph/types.ts';
import { labPair } from '../lab/degradation.ts';

/**
 * The lesion study's residual net: the paper's CIFAR-style ResNet-20 (He et al. 2015: a 3×3 stem,
 * three stages of three basic blocks, option A shortcuts) with a 1-channel stem for Fashion-MNIST's
 * 28×28 images and widths `width`/2·`width`/4·`width` (8/16/32 by default: a quarter of the CIFAR
 * net's compute, so a browser runs the whole study in a minute or two) — the degradation lab's
 * 20-layer net. Module names are torchvision's, as `scripts/py/lesion_study.py` names its state_dict.
 */
export function lesionResnet20(width = 8): ResidualDocument {
  return { ...labPair(20, { widths: [width, 2 * width, 4 * width] }).residual, name: 'ResNet-20 (Fashion-MNIST, lesion study)' };
}

/**
 * Its plain counterpart: the same 20 layers with every shortcut removed (`toPlain`), the paper's
 * plain-20 — same widths, same depth, same names, same parameter count.
 */
export function lesionPlain20(width = 8): ResidualDocument {
  return { ...labPair(20, { widths: [width, 2 * width, 4 * width] }).plain, name: 'Plain-20 (Fashion-MNIST, lesion study)' };
}
