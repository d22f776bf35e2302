/**
 * `residual-studio figure <template|project.json> -o fig.svg|fig.png [--paper] [--scale N] [--lang en|zh-CN]`: the
 * ResNet paper's figure of a network (or, with `--paper`, of VGG-19, Plain-34 and ResNet-34 side
 * by side) as SVG, or as PNG rasterised by resvg with Debian's fonts, read offline.
 */
import { existsSync } from 'node:fs';
import { figureColumn, PAPER_COLUMNS, type FigureColumn } from '../figure/figure.ts';
import { FIGURE_TEXT, figureStrings, type FigureLanguage } from '../figure/strings.ts';
import { FIGURE_FONTS, figureSvg } from '../figure/svg.ts';
import { buildTemplate } from '../templates/templates.ts';
import { parseArgs, UsageError } from './args.ts';
import { load, type Io } from './main.ts';
import { writeFile } from './project-files.ts';

/** Where Debian keeps its fonts (fonts-dejavu-core, fonts-noto-cjk); resvg reads them, never downloads. */
export const FONT_DIRS = ['/usr/share/fonts'];

/** The package name in a variable: esbuild leaves the native module to be loaded at run time. */
const RESVG = '@resvg/resvg-js';

/** Rasterises an SVG to PNG bytes at `scale` device pixels per SVG pixel. */
export async function svgToPng(svg: string, scale: number): Promise<Uint8Array> {
  if (!FONT_DIRS.some((d) => existsSync(d))) throw new UsageError(`no fonts found in ${FONT_DIRS.join(', ')}: install fonts-dejavu-core (and fonts-noto-cjk for Chinese), or write .svg`);
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = (await import(/* @vite-ignore */ RESVG)) as typeof import('@resvg/resvg-js'));
  } catch (e) {
    throw new UsageError(`PNG output needs @resvg/resvg-js, which cannot be loaded (${(e as Error).message.split('\n')[0]}); install it with npm install @resvg/resvg-js, or write .svg`);
  }
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: false, fontDirs: FONT_DIRS, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}

/** The `figure` command. */
export async function figureCommand(args: string[], io: Io): Promise<number> {
  const { positional, flags } = parseArgs(args, { o: 'string', out: 'string', paper: 'bool', scale: 'string', lang: 'string', input: 'string', classes: 'string' });
  const out = (flags['o'] ?? flags['out']) as string | undefined;
  if (!out) throw new UsageError('figure needs -o fig.svg or -o fig.png');
  const png = /\.png$/i.test(out);
  if (!png && !/\.svg$/i.test(out)) throw new UsageError(`-o ${out}: the figure is written as .svg or .png`);
  const scale = flags['scale'] === undefined ? 2 : Number(flags['scale']);
  if (!Number.isInteger(scale) || scale < 1 || scale > 8) throw new UsageError(`--scale must be a whole number from 1 to 8, got "${String(flags['scale'])}"`);
  if (flags['scale'] !== undefined && !png) throw new UsageError('--scale applies to .png output only');
  const lang = (flags['lang'] ?? 'en') as string;
  if (!(lang in FIGURE_TEXT)) throw new UsageError(`--lang must be one of ${Object.keys(FIGURE_TEXT).join(', ')}, got "${lang}"`);
  const text = FIGURE_TEXT[lang as FigureLanguage];
  let columns: FigureColumn[];
  if (flags['paper']) {
    if (positional.length > 0) throw new UsageError('--paper draws VGG-19, Plain-34 and ResNet-34 itself: give no template or project with it');
    columns = PAPER_COLUMNS.map((c) => figureColumn(buildTemplate(c.template)!, text.titles[c.template]));
  } else {
    if (positional.length !== 1) throw new UsageError('usage: residual-studio figure <template|project.json> -o fig.svg|fig.png [--paper] [--scale N] [--lang en|zh-CN]');
    const { doc } = await load(positional[0]!, flags);
    const col = figureColumn(doc);
    if (col.boxes.length <= 1) throw new UsageError(`${positional[0]}: nothing to draw (no layer reaches the output from the input)`);
    columns = [col];
  }
  // resvg takes the first family that exists and falls back per glyph to any font (a serif CJK one,
  // here): for Chinese labels, Noto Sans CJK first, whose Latin glyphs suit the layer labels too.
  const svg = figureSvg(columns, { strings: figureStrings(lang as FigureLanguage), ...(lang === 'zh-CN' ? { fontFamily: `'Noto Sans CJK SC', ${FIGURE_FONTS}` } : {}) });
  writeFile(out, png ? await svgToPng(svg, scale) : svg);
  io.stdout(`wrote ${out} (${columns.map((c) => `${c.title}: ${c.boxes.filter((b) => b.kind === 'conv' || b.kind === 'fc').length} weight layers, ${c.arcs.length} shortcuts (${c.arcs.filter((a) => a.dashed).length} dashed)`).join('; ')})\n`);
  return 0;
}
