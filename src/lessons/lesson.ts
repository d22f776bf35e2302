import { keepsDimensions } from '../blocks/shortcut.ts';
import { toPlain, toResidual } from '../blocks/plain-counterpart.ts';
import { msg, type MessageRef } from '../diagnostics/catalogue.ts';
import { collapseGroup, expandNode, updateParams } from '../graph/edit.ts';
import type { NodeId } from '../graph/ids.ts';
import type { GraphNode, ResidualDocument, Shape } from '../graph/types.ts';
import { isUnknownShape } from '../ops/common.ts';
import { getOp, isBlockKind } from '../ops/registry.ts';
import { resolveParams } from '../ops/validate.ts';
import { analyze, type Analysis, type ShortcutInfo } from '../shape/analyze.ts';
import type { LessonCondition, LessonEdit } from './schema.ts';

const inGroupNamed = (n: GraphNode, name: string): boolean => {
  for (let g = n.group; g; g = g.parent) if (g.name === name) return true;
  return false;
};

/**
 * The document nodes a lesson's name stands for: the node of that name, or, for a block or stage
 * that is expanded (or made plain: its layers keep the block's name as their group), its layers.
 * Empty when the network has nothing of that name.
 */
export function namedNodes(doc: ResidualDocument, name: string): GraphNode[] {
  const own = doc.nodes.filter((n) => n.name === name);
  if (own.length) return own;
  return doc.nodes.filter((n) => inGroupNamed(n, name));
}

/** True when the network has a layer or block (collapsed or expanded) of that name. */
export const hasName = (doc: ResidualDocument, name: string): boolean => namedNodes(doc, name).length > 0;

/** The output shape (without the batch) of a named layer or block: for an expanded block, of its last layer. */
export function shapeOf(doc: ResidualDocument, analysis: Analysis, name: string): Shape | undefined {
  const nodes = namedNodes(doc, name);
  if (nodes.length === 1) return analysis.nodes.get(nodes[0]!.id)?.outputShapes[0];
  const ids = new Set(nodes.map((n) => n.id));
  // The group's exit: the member whose output leaves the group (or, at the network's end, the last in order).
  const exit = doc.edges.find((e) => ids.has(e.source) && !ids.has(e.target))?.source ?? [...analysis.order].reverse().find((id) => ids.has(id));
  return exit ? analysis.nodes.get(exit)?.outputShapes[0] : undefined;
}

/** The shortcut of a named block, collapsed (its card) or expanded (its Add). */
export function shortcutOf(doc: ResidualDocument, analysis: Analysis, name: string): ShortcutInfo | undefined {
  const ids = new Set<NodeId>(namedNodes(doc, name).map((n) => n.id));
  return analysis.shortcuts.find((s) => ids.has(s.at));
}

/** Parameters of a named layer or block (all its layers). */
export function paramsOf(doc: ResidualDocument, analysis: Analysis, name: string): number {
  return namedNodes(doc, name).reduce((sum, n) => sum + (analysis.nodes.get(n.id)?.cost.params ?? 0), 0);
}

/** Parameters on a named block's shortcut (the projection's 1×1 conv and BN; 0 for the identity and zero-padding). */
export function shortcutParamsOf(doc: ResidualDocument, analysis: Analysis, name: string): number {
  const ids = new Set<NodeId>(namedNodes(doc, name).map((n) => n.id));
  const sc = analysis.shortcuts.find((s) => ids.has(s.at));
  if (!sc) return 0;
  if (!sc.collapsed) return sc.path.reduce((sum, id) => sum + (analysis.nodes.get(id)?.cost.params ?? 0), 0);
  // A collapsed card: its shortcut layers are the flat layers named <block>.downsample.*
  const prefix = `${namedNodes(doc, name)[0]?.name ?? name}.downsample`;
  return analysis.layers.filter((l) => ids.has(l.docNode) && (l.name === prefix || l.name.startsWith(`${prefix}.`))).reduce((sum, l) => sum + l.cost.params, 0);
}

/** The result of one edit: the new network, or why the edit cannot be made. */
export type EditResult = { readonly doc: ResidualDocument; readonly error?: undefined } | { readonly doc?: undefined; readonly error: MessageRef };

/** Applies one lesson edit (a template's edits, a task's solution). Never throws for a bad name: says what is wrong. */
export function applyEdit(doc: ResidualDocument, edit: LessonEdit, analysis?: Analysis): EditResult {
  switch (edit.kind) {
    case 'set-param': {
      const node = doc.nodes.find((n) => n.name === edit.node);
      if (!node) return { error: msg('lesson-unknown-name', { name: edit.node }) };
      if (!getOp(node.op).params.some((p) => p.name === edit.param)) return { error: msg('lesson-unknown-param', { name: edit.node, op: node.op, param: edit.param }) };
      return { doc: updateParams(doc, node.id, { [edit.param]: edit.value }) };
    }
    case 'expand': {
      const node = doc.nodes.find((n) => n.name === edit.block);
      if (!node) return { error: msg('lesson-unknown-name', { name: edit.block }) };
      if (!isBlockKind(node.op)) return { error: msg('lesson-not-block', { name: edit.block, op: node.op }) };
      const input = (analysis ?? analyze(doc)).nodes.get(node.id)?.inputShapes[0];
      if (!input) return { error: msg('lesson-no-input-shape', { name: edit.block }) };
      return { doc: expandNode(doc, node.id, input) };
    }
    case 'collapse': {
      const member = doc.nodes.find((n) => inGroupNamed(n, edit.block));
      let ref = member?.group;
      while (ref && ref.name !== edit.block) ref = ref.parent;
      if (!ref) return { error: msg('lesson-not-expanded', { name: edit.block }) };
      return { doc: collapseGroup(doc, ref.id) };
    }
    case 'zero-init-residual':
      return { doc: { ...doc, zeroInitResidual: edit.on } };
    case 'to-plain':
      return { doc: toPlain(doc).doc };
    case 'to-residual':
      return { doc: toResidual(doc).doc };
  }
}

/** Applies edits in order; the first that cannot be made stops them, with its index. */
export function applyEdits(doc: ResidualDocument, edits: readonly LessonEdit[]): { doc: ResidualDocument; error?: { index: number; message: MessageRef } } {
  let d = doc;
  for (const [index, e] of edits.entries()) {
    const r = applyEdit(d, e);
    if (r.error) return { doc: d, error: { index, message: r.error } };
    d = r.doc;
  }
  return { doc: d };
}

/** The value of a named node's param (defaults filled in); for an expanded block, the params it was expanded with. */
function paramOf(doc: ResidualDocument, name: string, param: string): unknown {
  const node = doc.nodes.find((n) => n.name === name);
  if (node) return resolveParams(node).params[param];
  const member = doc.nodes.find((n) => inGroupNamed(n, name));
  let ref = member?.group;
  while (ref && ref.name !== name) ref = ref.parent;
  return ref?.params[param];
}

/** True when a shortcut is of the kind a lesson asks for. */
export const shortcutIs = (sc: ShortcutInfo | undefined, is: string): boolean => !!sc && (is === 'changes-dimensions' ? !keepsDimensions(sc.kind) : sc.kind === is);

/** Whether the learner has done what a waiting step asks: evaluated on the live network and its analysis. */
export function conditionHolds(doc: ResidualDocument, analysis: Analysis, c: LessonCondition): boolean {
  switch (c.kind) {
    case 'param':
      return paramOf(doc, c.node, c.param) === c.equals;
    case 'shortcut':
      return shortcutIs(shortcutOf(doc, analysis, c.block), c.is);
    case 'expanded':
      return !doc.nodes.some((n) => n.name === c.block) && doc.nodes.some((n) => inGroupNamed(n, c.block));
    case 'zero-init-residual':
      return doc.zeroInitResidual === c.on;
    case 'plain':
      return analysis.shortcuts.length === 0;
    case 'residual':
      return analysis.shortcuts.length > 0;
  }
}

/** The names a condition is about (each must exist in its step's network). */
export function conditionNames(c: LessonCondition): string[] {
  switch (c.kind) {
    case 'param':
      return [c.node];
    case 'shortcut':
    case 'expanded':
      return [c.block];
    default:
      return [];
  }
}

/** How a filled card writes numbers and shortcut kinds (the app passes its language's). */
export interface FillFormat {
  readonly number?: (n: number) => string;
  readonly shape?: (s: Shape) => string;
  readonly shortcut?: (s: ShortcutInfo) => string;
}

const PLACEHOLDER = /\{(params|shape|shortcut|shortcutParams)(?::([^{}\s]+))?\}/g;

/**
 * Fills a card's placeholders from the network's analysis: `{params}` (the network's),
 * `{params:NAME}`, `{shape:NAME}` (C×H×W), `{shortcut:NAME}` (its label) and `{shortcutParams:NAME}`.
 * `missing` lists the placeholders that could not be filled (they stay as written).
 *
 * @example fillCard('layer2.0 costs {params:layer2.0}', doc, analyze(doc)).text // 'layer2.0 costs 14,528'
 */
export function fillCard(template: string, doc: ResidualDocument, analysis: Analysis, f: FillFormat = {}): { text: string; missing: string[] } {
  const num = f.number ?? ((n: number) => n.toLocaleString('en-US'));
  const shape = f.shape ?? ((s: Shape) => s.join('×'));
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, what: string, name: string | undefined) => {
    if (what === 'params' && name === undefined) return num(analysis.totals.params);
    if (name === undefined || !hasName(doc, name)) {
      missing.push(whole);
      return whole;
    }
    if (what === 'params') return num(paramsOf(doc, analysis, name));
    if (what === 'shortcutParams') return num(shortcutParamsOf(doc, analysis, name));
    if (what === 'shape') {
      const s = shapeOf(doc, analysis, name);
      if (!s || isUnknownShape(s)) {
        missing.push(whole);
        return whole;
      }
      return shape(s);
    }
    const sc = shortcutOf(doc, analysis, name);
    if (!sc) {
      missing.push(whole);
      return whole;
    }
    return f.shortcut ? f.shortcut(sc) : sc.label;
  });
  return { text, missing };
}

