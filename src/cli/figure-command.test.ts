import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeDocument } from '../document/document.ts';
import { buildTemplate } from '../templates/templates.ts';
import { svgToPng } from './figure-command.ts';
import { runCli } from './testing/run-cli.ts';

const run = runCli;

const dir = mkdtempSync(join(tmpdir(), 'rs-figure-'));
const svgSize = (svg: string) => /width="(\d+)" height="(\d+)"/.exec(svg)!.slice(1).map(Number);

describe('residual-studio figure', () => {
  it('--paper writes the three columns as SVG', async () => {
    const out = join(dir, 'paper.svg');
    const r = await run('figure', '--paper', '-o', out);
    expect(r.code).toBe(0);
    expect(r.out).toContain('34-layer residual: 34 weight layers, 16 shortcuts (3 dashed)');
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/data-dashed="true"/g)).toHaveLength(3);
  });

  it('writes a PNG of a project file at the asked scale', async () => {
    const project = join(dir, 'tiny.json');
    writeFileSync(project, serializeDocument(buildTemplate('tiny-resnet')!));
    const svgOut = join(dir, 'tiny.svg');
    expect((await run('figure', project, '-o', svgOut)).code).toBe(0);
    const [w, h] = svgSize(readFileSync(svgOut, 'utf8'));
    const pngOut = join(dir, 'tiny.png');
    const r = await run('figure', project, '-o', pngOut, '--scale', '4');
    expect(r.err).toBe('');
    const png = readFileSync(pngOut);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([w! * 4, h! * 4]);
    // The labels were drawn (resvg silently drops text it has no font for): the same figure
    // without its text compresses to clearly fewer bytes.
    const bare = await svgToPng(readFileSync(svgOut, 'utf8').replace(/<text[^>]*>[^<]*<\/text>/g, ''), 4);
    expect(png.length).toBeGreaterThan(bare.length * 1.2);
  });

  it('--lang zh-CN labels the bands and the paper titles in Chinese, and the PNG draws them with a CJK font', async () => {
    const out = join(dir, 'paper-zh.svg');
    expect((await run('figure', '--paper', '--lang', 'zh-CN', '-o', out)).code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('>输出尺寸：56<');
    expect(svg).toContain('data-title="34 层残差网络"');
    // Offline fonts: a line of Chinese rasterises to glyphs, not to nothing.
    const line = (text: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40"><rect width="240" height="40" fill="#fff"/><text x="8" y="28" font-size="20" font-family="'Noto Sans CJK SC'">${text}</text></svg>`;
    const [glyphs, blank] = await Promise.all([svgToPng(line('残差网络'), 1), svgToPng(line(''), 1)]);
    expect(glyphs.length).toBeGreaterThan(blank.length + 200);
  });

  it('refuses bad calls with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['figure', 'resnet18'], /needs -o fig\.svg or -o fig\.png/],
      [['figure', 'resnet18', '-o', join(dir, 'x.pdf')], /written as \.svg or \.png/],
      [['figure', '--paper', 'resnet18', '-o', join(dir, 'x.svg')], /give no template or project/],
      [['figure', 'resnet18', '-o', join(dir, 'x.png'), '--scale', '0'], /--scale must be a whole number from 1 to 8/],
      [['figure', 'no-such-net', '-o', join(dir, 'x.svg')], /neither a template/],
      [['figure', 'blank', '-o', join(dir, 'x.svg')], /nothing to draw/],
      [['figure', '--paper', '--lang', 'fr', '-o', join(dir, 'x.svg')], /--lang must be one of en, zh-CN/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
