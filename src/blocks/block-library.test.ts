import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseDocument, serializeDocument } from '../document/document.ts';
import { expandNode, updateParams } from '../graph/edit.ts';
import { nodeId } from '../graph/ids.ts';
import type { ResidualDocument } from '../graph/types.ts';
import { compile } from '../onnx/compile.ts';
import { testInput } from '../onnx/testing/run-ort.ts';
import { getOp, isUserKind } from '../ops/registry.ts';
import { analyze } from '../shape/analyze.ts';
import { compileTraining } from '../train/compile-training.ts';
import { detachInstance, instancesOf, makeBlock, redefineFromExpanded, updateBlockDef } from './block-library.ts';
import { LIBRARY_KIND, mergeBlockLibrary, parseBlockLibrary, serializeBlockLibrary } from './library-file.ts';
import { flatTiny, layersOf, twoInstances } from './testing/user-blocks.ts';

async function run(doc: ResidualDocument): Promise<Float32Array> {
  const { bytes, diagnostics } = compile(doc);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const s = await ort.InferenceSession.create(bytes!, { logSeverityLevel: 3 });
  try {
    const dims = [2, doc.input.channels, doc.input.height, doc.input.width];
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', testInput(dims.reduce((a, b) => a * b), 3), dims) });
    return new Float32Array(out[s.outputNames[0]!]!.data as Float32Array);
  } finally {
    await s.release();
  }
}

const inputOf = (doc: ResidualDocument, id: string) => analyze(doc).nodes.get(nodeId(id))!.inputShapes[0]!;

describe('user-defined blocks', () => {
  it('a block made from a selection is one card that analyses, costs and computes exactly as its flat layers', async () => {
    const flat = flatTiny();
    const made = makeBlock(flat, layersOf(flat, 'block1'), { name: 'MyBlock' });
    expect(made.diagnostics).toEqual([]);
    const doc = made.doc;
    const card = doc.nodes.find((n) => n.id === made.id)!;
    expect(card).toMatchObject({ op: 'user:myblock', name: 'block1', params: { width: 8, stride: 1 } });
    expect(doc.nodes.filter((n) => n.name.startsWith('block1.'))).toEqual([]);
    expect(doc.blocks![0]!.nodes.map((n) => n.name)).toEqual(['conv1', 'bn1', 'relu1', 'conv2', 'bn2', 'add', 'relu']);
    const [a, b] = [analyze(flat), analyze(doc)];
    expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(b.totals.params).toBe(a.totals.params);
    expect(b.totals.macs).toBe(a.totals.macs);
    expect(b.nodes.get(made.id!)!.outputShapes[0]).toEqual([8, 32, 32]);
    // The card's shortcut arc: x straight into the Add, the identity (solid), like a built-in identity block.
    expect(b.shortcuts.find((s) => s.at === made.id)).toMatchObject({ kind: 'identity', keepsDimensions: true, collapsed: true });
    expect(b.totals.blocks.identity).toBe(a.totals.blocks.identity);
    // Same layer names, same seeded weights: the ONNX files compute the same numbers.
    expect(await run(doc)).toEqual(await run(flat));
  });

  it('a projection block made from layers draws its shortcut dashed, labelled with its stride', () => {
    const flat = flatTiny();
    const made = makeBlock(flat, layersOf(flat, 'block2'), { name: 'DownBlock' });
    const sc = analyze(made.doc).shortcuts.find((s) => s.at === made.id)!;
    expect(sc).toMatchObject({ kind: 'projection', keepsDimensions: false, stride: 2, label: '1x1 conv, /2' });
    // width → every conv that makes the 16 output channels; stride → the convs that stride.
    expect(made.doc.blocks![0]!.bindings).toEqual([
      { param: 'width', node: 'conv1', field: 'outChannels' },
      { param: 'width', node: 'conv2', field: 'outChannels' },
      { param: 'width', node: 'downsample.0', field: 'outChannels' },
      { param: 'stride', node: 'conv1', field: 'stride' },
      { param: 'stride', node: 'downsample.0', field: 'stride' },
    ]);
    // An instance's own params reach its layers: width 32 doubles the block's channels.
    const wide = analyze(updateParams(made.doc, made.id!, { width: 32, stride: 2 }));
    expect(wide.nodes.get(made.id!)!.outputShapes[0]).toEqual([32, 16, 16]);
  });

  it('a selection that is not one block says why and changes nothing', () => {
    const flat = flatTiny();
    const two = makeBlock(flat, [...layersOf(flat, 'block1').filter((id) => !id.endsWith('/add')), nodeId('fc')], { name: 'Bad' });
    expect(two.doc).toBe(flat);
    expect(two.diagnostics[0]).toMatchObject({ code: 'RS110' });
    expect(two.diagnostics[0]!.message).toMatch(/^the selected layers read 3 tensors from outside the selection \(relu, flatten, block1\.add\); a block has one input x$/);
    expect(makeBlock(flat, [], { name: 'X' }).diagnostics[0]!.message).toBe('select the layers the block is made of first');
    expect(makeBlock(flat, layersOf(flat, 'block1'), { name: '9lives' }).diagnostics[0]!.message).toContain('like MyBlock');
    expect(makeBlock(flat, [nodeId('input'), nodeId('conv1')], { name: 'X' }).diagnostics[0]!.message).toContain('input is Input');
  });

  it('used twice, saved and reopened, compiles for training; a definition edit changes both instances in one document change', () => {
    const { doc, first, second, defId } = twoInstances();
    const a = analyze(doc);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(instancesOf(doc, defId)).toEqual([first, second]);
    const costOf = (d: ResidualDocument, id: typeof first) => analyze(d).nodes.get(id)!.cost.params;
    expect(costOf(doc, second)).toBe(costOf(doc, first));
    // The library is saved with the document (schema version 2) and read back.
    const reopened = parseDocument(serializeDocument(doc));
    expect(reopened.diagnostics).toEqual([]);
    expect(reopened.doc!.schemaVersion).toBe(2);
    expect(analyze(reopened.doc!).totals).toEqual(a.totals);
    // One training step compiles through both instances.
    const step = compileTraining(doc, { batch: 2 });
    expect(step.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(step.bytes?.length).toBeGreaterThan(0);

    // Edit the definition by editing one expanded instance: its second conv gets a bias.
    const expanded = expandNode(doc, first, inputOf(doc, first));
    const conv2 = expanded.nodes.find((n) => n.name === 'block1.conv2')!;
    const edited = updateParams(expanded, conv2.id, { ...conv2.params, bias: true });
    const r = redefineFromExpanded(edited, first);
    expect(r.diagnostics).toEqual([]);
    // Both instances changed (8 bias values each), the first is a card again.
    expect(r.doc.nodes.find((n) => n.id === first)!.op).toBe(`user:${defId}`);
    expect(costOf(r.doc, first)).toBe(costOf(doc, first) + 8);
    expect(costOf(r.doc, second)).toBe(costOf(doc, second) + 8);
    expect(analyze(r.doc).totals.params).toBe(a.totals.params + 16);
    // Renaming the definition and adding a param is one document change too.
    const def = r.doc.blocks![0]!;
    const renamed = updateBlockDef(r.doc, { ...def, name: 'Basic8', params: [...def.params, { name: 'unused', type: 'bool', default: true }] });
    expect(renamed.doc.nodes.find((n) => n.id === second)!.params).toEqual({ width: 8, stride: 1, unused: true });
    expect(getOp(`user:${defId}`, renamed.doc.blocks).label).toBe('Basic8');
  });

  it('a detached instance becomes plain layers that later definition edits leave alone', async () => {
    const { doc, first, second, defId } = twoInstances();
    const name = doc.nodes.find((n) => n.id === second)!.name;
    const d = detachInstance(doc, second, inputOf(doc, second));
    expect(d.nodes.some((n) => n.id === second)).toBe(false);
    const plain = d.nodes.filter((n) => n.name.startsWith(`${name}.`));
    expect(plain.map((n) => n.op)).toEqual(['Conv2d', 'BatchNorm2d', 'ReLU', 'Conv2d', 'BatchNorm2d', 'Add', 'ReLU']);
    expect(plain.every((n) => n.group === undefined)).toBe(true);
    expect(analyze(d).totals).toEqual(analyze(doc).totals);
    expect(await run(d)).toEqual(await run(doc));
    expect(instancesOf(d, defId)).toEqual([first]);
    expect(d.nodes.filter((n) => isUserKind(n.op))).toHaveLength(1);
  });

  it('an instance whose block is not in the library is reported, not guessed', () => {
    const { doc } = twoInstances();
    const a = analyze({ ...doc, blocks: [] });
    expect(a.diagnostics.find((x) => x.code === 'RS109')?.message).toBe('block1 is a myblock block, which this document’s block library does not hold');
  });
});

describe('block library files', () => {
  it('round-trip, and merge into another document without changing what it has', () => {
    const { doc } = twoInstances();
    const text = serializeBlockLibrary(doc.blocks!);
    const r = parseBlockLibrary(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.blocks).toEqual(doc.blocks);
    // Opened again into the document it came from (keys now in the file's order): nothing new.
    expect(mergeBlockLibrary(doc, r.blocks!).added).toEqual([]);
    const into = flatTiny();
    const merged = mergeBlockLibrary(into, r.blocks!);
    expect(merged.added).toEqual(['MyBlock']);
    expect(mergeBlockLibrary(merged.doc, r.blocks!).added).toEqual([]);
    const other = { ...r.blocks![0]!, params: [] };
    expect(mergeBlockLibrary(merged.doc, [other]).added).toEqual(['MyBlock_2']);
  });

  it('a bad file is refused with what is wrong and where', () => {
    const { doc } = twoInstances();
    const good = JSON.parse(serializeBlockLibrary(doc.blocks!)) as { blocks: Record<string, unknown>[] };
    const msgOf = (x: unknown) => parseBlockLibrary(typeof x === 'string' ? x : JSON.stringify(x)).diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(msgOf('{')[0]).toMatch(/^RS506 this block library file is not JSON/);
    expect(msgOf({ kind: 'residual-studio/document', version: 1, blocks: [] })[0]).toContain('not a Residual Studio block library (its kind is "residual-studio/document"');
    expect(msgOf({ kind: LIBRARY_KIND, version: 9, blocks: [] })[0]).toContain('newer Residual Studio (version 9');
    const badOp = structuredClone(good);
    (badOp.blocks[0]!['nodes'] as Record<string, unknown>[])[3]!['op'] = 'Conv3d';
    expect(msgOf(badOp)[0]).toMatch(/^RS506 block 0 \(MyBlock\), nodes\.3\.op: /);
    const badWire = structuredClone(good);
    badWire.blocks[0]!['exit'] = 'nowhere';
    expect(msgOf(badWire)).toEqual(['RS506 block 0 (MyBlock), nodes: block MyBlock: an edge, entry or mapping names layer "nowhere", which the block does not have']);
  });
});
