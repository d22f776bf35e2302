import { useReactFlow } from '@xyflow/react';
import type { TFunction } from 'i18next';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { blockSignature, foldBlocks, fmtPercent, fmtValue, rangeName, type BlockDiff, type Delta, type FieldChange, type LayerDiff, type ModelDiff, type ParamValue, type StageDiff } from '../../../src/index.ts';
import { fmtCount } from '../../format.ts';
import { useEditor, useEditorStore } from '../../store/context.tsx';
import './diff.css';
import { useDiffMarks, useModelDiff } from './useModelDiff.ts';

const SIGN = { added: '+', removed: '−', changed: '~', same: '=' } as const;

const signed = (n: number) => (n === 0 ? '0' : `${n > 0 ? '+' : '−'}${fmtCount(Math.abs(n))}`);
const exact = (n: number) => n.toLocaleString('en-US');

/** A stage's name in the UI language: the stem and the head are named, stages keep torchvision's names. */
const stageName = (t: TFunction, name: string) => (name === 'stem' || name === 'head' ? t(`diff.stage.${name}`) : name);

function fieldLabel(t: TFunction, field: string): string {
  return ['kind', 'op', 'name', 'input', 'output', 'params'].includes(field) ? t(`diff.field.${field}`) : t(`param.${field}`, { defaultValue: field });
}

function valueText(t: TFunction, field: string, v: ParamValue | undefined): string {
  if (field === 'kind') return v === 'layers' ? t('diff.kindLayers') : t(`op.${String(v)}`);
  if (field === 'shortcut' && typeof v === 'string') return v === 'none' ? t('diff.noShortcut') : t(`option.shortcut.${v}`, { defaultValue: v });
  if (field === 'op') return t(`op.${String(v)}`);
  return fmtValue(field, v);
}

function changesText(t: TFunction, changes: readonly FieldChange[]): string {
  return changes.map((c) => `${fieldLabel(t, c.field)} ${valueText(t, c.field, c.a)} → ${valueText(t, c.field, c.b)}`).join(', ');
}

function pct(t: TFunction, d: Delta): string {
  const p = fmtPercent(d);
  return p === 'new' ? t('diff.newPct') : p;
}

function LayerLines({ layers }: { layers: readonly LayerDiff[] }) {
  const { t } = useTranslation();
  const shown = layers.filter((l) => l.status !== 'same');
  if (!shown.length) return null;
  return (
    <ul className="diff-layers">
      {shown.map((l) => (
        <li key={l.key} className={`diff-${l.status}`} data-testid={`diff.layer.${(l.b ?? l.a)!.name}`} data-status={l.status}>
          <span className="diff-sign">{SIGN[l.status]}</span> <code>{l.key}</code> {t(`op.${(l.b ?? l.a)!.op}`)}
          {l.changes.length > 0 && <span className="diff-change">: {changesText(t, l.changes)}</span>}
        </li>
      ))}
    </ul>
  );
}

function BlockEntry({ first, last, count }: { first: BlockDiff; last: BlockDiff; count: number }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const rf = useReactFlow();
  const range = rangeName(first.key, last.key);
  const side = (first.b ?? first.a)!;
  const kind = side.kind === 'layers' ? t('diff.kindLayers') : t(`op.${side.kind}`);
  const card = first.b?.card;
  const show = () => {
    if (!card) return;
    store.getState().select([card]);
    void rf.fitView({ nodes: [{ id: card }], duration: 200, maxZoom: 1 });
  };
  return (
    <li className={`diff-block diff-${first.status}`} data-testid={`diff.block.${first.key}`} data-status={first.status}>
      <button className="diff-block-name linklike" onClick={show} disabled={!card}>
        <span className="diff-sign">{SIGN[first.status]}</span> {count > 1 ? t('diff.blocksRange', { range, count }) : range}
      </button>
      {first.status === 'added' || first.status === 'removed' ? (
        <span className="diff-change"> {t(first.status === 'added' ? 'diff.blockAdded' : 'diff.blockRemoved', { kind, layers: first.layers.length, params: exact(side.cost.params) })}</span>
      ) : (
        <>
          {first.changes.length > 0 && <span className="diff-change"> {changesText(t, first.changes)}</span>}
          <LayerLines layers={first.layers} />
        </>
      )}
    </li>
  );
}

function StageRow({ s }: { s: StageDiff }) {
  const { t } = useTranslation();
  const c = s.counts;
  return (
    <tr className={`diff-${s.status}`} data-testid={`diff.stage.${s.name}`} data-status={s.status}>
      <th scope="row">{stageName(t, s.name)}</th>
      <td data-testid="diff.stage.blocks">{t('diff.counts', { ...c.blocks })}</td>
      <td data-testid="diff.stage.layers">{t('diff.counts', { ...c.layers })}</td>
      <td className="num">{fmtCount(s.params.a)}</td>
      <td className="num">{fmtCount(s.params.b)}</td>
      <td className="num" data-testid="diff.stage.paramsDelta">{signed(s.params.delta)}</td>
      <td className="num">{fmtCount(s.macs.a)}</td>
      <td className="num">{fmtCount(s.macs.b)}</td>
      <td className="num">{signed(s.macs.delta)}</td>
    </tr>
  );
}

/** Every block and layer only the compared document has: what the open one removed. */
function Removed({ diff }: { diff: ModelDiff }) {
  const { t } = useTranslation();
  const items: { name: string; op: string }[] = [];
  for (const s of diff.stages) {
    for (const b of s.blocks) {
      if (b.status === 'removed') items.push({ name: b.key, op: b.a!.kind === 'layers' ? t('diff.kindLayers') : t(`op.${b.a!.kind}`) });
      else for (const l of b.layers) if (l.status === 'removed') items.push({ name: l.a!.name, op: t(`op.${l.a!.op}`) });
    }
    for (const l of s.layers) if (l.status === 'removed') items.push({ name: l.a!.name, op: t(`op.${l.a!.op}`) });
  }
  if (!items.length) return null;
  return (
    <section className="diff-removed" data-testid="diff.removed">
      <h3>{t('diff.removedTitle', { name: diff.a.name })}</h3>
      <ul>
        {items.map((i) => (
          <li key={i.name} className="diff-ghost" data-testid={`diff.removed.${i.name}`}>
            <code>{i.name}</code> {i.op}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Diff mode's panel over the canvas: what it compares, the legend of the canvas marks, the totals
 * with their relative difference, a per-stage table of counts and costs, what differs block by
 * block (blocks that differ alike folded into one entry), and what only the other document has.
 */
export function DiffPanel() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const diff = useModelDiff();
  const compare = useEditor((s) => s.compare);
  const marks = useDiffMarks();
  const rf = useReactFlow();
  // Entering diff mode shows the first differences at a size where their marks read; the
  // panel's entries lead to the others.
  useEffect(() => {
    if (!compare || !marks) return;
    const first = (marks.status.size ? [...marks.status.keys()].slice(0, 4) : [...marks.removedBefore.keys()].slice(0, 2)).map((id) => ({ id }));
    const id = requestAnimationFrame(() => requestAnimationFrame(() => void rf.fitView({ ...(first.length ? { nodes: first } : {}), padding: 0.15, maxZoom: 1, duration: 0 })));
    return () => cancelAnimationFrame(id);
    // Only when what is compared changes, not on every edit of the open document.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [compare, rf]);
  if (!diff || !compare) return null;
  return (
    <section className="diff-panel" data-testid="diff.panel" aria-label={t('diff.title', { label: compare.label })}>
      <header className="diff-head">
        <h2 data-testid="diff.title">{t('diff.title', { label: compare.label })}</h2>
        <span className="diff-sides">{t('diff.sides', { a: diff.a.name, b: diff.b.name })}</span>
        <span className="grow" />
        <button onClick={() => store.getState().setCompare(undefined)} data-testid="diff.close">
          {t('diff.close')}
        </button>
      </header>
      <div className="diff-legend" data-testid="diff.legend" aria-label={t('diff.legend.title')}>
        {(['added', 'changed', 'removed', 'same'] as const).map((k) => (
          <span key={k} className={`diff-swatch diff-${k}`}>
            <i>{SIGN[k]}</i> {t(`diff.legend.${k}`)}
          </span>
        ))}
      </div>
      <p className="diff-totals" data-testid="diff.totals">
        {t('diff.totals', { a: exact(diff.params.a), b: exact(diff.params.b), pct: pct(t, diff.params), ma: fmtCount(diff.macs.a), mb: fmtCount(diff.macs.b), mpct: pct(t, diff.macs) })}
      </p>
      <div className="diff-scroll">
        <table className="diff-table" data-testid="diff.table">
          <thead>
            <tr>
              <th>{t('diff.col.stage')}</th>
              <th>{t('diff.col.blocks')}</th>
              <th>{t('diff.col.layers')}</th>
              <th className="num">{t('diff.col.params')} a</th>
              <th className="num">{t('diff.col.params')} b</th>
              <th className="num">{t('diff.col.delta')}</th>
              <th className="num">{t('diff.col.macs')} a</th>
              <th className="num">{t('diff.col.macs')} b</th>
              <th className="num">{t('diff.col.delta')}</th>
            </tr>
          </thead>
          <tbody>
            {diff.stages.map((s) => (
              <StageRow key={s.name} s={s} />
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="diff.total">
              <th scope="row">{t('diff.total')}</th>
              <td>{t('diff.counts', { ...diff.counts.blocks })}</td>
              <td>{t('diff.counts', { ...diff.counts.layers })}</td>
              <td className="num">{fmtCount(diff.params.a)}</td>
              <td className="num">{fmtCount(diff.params.b)}</td>
              <td className="num">{signed(diff.params.delta)}</td>
              <td className="num">{fmtCount(diff.macs.a)}</td>
              <td className="num">{fmtCount(diff.macs.b)}</td>
              <td className="num">{signed(diff.macs.delta)}</td>
            </tr>
          </tfoot>
        </table>
        {diff.identical ? (
          <p data-testid="diff.identical">{t('diff.identical')}</p>
        ) : (
          <section className="diff-details" data-testid="diff.details">
            <h3>{t('diff.details')}</h3>
            {diff.stages
              .filter((s) => s.status !== 'same')
              .map((s) => (
                <div key={s.name} className="diff-stage">
                  <h4>{stageName(t, s.name)}</h4>
                  <ul className="diff-blocks">
                    {foldBlocks(s.blocks, blockSignature).map((r) => (
                      <BlockEntry key={r.first.key} {...r} />
                    ))}
                  </ul>
                  <LayerLines layers={s.layers} />
                </div>
              ))}
          </section>
        )}
        <Removed diff={diff} />
      </div>
    </section>
  );
}
