/**
 * Classroom links: the document, the view and the lesson step in the URL fragment, compressed
 * (deflate, then base64url), so a teacher shares an exact state with no server. A link may hide
 * or lock chosen controls, as TensorFlow Playground's links do. Reading a link is all or
 * nothing: a link from a newer or unknown version, or one whose document does not validate, is
 * refused with a reason and nothing of it is applied.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { z } from 'zod';
import { parseDocument, serializeDocument, type Diagnostic, type ResidualDocument } from '../../src/index.ts';

/** The version of the link payload this build writes and reads. */
export const LINK_VERSION = 1;
/** The fragment key: `#classroom=<data>`. */
export const LINK_KEY = 'classroom';
/**
 * Longest fragment a link may carry. Browsers take far more, but mail and chat apps, slide
 * software and QR codes cut long URLs; past this the file is the way to share.
 */
export const MAX_LINK_CHARS = 16_000;

/** Controls a link can hide or lock (lock: shown but inert). */
export const CONTROLS = ['palette', 'inspector', 'run', 'templates', 'open', 'save', 'export', 'exportPyTorch', 'compare', 'plainToggle', 'figure', 'presenter', 'share'] as const;
export type ControlId = (typeof CONTROLS)[number];

/** Where a link opens: the editor, or the figure view of this network / of the paper's three nets. */
export type FigureView = 'none' | 'network' | 'paper';

/** What a link carries besides the document. */
export interface LinkState {
  readonly figure: FigureView;
  readonly presenter: boolean;
  /** The lesson and its step, for the lessons to pick up (no lesson yet: undefined). */
  readonly lesson?: { readonly id: string; readonly step: number };
  readonly hide: readonly ControlId[];
  readonly lock: readonly ControlId[];
}

/** A decoded link, ready to apply. */
export interface ClassroomLink extends LinkState {
  readonly doc: ResidualDocument;
}

const controls = z.array(z.enum(CONTROLS)).max(CONTROLS.length);
/** The payload of version 1. Strict: a field this build does not know means the link is not one it can read. */
const payloadV1 = z
  .object({
    app: z.literal('residual-studio'),
    v: z.literal(1),
    doc: z.unknown(),
    view: z.object({ figure: z.enum(['none', 'network', 'paper']), presenter: z.boolean() }).strict(),
    lesson: z.object({ id: z.string().min(1).max(100), step: z.number().int().min(0).max(10_000) }).strict().optional(),
    hide: controls,
    lock: controls,
  })
  .strict();

/** Why a link was refused; `detail` says what and where, in the words of the check that failed; `diagnostic` is the document's first problem. */
export type LinkRefusal =
  | { readonly kind: 'notALink' }
  | { readonly kind: 'corrupt'; readonly detail: string }
  | { readonly kind: 'newer'; readonly version: number }
  | { readonly kind: 'invalid'; readonly detail: string }
  | { readonly kind: 'document'; readonly diagnostic: Diagnostic };

const toBase64Url = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const fromBase64Url = (text: string): Uint8Array => {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('characters outside base64url');
  const b = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
};

/** The result of {@link encodeLink}: the fragment, or how long it would have been. */
export type EncodedLink = { readonly ok: true; readonly fragment: string } | { readonly ok: false; readonly length: number; readonly limit: number };

/**
 * Encodes a document and a state as a URL fragment (`#classroom=…`). Real weights do not travel
 * (the link holds the architecture; its weights start fresh, from the document's seed). A document
 * whose fragment would exceed {@link MAX_LINK_CHARS} is not encoded: the caller offers the file.
 */
export function encodeLink(doc: ResidualDocument, state: LinkState): EncodedLink {
  const { weights: _, ...bare } = doc;
  const payload = {
    app: 'residual-studio',
    v: LINK_VERSION,
    doc: JSON.parse(serializeDocument(bare as ResidualDocument)) as unknown,
    view: { figure: state.figure, presenter: state.presenter },
    ...(state.lesson ? { lesson: state.lesson } : {}),
    hide: [...new Set(state.hide)],
    lock: [...new Set(state.lock)],
  };
  const fragment = `#${LINK_KEY}=${toBase64Url(deflateSync(strToU8(JSON.stringify(payload)), { level: 9 }))}`;
  return fragment.length <= MAX_LINK_CHARS ? { ok: true, fragment } : { ok: false, length: fragment.length, limit: MAX_LINK_CHARS };
}

/** Reads a fragment. `undefined`: the URL has no classroom link (open as usual). */
export function decodeLink(hash: string): { ok: true; link: ClassroomLink } | { ok: false; refusal: LinkRefusal } | undefined {
  const m = new RegExp(`^#?${LINK_KEY}=(.*)$`, 's').exec(hash);
  if (!m) return undefined;
  const data = m[1]!;
  if (data.length > MAX_LINK_CHARS * 4) return { ok: false, refusal: { kind: 'corrupt', detail: `${data.length} characters` } };
  let raw: unknown;
  try {
    raw = JSON.parse(strFromU8(inflateSync(fromBase64Url(data))));
  } catch (e) {
    return { ok: false, refusal: { kind: 'corrupt', detail: (e as Error).message } };
  }
  if (typeof raw !== 'object' || raw === null || (raw as { app?: unknown }).app !== 'residual-studio') return { ok: false, refusal: { kind: 'notALink' } };
  // The version first: a newer link is refused as newer, not as malformed.
  const v = (raw as { v?: unknown }).v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return { ok: false, refusal: { kind: 'invalid', detail: `version ${JSON.stringify(v)}` } };
  if (v > LINK_VERSION) return { ok: false, refusal: { kind: 'newer', version: v } };
  const p = payloadV1.safeParse(raw);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    return { ok: false, refusal: { kind: 'invalid', detail: `${issue.path.join('.') || '(top)'}: ${issue.message}` } };
  }
  const { doc, diagnostics } = parseDocument(p.data.doc);
  if (!doc) return { ok: false, refusal: { kind: 'document', diagnostic: diagnostics[0]! } };
  return {
    ok: true,
    link: { doc, figure: p.data.view.figure, presenter: p.data.view.presenter, ...(p.data.lesson ? { lesson: p.data.lesson } : {}), hide: p.data.hide, lock: p.data.lock },
  };
}
