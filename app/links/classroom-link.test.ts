import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildTemplate, serializeDocument } from '../../src/index.ts';
import { decodeLink, encodeLink, LINK_KEY, MAX_LINK_CHARS, type LinkState } from './classroom-link.ts';

const state: LinkState = { figure: 'paper', presenter: true, lesson: { id: 'identity-vs-projection', step: 2 }, hide: ['palette', 'export'], lock: ['inspector'] };
/** A fragment carrying any payload, as a hand-made or future link would. */
const fragment = (payload: unknown) => {
  const b = btoa(String.fromCharCode(...deflateSync(strToU8(JSON.stringify(payload))))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `#${LINK_KEY}=${b}`;
};
const good = () => JSON.parse(JSON.stringify({ app: 'residual-studio', v: 1, doc: JSON.parse(serializeDocument(buildTemplate('tiny-resnet')!)), view: { figure: 'none', presenter: false }, hide: [], lock: [] }));

describe('classroom links', () => {
  it('round-trip the document, the view, the lesson step and the hidden and locked controls', () => {
    const doc = buildTemplate('resnet34')!;
    const e = encodeLink(doc, state);
    if (!e.ok) throw new Error('ResNet-34 must fit in a link');
    expect(e.fragment.startsWith(`#${LINK_KEY}=`)).toBe(true);
    expect(e.fragment).toMatch(/^#classroom=[A-Za-z0-9_-]+$/);
    const d = decodeLink(e.fragment);
    expect(d?.ok).toBe(true);
    if (!d?.ok) return;
    expect(d.link.doc).toEqual(doc);
    const { doc: _, ...rest } = d.link;
    expect(rest).toEqual(state);
  });

  it('leaves real weights behind (the link holds the architecture)', () => {
    const doc = { ...buildTemplate('fashion-resnet')!, weights: { uri: 'models/fashion.safetensors' } };
    const e = encodeLink(doc, { ...state, lesson: undefined } as LinkState);
    const d = e.ok ? decodeLink(e.fragment) : undefined;
    expect(d?.ok && d.link.doc.weights).toBe(undefined);
    expect(d?.ok && d.link.lesson).toBe(undefined);
  });

  it('refuses a document too large for a link, saying how long it would be', () => {
    // ResNet-152 with every block expanded into layers (several hundred nodes, with unique ids and positions).
    const big = buildTemplate('resnet152')!;
    const scattered = { ...big, nodes: big.nodes.map((n, i) => ({ ...n, name: `${n.name}-${Math.sin(i).toString(36)}`, position: { x: Math.sin(i) * 1e4, y: Math.cos(i) * 1e4 } })) };
    const many = { ...scattered, nodes: [...scattered.nodes, ...Array.from({ length: 600 }, (_, i) => ({ ...scattered.nodes[1]!, id: `extra-${Math.cos(i).toString(36)}` as never, name: `x${Math.tan(i).toString(36)}` }))] };
    const e = encodeLink(many, state);
    expect(e.ok).toBe(false);
    if (!e.ok) {
      expect(e.limit).toBe(MAX_LINK_CHARS);
      expect(e.length).toBeGreaterThan(MAX_LINK_CHARS);
    }
  });

  it('a URL without a link is not a link', () => {
    expect(decodeLink('')).toBe(undefined);
    expect(decodeLink('#something=else')).toBe(undefined);
  });

  it('refuses, whole, a newer, an unknown, a corrupt or an invalid link', () => {
    expect(decodeLink(fragment({ ...good(), v: 2, extra: 'from the future' }))).toEqual({ ok: false, refusal: { kind: 'newer', version: 2 } });
    expect(decodeLink(fragment({ ...good(), app: 'tensorflow-playground' }))).toEqual({ ok: false, refusal: { kind: 'notALink' } });
    expect(decodeLink(`#${LINK_KEY}=not*base64`)).toMatchObject({ ok: false, refusal: { kind: 'corrupt' } });
    expect(decodeLink(`#${LINK_KEY}=AAAA`)).toMatchObject({ ok: false, refusal: { kind: 'corrupt' } });
    expect(decodeLink(fragment({ ...good(), v: 0 }))).toMatchObject({ ok: false, refusal: { kind: 'invalid', detail: 'version 0' } });
    expect(decodeLink(fragment({ ...good(), hide: ['palette', 'self-destruct'] }))).toMatchObject({ ok: false, refusal: { kind: 'invalid', detail: expect.stringMatching(/^hide\.1: /) } });
    expect(decodeLink(fragment({ ...good(), unknownField: 1 }))).toMatchObject({ ok: false, refusal: { kind: 'invalid' } });
    expect(decodeLink(fragment({ ...good(), lesson: { id: 'x', step: -1 } }))).toMatchObject({ ok: false, refusal: { kind: 'invalid', detail: expect.stringMatching(/^lesson\.step: /) } });
  });

  it("refuses a link whose document does not validate, with the document's own diagnostic", () => {
    const p = good();
    p.doc.nodes[1].params = 'not params';
    const d = decodeLink(fragment(p));
    expect(d).toMatchObject({ ok: false, refusal: { kind: 'document', diagnostic: { code: 'RS501' } } });
    const newer = good();
    newer.doc.schemaVersion = 99;
    expect(decodeLink(fragment(newer))).toMatchObject({ ok: false, refusal: { kind: 'document', diagnostic: { code: 'RS502' } } });
  });
});
