import { memo, useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { histogram, tensorStats, type TensorStats } from '../../runtime/tensor-stats.ts';
import type { WireTensor } from '../../runtime/protocol.ts';
import { colourOf, paintGrid, paintSideBySide, type Scale } from './heatmap.ts';
import type { ShownTensor } from './selection-tensors.ts';

const fmt = (v: number) => (Number.isNaN(v) ? '–' : Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3));
const shapeText = (dims: readonly number[]) => `[${dims.join('×')}]`;

/** Statistics of a tensor's data, computed once: the shared colour scale and each tensor's own panel both need them. */
const statsCache = new WeakMap<Float32Array, TensorStats>();
function statsOf(data: Float32Array): TensorStats {
  let s = statsCache.get(data);
  if (!s) statsCache.set(data, (s = tensorStats(data)));
  return s;
}

function Histogram({ data, scale }: { data: Float32Array; scale: Scale }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const bins = 40;
    const h = histogram(data, bins, scale.lo, scale.hi);
    const peak = Math.max(1, ...h);
    c.width = 200;
    c.height = 48;
    ctx.clearRect(0, 0, c.width, c.height);
    for (let i = 0; i < bins; i++) {
      const v = scale.lo + ((i + 0.5) / bins) * (scale.hi - scale.lo);
      const [r, g, b] = colourOf(v, scale);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      const bh = Math.round((Math.sqrt(h[i]!) / Math.sqrt(peak)) * (c.height - 2));
      ctx.fillRect(i * 5, c.height - bh, 4, bh);
    }
  }, [data, scale]);
  return <canvas ref={ref} className="run-hist" title={t('run.act.histogram')} />;
}

function Stats({ s }: { s: TensorStats }) {
  const { t } = useTranslation();
  return (
    <dl className="run-stats">
      <dt>{t('run.act.stats.min')}</dt>
      <dd>{fmt(s.min)}</dd>
      <dt>{t('run.act.stats.max')}</dt>
      <dd>{fmt(s.max)}</dd>
      <dt>{t('run.act.stats.mean')}</dt>
      <dd>{fmt(s.mean)}</dd>
      <dt>{t('run.act.stats.std')}</dt>
      <dd>{fmt(s.std)}</dd>
      <dt>{t('run.act.stats.nanInf')}</dt>
      <dd className={s.nan + s.inf > 0 ? 'run-bad' : ''}>
        {s.nan}/{s.inf}
      </dd>
    </dl>
  );
}

/** The caption of a shown tensor: F(x), x or F(x)+x in the UI language, else the tensor's own name. */
function useTitle(): (s: ShownTensor) => string {
  const { t } = useTranslation();
  return (s) => (s.role === 'output' ? s.title : t(`run.act.role.${s.role}`));
}

const TensorView = memo(function TensorView({ shown, tensor, scale, compact }: { shown: ShownTensor; tensor: WireTensor; scale: Scale; compact?: boolean }) {
  const { t } = useTranslation();
  const title = useTitle();
  const ref = useRef<HTMLCanvasElement>(null);
  const stats = statsOf(tensor.data);
  const isMap = tensor.dims.length === 4;
  const channels = isMap ? tensor.dims[1]! : 1;
  useEffect(() => {
    if (!ref.current || compact) return;
    const dims = isMap ? tensor.dims : [1, 1, 1, tensor.data.length];
    paintGrid(ref.current, tensor.data, dims, scale, isMap ? { cell: channels <= 16 ? 64 : 32, maxMaps: 64, cols: channels <= 16 ? 4 : 8 } : { cell: 200, maxMaps: 1, cols: 1 });
  }, [tensor, scale, isMap, compact, channels]);
  return (
    <figure className="run-tensor" data-testid={`run.act.${shown.role}`}>
      <figcaption>
        <b>{title(shown)}</b> <span className="run-dim">{shown.name}</span> <span className="run-dim">{shapeText(tensor.dims)}</span>
      </figcaption>
      {!compact && <canvas ref={ref} data-testid={`run.act.${shown.role}.grid`} data-maps={Math.min(64, channels)} className="run-grid" />}
      {!compact && isMap && channels > 64 && <div className="run-dim">{t('run.act.firstChannels', { shown: 64, n: channels })}</div>}
      <Histogram data={tensor.data} scale={scale} />
      <div data-testid={`run.act.${shown.role}.stats`}>
        <Stats s={stats} />
      </div>
    </figure>
  );
});

const MAX_ROWS = 16;

/** F(x) | x | F(x)+x, one row per channel, under one scale: what the shortcut adds, channel by channel. */
function SideBySide({ present, scale }: { present: readonly { s: ShownTensor; t: WireTensor }[]; scale: Scale }) {
  const { t } = useTranslation();
  const title = useTitle();
  const ref = useRef<HTMLCanvasElement>(null);
  const channels = present[0]?.t.dims[1] ?? 0;
  useEffect(() => {
    if (ref.current) paintSideBySide(ref.current, present.map((p) => p.t), scale, MAX_ROWS);
  }, [present, scale]);
  return (
    <div className="run-sbs" data-testid="run.act.sideBySide">
      <div className="run-sbs-head" style={{ gridTemplateColumns: `repeat(${present.length}, 1fr)` }}>
        {present.map((p) => (
          <b key={p.s.role}>{title(p.s)}</b>
        ))}
      </div>
      <canvas ref={ref} data-testid="run.act.grid" data-maps={Math.min(MAX_ROWS, channels)} />
      <div className="run-dim">
        {channels > MAX_ROWS ? t('run.act.sbsChannelsFirst', { shown: MAX_ROWS, n: channels }) : t('run.act.sbsChannels', { count: channels })}
        {t('run.act.sbsScale')}
      </div>
    </div>
  );
}

type Present = readonly { s: ShownTensor; t: WireTensor }[];
const samePresent = (a: Present, b: Present) =>
  a.length === b.length && a.every((x, i) => x.t === b[i]!.t && x.s.role === b[i]!.s.role && x.s.name === b[i]!.s.name && x.s.title === b[i]!.s.title);

/**
 * The shown tensors with their data; the same array while neither the tensors nor what they are
 * change. An edit elsewhere recomputes `shown` (a new array of the same entries) long before a
 * new result arrives: that must not recompute the statistics and repaint every heatmap, which
 * for a ResNet-50 block took a few hundred milliseconds inside the edit.
 */
function useStablePresent(shown: readonly ShownTensor[], tensors: ReadonlyMap<string, WireTensor>): Present {
  const last = useRef<Present>([]);
  const next = shown.map((s) => ({ s, t: tensors.get(s.name) })).filter((x): x is { s: ShownTensor; t: WireTensor } => !!x.t);
  if (!samePresent(last.current, next)) last.current = next;
  return last.current;
}

export interface ActivationsProps {
  readonly label?: string;
  readonly shown: readonly ShownTensor[];
  /** Tensors of the last run by name (including `input` and `logits`). */
  readonly tensors: ReadonlyMap<string, WireTensor>;
  readonly pending: boolean;
}

/**
 * The activation view: heatmaps of every channel of the selected tensor(s), a histogram and
 * statistics. A residual block's F(x), x and F(x)+x share one colour scale, so what the shortcut
 * adds is visible.
 */
export function Activations({ label, shown, tensors, pending }: ActivationsProps) {
  const { t } = useTranslation();
  const present = useStablePresent(shown, tensors);
  const scale = useMemo<Scale>(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const { t } of present) {
      const st = statsOf(t.data);
      lo = Math.min(lo, st.min);
      hi = Math.max(hi, st.max);
    }
    return Number.isFinite(lo) ? { lo, hi: hi > lo ? hi : lo + 1 } : { lo: 0, hi: 1 };
  }, [present]);
  if (!label) return <div className="run-dim" data-testid="run.activations.empty">{t('run.act.empty')}</div>;
  return (
    <div className="run-activations" data-testid="run.activations">
      <div className="run-subhead">
        {t('run.act.of')} <b>{label}</b> {pending && present.length < shown.length && <span className="run-dim">{t('run.act.running')}</span>}
      </div>
      {present.length > 1 && <SideBySide present={present} scale={scale} />}
      <div className={`run-tensors${present.length > 1 ? ' run-side' : ''}`}>
        {present.map(({ s, t }) => (
          <TensorView key={s.role + s.name} shown={s} tensor={t} scale={scale} compact={present.length > 1} />
        ))}
      </div>
    </div>
  );
}
