import { describe, expect, it } from 'vitest';
import { buildTemplate } from '../templates/templates.ts';
import { FILE_KIND, parseDocument, serializeDocument } from './document.ts';

describe('documents', () => {
  it('round-trips through the project file', () => {
    const doc = buildTemplate('resnet50')!;
    const { doc: back, diagnostics } = parseDocument(serializeDocument(doc));
    expect(diagnostics).toEqual([]);
    expect(back).toEqual(doc);
  });

  it('migrates a version-0 document forward', () => {
    const v0 = {
      kind: FILE_KIND,
      name: 'old',
      input: { channels: 3, height: 32, width: 32 },
      nodes: [{ id: 'b', op: 'BasicBlock', name: 'b', params: { planes: 32, stride: 2 }, position: { x: 0, y: 0 } }],
      edges: [],
      seed: 1,
    };
    const { doc, diagnostics } = parseDocument(JSON.stringify(v0));
    expect(diagnostics).toEqual([]);
    expect(doc!.schemaVersion).toBe(2);
    expect(doc!.nodes[0]!.params).toEqual({ width: 32, stride: 2 });
    expect(doc!.projectionEverywhere).toBe(false);
    expect(doc!.opset).toBe(17);
  });

  const bad: [string, string, RegExp][] = [
    ['text', 'hello', /not JSON/],
    ['a foreign JSON file', JSON.stringify({ kind: 'something-else', nodes: [] }), /kind is "something-else"/],
    ['an unrelated object', JSON.stringify({ hello: 1 }), /no "kind"/],
    ['a newer schema', JSON.stringify({ kind: FILE_KIND, schemaVersion: 99, nodes: [] }), /newer/],
  ];
  it.each(bad)('refuses %s with a clear message', (_n, text, msg) => {
    const r = parseDocument(text);
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics[0]!.message).toMatch(msg);
  });

  it('names the node and field that is wrong', () => {
    const doc = JSON.parse(serializeDocument(buildTemplate('tiny-resnet')!));
    const i = doc.nodes.findIndex((n: { name: string }) => n.name === 'block1');
    doc.nodes[i].position.x = null;
    const r = parseDocument(doc);
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({ code: 'RS501', field: `nodes.${i}.position.x` });
    expect(r.diagnostics[0]!.message).toMatch(new RegExp(`node ${i} "block1", field position\\.x`));
  });

  it.each([
    ['nodes that are not a list', { nodes: 'nope' }],
    ['a node that is not an object', { nodes: [7] }],
    ['params that are not an object', { nodes: [{ id: 'a', op: 'ReLU', name: 'a', params: 5, position: { x: 0, y: 0 } }] }],
  ])('an old-version file with %s is refused, not thrown on', (_n, obj) => {
    const r = parseDocument(JSON.stringify(obj));
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics[0]!.code).toBe('RS501');
  });

  it('refuses edges to nodes that are not in the file', () => {
    const doc = JSON.parse(serializeDocument(buildTemplate('tiny-resnet')!));
    doc.edges[0].target = 'ghost';
    expect(parseDocument(doc).diagnostics[0]!.message).toMatch(/ghost/);
  });
});
