import type { ParamValue } from '../graph/types.ts';
import { fmtShape } from '../ops/common.ts';
import type { BlockDiff, Delta, FieldChange, LayerDiff, ModelDiff, StageDiff } from './model-diff.ts';

/** A count with thousands separators: 21,797,672. */
export const fmtCount = (n: number): string => Math.round(n).toLocaleString('en-US');

/** MACs the way the papers quote them: 3.664 G, 12.5 M. */
export function fmtMacs(n: number): string {
  const a = Math.abs(n);
  const s = a >= 1e9 ? `${(a / 1e9).toFixed(3)} G` : a >= 1e6 ? `${(a / 1e6).toFixed(2)} M` : a >= 1e3 ? `${(a / 1e3).toFixed(1)} K` : String(a);
  return n < 0 ? `−${s}` : s;
}

/** A signed difference: +173,824, −0.8 %, or 0. */
export function fmtSigned(n: number, fmt: (x: number) => string = fmtCount): string {
  if (n === 0) return '0';
  return `${n > 0 ? '+' : '−'}${fmt(Math.abs(n))}`;
}

/** b − a relative to a, as a signed percentage with one decimal ("+3.5 %"), or "new" when a is 0. */
export function fmtPercent(d: Delta): string {
  if (d.delta === 0) return '0 %';
  if (d.a === 0) return 'new';
  const p = (d.delta / d.a) * 100;
  return `${p > 0 ? '+' : '−'}${Math.abs(p).toFixed(Math.abs(p) < 0.05 ? 2 : 1)} %`;
}

/** A param or shape value as the table shows it: shapes as 64×56×56, nothing as "—". */
export function fmtValue(field: string, v: ParamValue | undefined): string {
  if (v === undefined) return '—';
  if (Array.isArray(v)) return field === 'input' || field === 'output' ? fmtShape(v) : `[${v.join(', ')}]`;
  return String(v);
}

/** "groups 1 → 32, outChannels 64 → 128". */
export function fmtChanges(changes: readonly FieldChange[]): string {
  return changes.map((c) => `${c.field} ${fmtValue(c.field, c.a)} → ${fmtValue(c.field, c.b)}`).join(', ');
}

const SIGN = { added: '+', removed: '−', changed: '~', same: '=' } as const;

/** One line per layer that differs: "+ downsample.0  Conv2d", "~ conv2  Conv2d: groups 1 → 32". */
function layerLines(layers: readonly LayerDiff[], indent: string): string[] {
  const w = Math.max(0, ...layers.filter((l) => l.status !== 'same').map((l) => l.key.length));
  return layers
    .filter((l) => l.status !== 'same')
    .map((l) => {
      const op = l.status === 'changed' && l.a!.op !== l.b!.op ? '' : (l.b ?? l.a)!.op;
      const detail = l.changes.length ? `${op ? ': ' : ''}${fmtChanges(l.changes)}` : '';
      return `${indent}${SIGN[l.status]} ${l.key.padEnd(w)}  ${op}${detail}`;
    });
}

/** What one block's difference says, without its name: equal texts fold into one `layer1.0–2` entry. */
function blockBody(b: BlockDiff): string[] {
  if (b.status === 'added' || b.status === 'removed') {
    const s = (b.b ?? b.a)!;
    return [`${b.status} ${s.kind}${s.shortcut !== 'none' ? ` with ${s.shortcut} shortcut` : ''}, ${b.layers.length} layers, ${fmtCount(s.cost.params)} params`];
  }
  return [`changed${b.changes.length ? `: ${fmtChanges(b.changes)}` : ''}`, ...layerLines(b.layers, '    ')];
}

/** A run of consecutive differing blocks of one stage that differ alike: shown as one entry. */
export interface BlockRun {
  readonly first: BlockDiff;
  readonly last: BlockDiff;
  readonly count: number;
}

/**
 * Folds consecutive differing blocks whose `signature` is equal into runs (`layer1.0–2` when three
 * blocks lost their identity shortcut alike); blocks that are the same are left out.
 */
export function foldBlocks(blocks: readonly BlockDiff[], signature: (b: BlockDiff) => string): BlockRun[] {
  const out: { first: BlockDiff; last: BlockDiff; count: number; sig: string; at: number }[] = [];
  blocks.forEach((b, at) => {
    if (b.status === 'same') return;
    const sig = signature(b);
    const prev = out[out.length - 1];
    if (prev && prev.sig === sig && prev.at === at - 1) Object.assign(prev, { last: b, count: prev.count + 1, at });
    else out.push({ first: b, last: b, count: 1, sig, at });
  });
  return out.map(({ first, last, count }) => ({ first, last, count }));
}

/** What a block's difference says, language aside: blocks that differ alike have equal signatures. */
export function blockSignature(b: BlockDiff): string {
  const side = b.b ?? b.a;
  return JSON.stringify([b.status, side?.kind, side?.shortcut, b.changes, b.layers.filter((l) => l.status !== 'same').map((l) => [l.key, l.status, l.changes])]);
}

/** `layer1.0`…`layer1.2` → `layer1.0–2`. */
export function rangeName(first: string, last: string): string {
  if (first === last) return first;
  const cut = first.lastIndexOf('.');
  return cut > 0 && last.startsWith(first.slice(0, cut + 1)) ? `${first}–${last.slice(cut + 1)}` : `${first}–${last}`;
}

function table(rows: string[][], rightFrom: number): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i >= rightFrom ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
    return ri === 0 ? `${line}\n${w.map((n) => '-'.repeat(n)).join('  ')}` : line;
  });
}

function stageRow(s: StageDiff): string[] {
  const c = s.counts;
  return [
    s.name,
    s.status,
    `+${c.blocks.added} −${c.blocks.removed} ~${c.blocks.changed} =${c.blocks.same}`,
    `+${c.layers.added} −${c.layers.removed} ~${c.layers.changed}`,
    fmtCount(s.params.a),
    fmtCount(s.params.b),
    fmtSigned(s.params.delta),
    fmtMacs(s.macs.a),
    fmtMacs(s.macs.b),
    fmtSigned(s.macs.delta, fmtMacs),
  ];
}

/**
 * The diff as a readable plain-text report: a per-stage table of counts and costs, the totals
 * with their relative difference, then each stage's differing blocks and layers (`+` added,
 * `−` removed, `~` changed), consecutive blocks that differ alike folded into one line.
 */
export function formatDiffText(d: ModelDiff): string {
  const out: string[] = [`a: ${d.a.name}`, `b: ${d.b.name}`, ''];
  const head = ['stage', 'status', 'blocks', 'layers', 'params a', 'params b', 'Δ params', 'MACs a', 'MACs b', 'Δ MACs'];
  const total = ['total', d.identical ? 'same' : 'changed', countText(d.counts.blocks, true), countText(d.counts.layers, false), fmtCount(d.params.a), fmtCount(d.params.b), fmtSigned(d.params.delta), fmtMacs(d.macs.a), fmtMacs(d.macs.b), fmtSigned(d.macs.delta, fmtMacs)];
  out.push(...table([head, ...d.stages.map(stageRow), total], 4), '');
  out.push(`params ${fmtCount(d.params.a)} → ${fmtCount(d.params.b)} (${fmtPercent(d.params)}), MACs ${fmtMacs(d.macs.a)} → ${fmtMacs(d.macs.b)} (${fmtPercent(d.macs)})`);
  if (d.identical) {
    out.push('', 'no differences in blocks or layers');
    return `${out.join('\n')}\n`;
  }
  for (const s of d.stages) {
    if (s.status === 'same') continue;
    out.push('', `${s.name}${s.status === 'changed' ? '' : ` (${s.status})`}`);
    for (const run of foldBlocks(s.blocks, (b) => blockBody(b).join('\n'))) {
      const body = blockBody(run.first);
      out.push(`  ${rangeName(run.first.key, run.last.key)}${run.count > 1 ? ` (${run.count} blocks)` : ''}: ${body[0]}`, ...body.slice(1));
    }
    out.push(...layerLines(s.layers, '  '));
  }
  return `${out.join('\n')}\n`;
}

function countText(c: { added: number; removed: number; changed: number; same: number }, same: boolean): string {
  return `+${c.added} −${c.removed} ~${c.changed}${same ? ` =${c.same}` : ''}`;
}
