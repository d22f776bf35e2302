/**
 * Writes a document as PyTorch source. The modules mirror the layers' names (`layer1.0.conv1`
 * becomes `self.layer1[0].conv1`), so the state_dict keys are the ONNX export's weight names.
 *
 * The network is first cut into units: a collapsed block or stage (one instance of `BasicBlock`,
 * `Bottleneck` or `Stage`), a layer with a module (`nn.Conv2d`, …), or an inline op (Add, Mul,
 * Concat). The units' dotted names make a tree; each inner node of it becomes
 * - an `nn.Sequential`, when its units form a chain (each reads the one before, as in a torchvision
 *   `layer1` or VGG's `features`);
 * - a class of its own with a `forward`, when one tensor goes in and one comes out (a hand-built
 *   residual block);
 * - a plain `nn.Module()` holding its children otherwise, which the enclosing `forward` calls one by one.
 *
 * A collapsed user-defined block is one class named after the block, its layers built from the
 * block's own arguments (`SiluDown(in_channels, width=16, stride=2)`), so every instance is that
 * class called with its params.
 */
import { isVariant } from '../../blocks/block-variants.ts';
import { invertedResidualNoShortcut } from '../../blocks/inverted-residual.ts';
import { resolveShortcut, shortcutLabel, type ShortcutKind } from '../../blocks/shortcut.ts';
import { diag, msg, type Diagnostic, type MessageRef } from '../../diagnostics/catalogue.ts';
import type { NodeId } from '../../graph/ids.ts';
import type { GraphNode, ResidualDocument, ShortcutMode, UserBlockDef } from '../../graph/types.ts';
import { resolveParams } from '../../ops/validate.ts';
import { int, str } from '../../ops/common.ts';
import { isBlockKind, isUserKind, userBlockDef } from '../../ops/registry.ts';
import type { Analysis, FlatLayer } from '../../shape/analyze.ts';
import { LAYER_FORMS, layerState, type ModuleForm } from './layers.ts';
import type { PartName } from './prelude.ts';
import { isIdentifier, MODULE_ATTRIBUTES, pyFloat, pyStr, toClassName, toIdentifier } from './python.ts';

/** A tensor of the flat network: the id of the layer whose output it is. */
type Tensor = NodeId;

/** One piece of the network as the code shows it. */
interface Unit {
  readonly name: string;
  /** Position of the unit's output layer in the topological order. */
  readonly index: number;
  /** Tensors read from outside the unit, in port order (without repeats). */
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /** Constructor call, for a unit with a module. */
  readonly module?: string;
  /** Inline expression, for an Add, Mul or Concat. */
  readonly inline?: (inputs: readonly string[]) => string;
  /** Says what the unit is, on the line that builds or calls it (the shortcut kinds). */
  readonly comment?: string;
  /** state_dict entries under this unit, with their shapes. */
  readonly state: readonly [string, readonly number[]][];
  readonly parts: readonly PartName[];
  /** The layer, for a unit that is one. */
  readonly layer?: FlatLayer;
  /** The layer's op (inline units too). */
  readonly op?: FlatLayer['op'];
}

/** A node of the name tree: a unit (a leaf) or a container of children. */
interface TreeNode {
  readonly segment: string;
  readonly path: string;
  readonly children: Map<string, TreeNode>;
  unit?: Unit;
  form?: 'sequential' | 'class' | 'holder';
  className?: string;
  /** A sequential container that is a plain block (a basic block without its shortcut): its constructor. */
  plain?: string;
  /** A layer of a user block's class: its constructor in the class's own arguments (`nn.Conv2d(in_channels, width, …)`). */
  symbolic?: string;
  /** A user block instance: the arguments its class is called with (`8, width=16, stride=2`). */
  ctorArgs?: string;
}

/** What {@link generateModel} gives back. */
export interface GeneratedModel {
  /** The `model.py` body after the prelude: container classes, the network class, `build_model`. */
  readonly classes: string;
  readonly network: string;
  readonly parts: ReadonlySet<PartName>;
  /** state_dict key → shape, in the network's order. */
  readonly state: ReadonlyMap<string, readonly number[]>;
  /** The network class's name (`ResNet18`). */
  readonly networkName: string;
  readonly diagnostics: Diagnostic[];
}

const BLOCK_LABEL = { BasicBlock: 'basic block', Bottleneck: 'bottleneck block' } as const;

/** Builds the network's classes from an error-free analysis of `doc`. */
export function generateModel(doc: ResidualDocument, analysis: Analysis): GeneratedModel {
  const diagnostics: Diagnostic[] = [];
  const docNodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const units = cutUnits(doc, analysis, docNodes, diagnostics);
  const root: TreeNode = { segment: '', path: '', children: new Map() };
  for (const u of units.list) place(root, u, diagnostics, units.docNodeOf);
  if (diagnostics.length) return { classes: '', network: '', parts: new Set(), state: new Map(), networkName: '', diagnostics };

  const consumers = new Map<Tensor, Unit[]>();
  for (const u of units.list) for (const t of u.inputs) consumers.set(t, [...(consumers.get(t) ?? []), u]);
  const outputs = analysis.outputs.map((o) => o.layer);
  const ctx: Ctx = { parts: new Set(), consumers, graphOutputs: new Set(outputs), input: units.input, classes: [], classBodies: new Map(), classNames: userBlockClassNames(doc), userInstances: userInstances(doc, analysis), usedClassNames: new Set(['BasicBlock', 'Bottleneck', 'InvertedResidual', 'Stage', 'PlainBlock', 'BatchNorm2d', 'Clamp', 'HardSigmoid', 'ZeroPadShortcut', 'CNBlock', 'LayerNorm2d', 'LayerScale', 'StochasticDepth']) };
  classify(root, ctx);
  const networkName = uniqueClass(toClassName(doc.name, 'Net'), ctx);
  const network = classSource(networkName, `${doc.name}, as drawn in Residual Studio.`, root, ctx, outputs);
  const parts = new Set([...units.list.flatMap((u) => u.parts), ...ctx.parts]);
  const state = new Map(units.list.flatMap((u) => u.state));
  return { classes: ctx.classes.map((c) => c.trim()).join('\n\n\n'), network, parts, state, networkName, diagnostics };
}

/* ---------- units ---------- */

function cutUnits(doc: ResidualDocument, analysis: Analysis, docNodes: Map<NodeId, GraphNode>, diagnostics: Diagnostic[]) {
  const index = new Map(analysis.layers.map((l, i) => [l.id, i]));
  const byBlock = new Map<NodeId, FlatLayer[]>();
  let input: Tensor | undefined;
  const list: Unit[] = [];
  const docNodeOf = new Map<Unit, NodeId>();
  for (const l of analysis.layers) {
    const owner = documentNode(l.docNode, docNodes);
    // A user-defined block is written out layer by layer: its instance's subtree becomes a class of its own name.
    // So is a block with a family option (pre-activation, SE, ResNet-D): the prelude's classes are the 2015 blocks.
    if (owner && isBlockKind(owner.op) && !isUserKind(owner.op) && !isVariant(owner.params)) {
      byBlock.set(owner.id, [...(byBlock.get(owner.id) ?? []), l]);
      continue;
    }
    if (l.op === 'Input') {
      input = l.id;
      continue;
    }
    if (l.op === 'Output') continue;
    const form = LAYER_FORMS[l.op];
    if (!form) {
      diagnostics.push(diag('RS801', msg('pytorch-no-counterpart', { node: l.name, opType: str(l.params, 'opType') || l.op }), { nodeId: l.docNode }));
      continue;
    }
    const args = { params: l.params, inputShapes: l.inputShapes };
    const inputs = uniq(l.inputs.map((r) => r.layer));
    const shortcut = l.op === 'Add' ? analysis.shortcuts.find((s) => s.at === l.docNode && !s.collapsed) : undefined;
    const unit: Unit =
      'inline' in form
        ? { name: l.name, index: index.get(l.id)!, inputs, output: l.id, inline: (ins) => form.inline(l.inputs.map((r) => ins[inputs.indexOf(r.layer)]!)), state: [], parts: [], op: l.op, ...(shortcut ? { comment: `F(x) + x: ${shortcutPhrase(shortcut.kind, shortcut.stride)}` } : {}) }
        : { name: l.name, index: index.get(l.id)!, inputs, output: l.id, module: form.module(args), state: layerState(l.op, l.name, args), parts: (form as ModuleForm).parts ?? [], layer: l, op: l.op };
    list.push(unit);
    docNodeOf.set(unit, l.docNode);
  }
  for (const [id, layers] of byBlock) {
    const node = docNodes.get(id)!;
    const info = analysis.nodes.get(id)!;
    const inside = new Set(layers.map((l) => l.id));
    const inputs = uniq(layers.flatMap((l) => l.inputs.map((r) => r.layer)).filter((t) => !inside.has(t)));
    const exit = info.outputLayer!;
    const block = blockUnit(doc, node, info.inputShapes[0]![0]!);
    const unit: Unit = {
      name: node.name,
      index: index.get(exit)!,
      inputs,
      output: exit,
      ...block,
      state: layers.flatMap((l) => (l.op === 'Input' || l.op === 'Output' ? [] : layerState(l.op, l.name, { params: l.params, inputShapes: l.inputShapes }))),
      parts: [node.op as PartName, ...(node.op === 'Stage' ? [str(node.params, 'block') === 'bottleneck' ? ('Bottleneck' as const) : ('BasicBlock' as const)] : [])],
    };
    list.push(unit);
    docNodeOf.set(unit, id);
  }
  list.sort((a, b) => a.index - b.index);
  return { list, input: input!, docNodeOf };
}

/**
 * The document node a layer belongs to. A layer of a block inside a collapsed stage names that
 * block (`<stage id>/<i>`), which only the expansion has: the stage is the document's node.
 */
function documentNode(id: NodeId, docNodes: ReadonlyMap<NodeId, GraphNode>): GraphNode | undefined {
  for (let at: string = id; ; at = at.slice(0, at.lastIndexOf('/'))) {
    const n = docNodes.get(at as NodeId);
    if (n || !at.includes('/')) return n;
  }
}

const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

function shortcutPhrase(kind: ShortcutKind, stride: number): string {
  if (kind === 'identity') return 'identity shortcut';
  return `${kind === 'projection' ? 'projection' : 'zero-pad (option A)'} shortcut (${shortcutLabel(kind, stride)})`;
}

/** The constructor call of a collapsed block or stage, with its shortcut resolved as the editor resolves it. */
function blockUnit(doc: ResidualDocument, node: GraphNode, inChannels: number): { module: string; comment: string } {
  const p = node.params;
  const width = int(p, 'width');
  const stride = int(p, 'stride');
  const bn = p['batchNorm'] === false ? ', batch_norm=False' : '';
  const mode = str(p, 'shortcut') as ShortcutMode;
  if (node.op === 'Stage') {
    const bottleneck = str(p, 'block') === 'bottleneck';
    const out = width * (bottleneck ? 4 : 1);
    const count = int(p, 'count');
    const first = resolveShortcut(mode, [inChannels], out, stride, doc.projectionEverywhere);
    const rest = resolveShortcut('auto', [out], out, 1, doc.projectionEverywhere);
    const cls = bottleneck ? 'Bottleneck' : 'BasicBlock';
    const restArg = rest === 'identity' ? '' : `, rest=${pyStr(rest)}`;
    const blocks = `${count} ${BLOCK_LABEL[cls]}${count > 1 ? 's' : ''}`;
    const comment = count > 1 ? `${blocks}; the first has a ${shortcutPhrase(first, stride)}, the rest ${rest === 'identity' ? 'identity shortcuts' : `${rest} shortcuts`}` : `${blocks} with a ${shortcutPhrase(first, stride)}`;
    return {
      module: `Stage(${cls}, ${inChannels}, ${width}, count=${count}${stride !== 1 ? `, stride=${stride}` : ''}, shortcut=${pyStr(first)}${restArg}${bn}${bottleneck ? groupedArgs(p) : ''})`,
      comment,
    };
  }
  if (node.op === 'ConvNeXtBlock') {
    const scale = Number(p['layerScale'] ?? 1e-6);
    const sd = Number(p['stochasticDepth'] ?? 0);
    return { module: `CNBlock(${width}${scale !== 1e-6 ? `, layer_scale=${pyFloat(scale)}` : ''}${sd !== 0 ? `, stochastic_depth=${pyFloat(sd)}` : ''})`, comment: 'ConvNeXt block, identity shortcut' };
  }
  if (node.op === 'InvertedResidual') {
    const why = invertedResidualNoShortcut(p, inChannels);
    return {
      module: `InvertedResidual(${inChannels}, ${int(p, 'outChannels')}${stride !== 1 ? `, stride=${stride}` : ''}, expansion=${int(p, 'expansion')}${bn})`,
      comment: `inverted residual block, ${why ? `no shortcut (${why.reason === 'stride' ? `stride ${why.stride}` : `${why.inChannels} -> ${why.outChannels} channels`})` : 'identity shortcut'}`,
    };
  }
  const kind = node.op as 'BasicBlock' | 'Bottleneck';
  const expansion = kind === 'Bottleneck' ? int(p, 'expansion') : 1;
  const shortcut = resolveShortcut(mode, [inChannels], width * expansion, stride, doc.projectionEverywhere);
  const exp = kind === 'Bottleneck' && expansion !== 4 ? `, expansion=${expansion}` : '';
  return {
    module: `${kind}(${inChannels}, ${width}${stride !== 1 ? `, stride=${stride}` : ''}, shortcut=${pyStr(shortcut)}${bn}${exp}${kind === 'Bottleneck' ? groupedArgs(p) : ''})`,
    comment: `${BLOCK_LABEL[kind]}, ${shortcutPhrase(shortcut, stride)}`,
  };
}

/** A bottleneck's ResNeXt cardinality and base width as the Python class's keywords, when not a plain ResNet's. */
function groupedArgs(p: GraphNode['params']): string {
  const groups = int(p, 'cardinality') || 1;
  const baseWidth = int(p, 'baseWidth') || 64;
  return `${groups !== 1 ? `, groups=${groups}` : ''}${baseWidth !== 64 ? `, base_width=${baseWidth}` : ''}`;
}

/* ---------- the name tree ---------- */

function place(root: TreeNode, u: Unit, diagnostics: Diagnostic[], docNodeOf: Map<Unit, NodeId>) {
  const bad = (problem: MessageRef) => diagnostics.push(diag('RS802', msg('pytorch-bad-name', { node: u.name, name: u.name, problem }), { nodeId: docNodeOf.get(u)!, field: 'name' }));
  const segments = u.name.split('.');
  if (segments.some((s) => s === '')) return bad(msg('pytorch-name-empty-part'));
  const reserved = segments.find((s) => MODULE_ATTRIBUTES.has(s));
  if (reserved) return bad(msg('pytorch-name-reserved', { part: reserved }));
  let at = root;
  for (const [i, s] of segments.entries()) {
    if (at.unit) return bad(msg('pytorch-name-prefix', { other: at.unit.name }));
    let next = at.children.get(s);
    if (!next) {
      next = { segment: s, path: segments.slice(0, i + 1).join('.'), children: new Map() };
      at.children.set(s, next);
    }
    at = next;
  }
  if (at.unit || at.children.size) {
    const other = at.unit?.name ?? firstUnit(at)!.name;
    return bad(msg('pytorch-name-prefix', { other }));
  }
  at.unit = u;
}

function firstUnit(t: TreeNode): Unit | undefined {
  if (t.unit) return t.unit;
  for (const c of t.children.values()) {
    const u = firstUnit(c);
    if (u) return u;
  }
  return undefined;
}

/** Every unit under a tree node, in the network's order. */
function unitsUnder(t: TreeNode): Unit[] {
  const out: Unit[] = [];
  const walk = (n: TreeNode) => {
    if (n.unit) out.push(n.unit);
    for (const c of n.children.values()) walk(c);
  };
  walk(t);
  return out.sort((a, b) => a.index - b.index);
}

interface Ctx {
  /** Prelude parts the containers use (PlainBlock). */
  readonly parts: Set<PartName>;
  readonly consumers: ReadonlyMap<Tensor, readonly Unit[]>;
  readonly graphOutputs: ReadonlySet<Tensor>;
  readonly input: Tensor;
  readonly classes: string[];
  /** Class body (with the name left out) → class name, so that containers built alike share one class. */
  readonly classBodies: Map<string, string>;
  /** Module path → class name asked for (a user-defined block's instance: its block's name). */
  readonly classNames: ReadonlyMap<string, string>;
  /** Module path → a collapsed user block instance there: its definition and params. */
  readonly userInstances: ReadonlyMap<string, { readonly def: UserBlockDef; readonly node: GraphNode; readonly inChannels: number }>;
  readonly usedClassNames: Set<string>;
}

/** Each user-defined block instance's module path, named by its block, so its class reads as the designer named it. */
function userBlockClassNames(doc: ResidualDocument): Map<string, string> {
  const names = new Map<string, string>();
  for (const n of doc.nodes) {
    const def = userBlockDef(n.op, doc.blocks);
    if (def) names.set(n.name, def.name);
    // An expanded instance keeps its group: its layers' subtree is still the block.
    for (let g = n.group; g; g = g.parent) {
      const gd = userBlockDef(g.kind, doc.blocks);
      if (gd) names.set(g.name, gd.name);
    }
  }
  return names;
}

/** Each collapsed user block instance by module path: its definition, its params (defaults filled) and its input channels. */
function userInstances(doc: ResidualDocument, analysis: Analysis): Map<string, { def: UserBlockDef; node: GraphNode; inChannels: number }> {
  const out = new Map<string, { def: UserBlockDef; node: GraphNode; inChannels: number }>();
  for (const n of doc.nodes) {
    const def = userBlockDef(n.op, doc.blocks);
    const inChannels = analysis.nodes.get(n.id)?.inputShapes[0]?.[0];
    if (def && inChannels !== undefined) out.set(n.name, { def, node: { ...n, params: resolveParams(n, doc.blocks).params }, inChannels });
  }
  return out;
}

/** Numbers no layer has, standing in for the block's arguments while its layers' constructors are written, then replaced by their names. */
const SENTINEL = 9_000_001;
/** Names a user block's class cannot give its arguments (the forward's own variables, the modules it imports). */
const TAKEN_ARGS = new Set(['self', 'x', 'out', 'torch', 'nn', 'F', 'in_channels']);

/**
 * The class of a user block, written from the block's own arguments: `__init__(self, in_channels,
 * width=16, stride=2)`, each layer built from the argument its binding maps onto it (`width * 4`
 * for a scaled one) and from the channels flowing in (in_channels at x, then each conv's output).
 * Undefined where a layer's constructor cannot be said in those terms (a Linear, a Concat, a bound
 * param that is not an int): the instance's class is then written with its own numbers.
 */
function userBlockClass(t: TreeNode, instance: { def: UserBlockDef; node: GraphNode; inChannels: number }, x: Tensor): { modules: Map<TreeNode, string>; call: string; signature: string } | undefined {
  const { def, node } = instance;
  const args = def.params.filter((p) => def.bindings.some((b) => b.param === p.name));
  if (args.some((p) => p.type !== 'int' || !isIdentifier(p.name) || TAKEN_ARGS.has(p.name) || MODULE_ATTRIBUTES.has(p.name))) return undefined;
  const exprs: string[] = [];
  const sentinel = (expr: string): number => {
    const at = exprs.indexOf(expr);
    if (at >= 0) return SENTINEL + at;
    exprs.push(expr);
    return SENTINEL + exprs.length - 1;
  };
  const localName = new Map(def.nodes.map((n) => [n.id as string, n.name]));
  const bound = new Map<string, { field: string; expr: string }[]>();
  for (const b of def.bindings) {
    const name = localName.get(b.node)!;
    const expr = b.scale === undefined || b.scale === 1 ? b.param : Number.isInteger(b.scale) ? `${b.param} * ${b.scale}` : `int(${b.param} * ${pyFloat(b.scale)})`;
    bound.set(name, [...(bound.get(name) ?? []), { field: b.field, expr }]);
  }
  const channels = new Map<Tensor, string>([[x, 'in_channels']]);
  const modules = new Map<TreeNode, string>();
  const leaves: TreeNode[] = [];
  const walk = (n: TreeNode) => (n.unit ? leaves.push(n) : n.children.forEach(walk));
  walk(t);
  leaves.sort((a, b) => a.unit!.index - b.unit!.index);
  for (const leaf of leaves) {
    const u = leaf.unit!;
    const input = channels.get(u.inputs[0]!);
    if (input === undefined || u.op === undefined || u.op === 'Concat' || u.op === 'Linear') return undefined;
    const mine = bound.get(u.name.slice(t.path.length + 1)) ?? [];
    let out = input;
    if (u.layer) {
      const params = { ...u.layer.params };
      for (const b of mine) params[b.field] = sentinel(b.expr);
      const shape = u.layer.inputShapes[0]!;
      const form = LAYER_FORMS[u.op as keyof typeof LAYER_FORMS] as ModuleForm;
      let ctor = form.module({ params, inputShapes: [[sentinel(input), ...shape.slice(1)], ...u.layer.inputShapes.slice(1)] });
      for (const b of mine) if (!ctor.includes(String(sentinel(b.expr)))) return undefined;
      exprs.forEach((e, i) => (ctor = ctor.replace(new RegExp(`\\b${SENTINEL + i}\\b`, 'g'), e)));
      modules.set(leaf, ctor);
      if (u.op === 'Conv2d' || u.op === 'ZeroPadShortcut') out = mine.find((b) => b.field === 'outChannels')?.expr ?? String(int(u.layer.params, 'outChannels'));
    } else if (mine.length > 0) return undefined;
    channels.set(u.output, out);
  }
  const value = (p: (typeof args)[number]) => String(node.params[p.name] ?? p.default);
  return {
    modules,
    call: [String(instance.inChannels), ...args.map((p) => `${p.name}=${value(p)}`)].join(', '),
    signature: [', in_channels', ...args.map((p) => `${p.name}=${p.default}`)].join(', '),
  };
}

/** A container's boundary: the tensors it reads from outside, and those read outside (or returned) of it. */
function boundary(t: TreeNode, ctx: Ctx): { entries: Tensor[]; exits: Tensor[]; members: Unit[] } {
  const members = unitsUnder(t);
  const inside = new Set(members);
  const produced = new Set(members.map((u) => u.output));
  const entries = uniq(members.flatMap((u) => u.inputs.filter((x) => !produced.has(x))));
  const exits = members.filter((u) => ctx.graphOutputs.has(u.output) || (ctx.consumers.get(u.output) ?? []).some((c) => !inside.has(c))).map((u) => u.output);
  return { entries, exits, members };
}

/** What a tree node is called as from its parent's forward: one callable, or (a holder) its children's. */
interface Callable {
  readonly index: number;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /** The module access from `self` (`self.layer1`) or, inline, the expression. */
  readonly call: (access: string, inputs: readonly string[]) => string;
  readonly path: readonly string[];
  readonly comment?: string;
  readonly name: string;
}

/** Decides, bottom-up, how each container is written. */
function classify(t: TreeNode, ctx: Ctx): void {
  for (const c of t.children.values()) classify(c, ctx);
  if (t.unit || t.path === '') return;
  const { entries, exits } = boundary(t, ctx);
  const kids = [...t.children.values()].map((c) => ({ c, callable: asSingle(c, ctx) }));
  kids.sort((a, b) => (a.callable?.index ?? Infinity) - (b.callable?.index ?? Infinity));
  const chain =
    entries.length === 1 &&
    exits.length === 1 &&
    kids.every(({ callable }) => callable !== undefined && callable.inputs.length === 1) &&
    kids.every(({ c }) => !c.unit || c.unit.module !== undefined) &&
    kids.every(({ callable }, i) => {
      const cl = callable!;
      const prev = i === 0 ? entries[0] : kids[i - 1]!.callable!.output;
      if (cl.inputs[0] !== prev) return false;
      if (i === kids.length - 1) return cl.output === exits[0];
      const users = ctx.consumers.get(cl.output) ?? [];
      return !ctx.graphOutputs.has(cl.output) && users.length === 1;
    });
  const instance = ctx.userInstances.get(t.path);
  // A user block is its own class even where its layers form a chain, so that each instance reads as the block.
  const symbolic = instance && entries.length === 1 && exits.length === 1 ? userBlockClass(t, instance, entries[0]!) : undefined;
  t.form = symbolic ? 'class' : chain ? 'sequential' : entries.length === 1 && exits.length === 1 ? 'class' : 'holder';
  if (symbolic) {
    for (const [node, ctor] of symbolic.modules) node.symbolic = ctor;
    t.ctorArgs = symbolic.call;
    const body = classSource('__CLASS__', `${instance!.def.name}, a block of this document’s block library: its layers from the block's own arguments.`, t, ctx, exits, symbolic.signature);
    const key = body.split('\n').slice(2).join('\n');
    const known = ctx.classBodies.get(key);
    if (known) t.className = known;
    else {
      const name = uniqueClass(ctx.classNames.get(t.path) ?? toClassName(t.path, 'Part'), ctx);
      ctx.classBodies.set(key, name);
      ctx.classes.push(body.replace(/^class __CLASS__/, `class ${name}`));
      t.className = name;
    }
    return;
  }
  if (chain) {
    const plain = plainBlock(kids.map(({ c }) => c));
    if (plain) {
      t.plain = plain;
      ctx.parts.add('PlainBlock');
    }
  }
  if (t.form === 'class') {
    const body = classSource('__CLASS__', 'A part of the network drawn layer by layer.', t, ctx, exits);
    // Containers built alike (hand-built blocks of one design) share a class: compare all but the name line and docstring.
    const key = body.split('\n').slice(2).join('\n');
    const known = ctx.classBodies.get(key);
    if (known) {
      t.className = known;
    } else {
      const name = uniqueClass(ctx.classNames.get(t.path) ?? toClassName(t.path, 'Part'), ctx);
      ctx.classBodies.set(key, name);
      ctx.classes.push(body.replace(/^class __CLASS__/, `class ${name}`));
      t.className = name;
    }
  }
}

const PLAIN_NAMES = ['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'relu'];
const PLAIN_OPS = ['Conv2d', 'BatchNorm2d', 'ReLU', 'Conv2d', 'BatchNorm2d', 'ReLU'];

/**
 * `PlainBlock(in, width, stride)` when the children are exactly the layers of a basic block without
 * its shortcut, named as the plain-net templates name them (conv3x3 → BN → ReLU → conv3x3 → BN → ReLU).
 */
function plainBlock(kids: readonly TreeNode[]): string | undefined {
  const layers = kids.map((k) => k.unit?.layer);
  if (kids.length !== 6 || kids.some((k, i) => k.segment !== PLAIN_NAMES[i] || layers[i]?.op !== PLAIN_OPS[i])) return undefined;
  const [c1, b1, , c2, b2] = layers as FlatLayer[];
  const conv3 = (l: FlatLayer) => int(l.params, 'kernel') === 3 && int(l.params, 'padding') === 1 && int(l.params, 'dilation') === 1 && int(l.params, 'groups') === 1 && l.params['bias'] !== true;
  const width = int(c1!.params, 'outChannels');
  const stride = int(c1!.params, 'stride');
  if (!conv3(c1!) || !conv3(c2!) || int(c2!.params, 'stride') !== 1 || int(c2!.params, 'outChannels') !== width) return undefined;
  if (Number(b1!.params['eps']) !== 1e-5 || Number(b2!.params['eps']) !== 1e-5) return undefined;
  return `PlainBlock(${c1!.inputShapes[0]![0]}, ${width}${stride !== 1 ? `, stride=${stride}` : ''})`;
}

function uniqueClass(base: string, ctx: Ctx): string {
  let name = base;
  for (let i = 2; ctx.usedClassNames.has(name); i++) name = `${base}${i}`;
  ctx.usedClassNames.add(name);
  return name;
}

/** A tree node called as one module: a unit, a sequential or a class container. */
function asSingle(t: TreeNode, ctx: Ctx): Callable | undefined {
  if (t.unit) {
    const u = t.unit;
    return {
      index: u.index,
      inputs: u.inputs,
      output: u.output,
      call: u.inline ? (_a, ins) => u.inline!(ins) : (a, ins) => `${a}(${ins.join(', ')})`,
      path: [t.segment],
      name: t.segment,
      ...(u.comment ? { comment: u.comment } : {}),
    };
  }
  if (t.form === 'holder' || t.form === undefined) return undefined;
  const { entries, exits, members } = boundary(t, ctx);
  return { index: members.at(-1)!.index, inputs: entries, output: exits[0]!, call: (a, ins) => `${a}(${ins.join(', ')})`, path: [t.segment], name: t.segment };
}

/** Callables of a scope's children, holders opened up (their children called with a longer path). */
function callablesOf(t: TreeNode, ctx: Ctx): Callable[] {
  const out: Callable[] = [];
  for (const c of t.children.values()) {
    const single = asSingle(c, ctx);
    if (single) out.push(single);
    else for (const inner of callablesOf(c, ctx)) out.push({ ...inner, path: [c.segment, ...inner.path] });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** `self.layer1`, `getattr(self.blocks, "my-conv")`, … */
function access(path: readonly string[]): string {
  return path.reduce((a, s) => (isIdentifier(s) ? `${a}.${s}` : `getattr(${a}, ${pyStr(s)})`), 'self');
}

/** The constructor expression of a tree node (used in its parent's `__init__`). */
function constructorOf(t: TreeNode, indent: string): { expr: string; comment?: string } {
  if (t.unit) return { expr: t.symbolic ?? t.unit.module!, ...(t.unit.comment ? { comment: t.unit.comment } : {}) };
  if (t.plain) return { expr: t.plain, comment: 'plain block: no shortcut' };
  if (t.form === 'class') return { expr: `${t.className}(${t.ctorArgs ?? ''})` };
  const kids = [...t.children.values()].sort((a, b) => firstIndex(a) - firstIndex(b));
  const positional = kids.every((k, i) => k.segment === String(i));
  const inner = `${indent}    `;
  const lines = kids.map((k) => {
    const c = constructorOf(k, inner);
    const item = positional ? c.expr : `(${pyStr(k.segment)}, ${c.expr})`;
    return `${inner}${item},${c.comment ? `  # ${c.comment}` : ''}`;
  });
  return { expr: positional ? `nn.Sequential(\n${lines.join('\n')}\n${indent})` : `nn.Sequential(OrderedDict([\n${lines.join('\n')}\n${indent}]))` };
}

const firstIndex = (t: TreeNode): number => Math.min(...unitsUnder(t).map((u) => u.index));

/** `__init__` lines that build a scope's children (holders as `nn.Module()` filled in place). */
function initLines(t: TreeNode, owner: readonly string[], out: string[]): void {
  const kids = [...t.children.values()].sort((a, b) => firstIndex(a) - firstIndex(b));
  for (const k of kids) {
    if (!k.unit && (k.form === 'holder' || k.form === undefined)) {
      out.push(assign(owner, k.segment, 'nn.Module()'));
      initLines(k, [...owner, k.segment], out);
      continue;
    }
    if (k.unit && !k.unit.module) continue;
    const c = constructorOf(k, '        ');
    out.push(`${assign(owner, k.segment, c.expr)}${c.comment ? `  # ${c.comment}` : ''}`);
  }
}

function assign(owner: readonly string[], segment: string, expr: string): string {
  const target = access(owner);
  return isIdentifier(segment) ? `        ${target}.${segment} = ${expr}` : `        ${target}.add_module(${pyStr(segment)}, ${expr})`;
}

/** A class for a scope (the network, or a class container): `__init__` and a `forward` in the diagram's order. */
function classSource(name: string, doc: string, t: TreeNode, ctx: Ctx, returns: readonly Tensor[], signature = ''): string {
  const init: string[] = [];
  initLines(t, [], init);
  const calls = callablesOf(t, ctx);
  const { entries } = t.path === '' ? { entries: [ctx.input] } : boundary(t, ctx);
  const position = new Map(calls.map((c, i) => [c, i]));
  const lastUse = new Map<Tensor, number>();
  for (const c of calls) for (const x of c.inputs) lastUse.set(x, Math.max(lastUse.get(x) ?? -1, position.get(c)!));
  for (const r of returns) lastUse.set(r, Infinity);
  const varOf = new Map<Tensor, string>([[entries[0]!, 'x']]);
  const holding = new Map<string, Tensor>([['x', entries[0]!]]);
  const used = new Set(['x', 'out', 'self', 'torch', 'nn', 'F']);
  const body: string[] = [];
  calls.forEach((c, i) => {
    const args = c.inputs.map((x) => varOf.get(x)!);
    const free = (v: string) => {
      const h = holding.get(v);
      return h === undefined || (lastUse.get(h) ?? -1) <= i;
    };
    let v = ['x', 'out'].find(free);
    if (!v) {
      v = toIdentifier(c.name, 't');
      for (let k = 2; used.has(v) && !free(v); k++) v = `${toIdentifier(c.name, 't')}_${k}`;
      used.add(v);
    }
    varOf.set(c.output, v);
    holding.set(v, c.output);
    body.push(`        ${v} = ${c.call(access(c.path), args)}${c.comment ? `  # ${c.comment}` : ''}`);
  });
  const ret = returns.map((r) => varOf.get(r) ?? 'x');
  body.push(`        return ${ret.length === 1 ? ret[0] : `(${ret.join(', ')})`}`);
  return [`class ${name}(nn.Module):`, `    """${doc}"""`, '', `    def __init__(self${signature}):`, '        super().__init__()', ...init, '', '    def forward(self, x):', ...body, ''].join('\n');
}
