import { shortcutLabel, type ShortcutKind } from '../blocks/shortcut.ts';
import type { NodeId } from '../graph/ids.ts';
import type { ResidualDocument, Shape } from '../graph/types.ts';
import { int } from '../ops/common.ts';
import { analyze, type Analysis, type FlatLayer } from '../shape/analyze.ts';
import { FIGURE_TEXT } from './strings.ts';

/** One box of a figure column: a layer the paper draws, labelled the paper's way. */
export interface FigureBox {
  /** The flat layer it draws. */
  readonly layer: NodeId;
  /** "7x7 conv, 64, /2", "pool, /2", "3x3 conv, 128", "avg pool", "fc 1000", "image". */
  readonly label: string;
  /** Spatial side of the box's output (1 for vectors): the paper's "output size". */
  readonly outputSize: string;
  readonly kind: 'input' | 'conv' | 'pool' | 'fc' | 'other';
}

/** A shortcut drawn beside a column: from the output of box `from` to the output of box `to`. */
export interface FigureArc {
  readonly from: number;
  readonly to: number;
  readonly kind: ShortcutKind;
  /** Identity arcs are solid; projection and zero-pad arcs (dimensions change) are dashed. */
  readonly dashed: boolean;
  /** "1x1 conv, /2", "zero-pad, /2"; empty for the identity (the paper labels none). */
  readonly label: string;
}

/** One network drawn as the paper draws it: a column of boxes and its shortcut arcs. */
export interface FigureColumn {
  readonly title: string;
  readonly boxes: readonly FigureBox[];
  readonly arcs: readonly FigureArc[];
}

/**
 * Layers the paper's figure leaves out: BN, activations, reshapes and the Add of a block (the arc
 * says it). What is left are the weighted layers, the pools and the image.
 */
const DRAWN = new Set(['Input', 'Conv2d', 'MaxPool2d', 'AvgPool2d', 'GlobalAvgPool', 'Linear', 'Opaque', 'Concat', 'Mul', 'Softmax']);

const sizeOf = (s: Shape | undefined): string => {
  if (!s || s.length === 0) return '?';
  if (s.length < 3) return '1';
  return s[1] === s[2] ? String(s[1]) : `${s[1]}×${s[2]}`;
};

const stride = (l: FlatLayer): string => (int(l.params, 'stride') > 1 ? `, /${int(l.params, 'stride')}` : '');

/** The paper's label for a layer ("3x3 conv, 128, /2"). */
export function paperLabel(l: FlatLayer): string {
  switch (l.op) {
    case 'Input':
      return 'image';
    case 'Conv2d': {
      const k = int(l.params, 'kernel');
      const groups = int(l.params, 'groups');
      return `${k}x${k} conv, ${int(l.params, 'outChannels')}${stride(l)}${groups > 1 ? `, g${groups}` : ''}`;
    }
    case 'MaxPool2d':
      return `pool${stride(l)}`;
    case 'AvgPool2d':
      return `avg pool${stride(l)}`;
    case 'GlobalAvgPool':
      return 'avg pool';
    case 'Linear':
      return `fc ${int(l.params, 'outFeatures')}`;
    case 'Opaque':
      return String(l.params['opType'] ?? 'op');
    default:
      return l.op.toLowerCase();
  }
}

const kindOf = (l: FlatLayer): FigureBox['kind'] =>
  l.op === 'Input' ? 'input' : l.op === 'Conv2d' ? 'conv' : l.op === 'Linear' ? 'fc' : /Pool/.test(l.op) ? 'pool' : 'other';

/**
 * The main column of a flat layer graph: the longest path from the input to the output, in
 * layers, so that a block's main path F(x) (several layers) wins over its shortcut (none, or a
 * 1×1 conv and BN). Ties go to input port 0, which is where blocks put F(x).
 */
function mainChain(layers: readonly FlatLayer[], analysis: Analysis): FlatLayer[] {
  const byId = new Map(layers.map((l) => [l.id, l]));
  const depth = new Map<NodeId, number>();
  const best = new Map<NodeId, NodeId | undefined>();
  for (const l of layers) {
    let d = 0;
    let from: NodeId | undefined;
    l.inputs.forEach((r) => {
      const rd = depth.get(r.layer);
      if (rd !== undefined && rd + 1 > d) {
        d = rd + 1;
        from = r.layer;
      }
    });
    depth.set(l.id, d);
    best.set(l.id, from);
  }
  const out = analysis.outputs[0]?.layer;
  let end = out && byId.has(out) ? out : layers[layers.length - 1]?.id;
  const chain: FlatLayer[] = [];
  while (end) {
    chain.push(byId.get(end)!);
    end = best.get(end);
  }
  return chain.reverse();
}

/**
 * Draws one network as the ResNet paper's figure does: the main column of boxes (convs with
 * kernel, width and stride; pools; fc) with each stage's output size, and each shortcut as an arc
 * spanning the boxes of its block — solid where it is the identity, dashed where it changes
 * dimensions (projection or zero-pad). Works for any document: residual blocks (collapsed or
 * expanded) and hand-built Adds alike, since it reads the analysed layer graph.
 *
 * @example
 * const col = figureColumn(buildTemplate('resnet34')!);
 * col.boxes[1].label; // "7x7 conv, 64, /2"
 * col.arcs.filter((a) => a.dashed).length; // 3
 */
export function figureColumn(doc: ResidualDocument, title: string = doc.name, analysis: Analysis = analyze(doc)): FigureColumn {
  const layers = analysis.layers;
  const chain = mainChain(layers, analysis);
  const onChain = new Set(chain.map((l) => l.id));
  const byId = new Map(layers.map((l) => [l.id, l]));
  const boxes: FigureBox[] = [];
  // Index of the last box at or before each chain layer: where an arc leaving that layer starts.
  const boxAt = new Map<NodeId, number>();
  for (const l of chain) {
    if (DRAWN.has(l.op)) boxes.push({ layer: l.id, label: paperLabel(l), outputSize: sizeOf(l.outputShapes[0]), kind: kindOf(l) });
    boxAt.set(l.id, boxes.length - 1);
  }
  const arcs: FigureArc[] = [];
  for (const add of chain) {
    if (add.op !== 'Add') continue;
    for (const input of add.inputs) {
      if (onChain.has(input.layer)) continue;
      // Walk the shortcut back to the main column, noting what it passes through.
      let kind: ShortcutKind = 'identity';
      let s = 1;
      let at: FlatLayer | undefined = byId.get(input.layer);
      while (at && !onChain.has(at.id)) {
        if (at.op === 'ZeroPadShortcut') kind = 'zero-pad';
        if (at.op === 'Conv2d') kind = 'projection';
        if (at.op === 'ZeroPadShortcut' || at.op === 'Conv2d') s = Math.max(s, int(at.params, 'stride'));
        at = at.inputs[0] ? byId.get(at.inputs[0].layer) : undefined;
      }
      if (!at) continue;
      arcs.push({ from: boxAt.get(at.id)!, to: boxAt.get(add.id)!, kind, dashed: kind !== 'identity', label: kind === 'identity' ? '' : shortcutLabel(kind, s) });
    }
    // An Add of two chain layers (x fed straight in, as a hand-built identity block is): the identity.
    const direct = add.inputs.filter((r) => onChain.has(r.layer));
    if (direct.length === 2) {
      const [a, b] = direct.map((r) => boxAt.get(r.layer)!) as [number, number];
      arcs.push({ from: Math.min(a, b), to: boxAt.get(add.id)!, kind: 'identity', dashed: false, label: '' });
    }
  }
  return { title, boxes, arcs };
}

/** Columns of the paper's figure: VGG-19, the 34-layer plain net and ResNet-34 (option B), with their English titles. */
export const PAPER_COLUMNS = (['vgg19', 'plain34', 'resnet34'] as const).map((template) => ({ template, title: FIGURE_TEXT.en.titles[template] }));
