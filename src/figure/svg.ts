import type { FigureArc, FigureColumn } from './figure.ts';

/** Words of the figure that are not the paper's layer labels, so the app can translate them. */
export interface FigureStrings {
  /** The band label beside each stage: "output size: 56". */
  readonly outputSize: (size: string) => string;
}

/** Options of {@link figureSvg}. */
export interface FigureSvgOptions {
  readonly strings?: FigureStrings;
  /** Font stack; the defaults are fonts Debian ships (DejaVu, Noto CJK) and browsers' sans. */
  readonly fontFamily?: string;
}

const ENGLISH: FigureStrings = { outputSize: (s) => `output size: ${s}` };
/** The figure's default font stack: Debian's DejaVu and Noto CJK, then the browsers' sans. */
export const FIGURE_FONTS = "'DejaVu Sans', 'Noto Sans CJK SC', 'Noto Sans SC', Arial, sans-serif";

// Sizes in SVG user units (px at 1×). Labels are 14 px: readable on a printed A4 page at the
// figure's natural width, and 28/56 device px in the 2× and 4× PNG exports.
const BOX_W = 176;
const BOX_H = 26;
const GAP = 16;
const PITCH = BOX_H + GAP;
const GUTTER = 132;
const COL_W = BOX_W + 150;
const TOP = 56;
const FONT = 14;
// Pastel fills by stage, as the paper tints each output size.
const FILLS = ['#f4f4f4', '#fde2c8', '#e3ecf9', '#e2f2df', '#f6e0ee', '#fff3c4', '#e6e1f5', '#dff1f1'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A column's boxes grouped into runs of one output size: the stages the figure aligns. */
function runs(col: FigureColumn): { key: string; size: string; count: number }[] {
  const out: { key: string; size: string; count: number }[] = [];
  const seen = new Map<string, number>();
  for (const b of col.boxes) {
    const last = out[out.length - 1];
    if (last && last.size === b.outputSize) {
      last.count++;
      continue;
    }
    const k = seen.get(b.outputSize) ?? 0;
    seen.set(b.outputSize, k + 1);
    out.push({ key: `${b.outputSize}#${k}`, size: b.outputSize, count: 1 });
  }
  return out;
}

/** The bands of all columns in one order: each column's runs, merged keeping every column's order. */
function mergeBands(cols: readonly { key: string; size: string }[][]): { key: string; size: string }[] {
  const order: { key: string; size: string }[] = [];
  for (const rs of cols) {
    let at = 0;
    for (const r of rs) {
      const i = order.findIndex((o) => o.key === r.key);
      if (i >= 0) at = i + 1;
      else order.splice(at++, 0, r);
    }
  }
  return order;
}

// How far an arc bulges right of the boxes (a cubic whose control points lie at `reach` peaks at 3/4 of it).
const ARC_OUT = 30;

function arcPath(x: number, y1: number, y2: number, reach: number): string {
  return `M ${x} ${y1} C ${x + reach} ${y1}, ${x + reach} ${y2}, ${x} ${y2}`;
}

/**
 * Renders figure columns side by side as one SVG document, in the layout of the ResNet paper's
 * figure: a box per drawn layer, arrows down each column, shortcut arcs on the right of the
 * boxes (dashed where dimensions change), stages aligned across columns by output size, and the
 * output size of each stage in the left margin. Black on white, so it prints as it shows.
 * Elements carry `data-testid`s (`figure.column`, `figure.box`, `figure.arc` with `data-kind`
 * and `data-dashed`) for the app's tests.
 *
 * @example
 * const svg = figureSvg(PAPER_COLUMNS.map((c) => figureColumn(buildTemplate(c.template)!, c.title)));
 */
export function figureSvg(columns: readonly FigureColumn[], opts: FigureSvgOptions = {}): string {
  const strings = opts.strings ?? ENGLISH;
  const font = opts.fontFamily ?? FIGURE_FONTS;
  const colRuns = columns.map(runs);
  const bands = mergeBands(colRuns);
  const height = new Map<string, number>();
  for (const rs of colRuns) for (const r of rs) height.set(r.key, Math.max(height.get(r.key) ?? 0, r.count));
  const bandTop = new Map<string, number>();
  let y = TOP;
  for (const b of bands) {
    bandTop.set(b.key, y);
    y += (height.get(b.key) ?? 1) * PITCH + GAP;
  }
  const totalH = y + 8;
  const totalW = GUTTER + columns.length * COL_W;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${totalH}" viewBox="0 0 ${totalW} ${totalH}" font-family="${esc(font)}" data-testid="figure.svg">`);
  parts.push('<defs><marker id="rs-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#222"/></marker></defs>');
  parts.push(`<rect width="${totalW}" height="${totalH}" fill="#ffffff"/>`);
  bands.forEach((b, i) => {
    const top = bandTop.get(b.key)!;
    if (i > 0) parts.push(`<line x1="8" x2="${totalW - 8}" y1="${top - GAP / 2}" y2="${top - GAP / 2}" stroke="#c8c8c8" stroke-dasharray="2 4"/>`);
    parts.push(`<text x="12" y="${top + BOX_H / 2 + 5}" font-size="${FONT}" fill="#333" data-testid="figure.size">${esc(strings.outputSize(b.size))}</text>`);
  });
  columns.forEach((col, ci) => {
    const x = GUTTER + ci * COL_W;
    parts.push(`<g data-testid="figure.column" data-title="${esc(col.title)}">`);
    parts.push(`<text x="${x + BOX_W / 2}" y="30" font-size="${FONT + 2}" font-weight="bold" text-anchor="middle" fill="#111">${esc(col.title)}</text>`);
    // Each box's top, from its band and its place in the band.
    const tops: number[] = [];
    const counters = new Map<string, number>();
    let run = -1;
    let prevSize: string | undefined;
    const rs = colRuns[ci]!;
    for (const b of col.boxes) {
      if (b.outputSize !== prevSize) {
        run++;
        prevSize = b.outputSize;
      }
      const key = rs[run]!.key;
      const k = counters.get(key) ?? 0;
      counters.set(key, k + 1);
      tops.push(bandTop.get(key)! + k * PITCH);
    }
    for (let i = 1; i < tops.length; i++) {
      parts.push(`<line x1="${x + BOX_W / 2}" x2="${x + BOX_W / 2}" y1="${tops[i - 1]! + BOX_H}" y2="${tops[i]! - 1}" stroke="#222" stroke-width="1.2" marker-end="url(#rs-arrow)"/>`);
    }
    col.arcs.forEach((a: FigureArc) => {
      const y1 = tops[a.from]! + BOX_H + GAP / 2;
      const y2 = tops[a.to]! + BOX_H + GAP / 2;
      const cx = x + BOX_W / 2;
      parts.push(
        `<path d="${arcPath(cx, y1, y2, (BOX_W / 2 + ARC_OUT) / 0.75)}" fill="none" stroke="#222" stroke-width="1.4"${a.dashed ? ' stroke-dasharray="5 4"' : ''} marker-end="url(#rs-arrow)" data-testid="figure.arc" data-kind="${a.kind}" data-dashed="${a.dashed}"/>`,
      );
      if (a.label) parts.push(`<text x="${x + BOX_W + ARC_OUT + 8}" y="${(y1 + y2) / 2 + 4}" font-size="${FONT - 2}" fill="#333">${esc(a.label)}</text>`);
    });
    col.boxes.forEach((b, i) => {
      const fill = FILLS[rs.findIndex((r) => r.size === b.outputSize) % FILLS.length]!;
      parts.push(
        `<g data-testid="figure.box" data-kind="${b.kind}"><rect x="${x}" y="${tops[i]}" width="${BOX_W}" height="${BOX_H}" rx="4" fill="${b.kind === 'input' ? '#ffffff' : fill}" stroke="#222" stroke-width="1.2"/>` +
          `<text x="${x + BOX_W / 2}" y="${tops[i]! + BOX_H / 2 + 5}" font-size="${FONT}" text-anchor="middle" fill="#111">${esc(b.label)}</text></g>`,
      );
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}
