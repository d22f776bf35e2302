import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useStore } from 'zustand';
import { useActions } from '../../canvas/useRelayout.ts';
import { useEditor, useEditorStore } from '../../store/context.tsx';
import { replaceDocument } from '../../store/editor-store.ts';
import { LESION_IMAGE_COUNTS, lesionControllerOf, loadLesionNet, type LesionController, type LesionCurve, type LesionImageCount, type LesionNet, type LesionState } from './lesion-controller.ts';
import './lesion.css';

const cssVar = (el: Element, name: string) => getComputedStyle(el).getPropertyValue(name).trim() || '#888';
const pct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
const CHANCE = 0.1;

/**
 * The chart data: one shared x axis (the depth of each deletion, both nets' points merged), each
 * net's accuracy where it has a point (null elsewhere), and its intact accuracy as a flat line.
 */
export function lesionChartData(resnet: LesionCurve, plain: LesionCurve): uPlot.AlignedData {
  const xs = [...new Set([...resnet.points, ...plain.points].map((p) => p.depth))].sort((a, b) => a - b);
  const at = (c: LesionCurve) => {
    const m = new Map(c.points.map((p) => [p.depth, p.accuracy]));
    return xs.map((x) => m.get(x) ?? null);
  };
  const flat = (c: LesionCurve) => xs.map(() => c.intact ?? null);
  return [xs, at(resnet), at(plain), flat(resnet), flat(plain), xs.map(() => CHANCE)];
}

/**
 * Held-out accuracy after each single deletion, residual against plain (uPlot): x is where along
 * the depth the deleted block or layer sits, y the accuracy; each net's intact accuracy is a
 * dashed line of its colour, chance (10%) a dotted grey one. Reusable: give it two curves.
 */
export function LesionChart({ resnet, plain, height = 260 }: { resnet: LesionCurve; plain: LesionCurve; height?: number }) {
  const { t, i18n } = useTranslation();
  const theme = useEditor((s) => s.view.theme);
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ resnet, plain });
  latest.current = { resnet, plain };
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let u: uPlot | undefined;
    let ro: ResizeObserver | undefined;
    // Built on the next frame: the page's theme attribute is set by the app's own effect, which
    // runs after this one, and the colours are read from it.
    const frame = requestAnimationFrame(() => {
    const ink = cssVar(el, '--muted');
    const line = cssVar(el, '--line');
    const res = cssVar(el, '--lesion-residual');
    const pl = cssVar(el, '--lesion-plain');
    const axis = { stroke: ink, grid: { stroke: line, width: 0.5 }, ticks: { stroke: line, width: 0.5 }, font: '12px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif' };
    u = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [
          { ...axis, label: t('lesion.chart.x'), labelSize: 18, size: 36 },
          { ...axis, label: t('lesion.chart.y'), labelSize: 18, size: 52, values: (_u, v) => v.map((x) => `${Math.round(100 * x)}%`) },
        ],
        series: [
          {},
          { label: t('lesion.net.resnet'), stroke: res, width: 2, points: { show: true, size: 8, fill: res }, spanGaps: true },
          { label: t('lesion.net.plain'), stroke: pl, width: 2, points: { show: true, size: 8, fill: pl }, spanGaps: true },
          { label: t('lesion.chart.intactResnet'), stroke: res, width: 1, dash: [6, 4], points: { show: false } },
          { label: t('lesion.chart.intactPlain'), stroke: pl, width: 1, dash: [6, 4], points: { show: false } },
          { label: t('lesion.chart.chance'), stroke: ink, width: 1, dash: [2, 3], points: { show: false } },
        ],
      },
      lesionChartData(resnet, plain),
      el,
    );
    plot.current = u;
    u.setData(lesionChartData(latest.current.resnet, latest.current.plain));
    ro = new ResizeObserver(() => u?.setSize({ width: Math.max(280, el.clientWidth), height }));
    ro.observe(el);
    });
    return () => {
      cancelAnimationFrame(frame);
      ro?.disconnect();
      u?.destroy();
      plot.current = null;
    };
    // Rebuilt when the theme or language changes (colours and labels are baked in); data below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [theme, i18n.language, height, t]);
  useEffect(() => {
    plot.current?.setData(lesionChartData(resnet, plain));
  }, [resnet, plain]);
  return (
    <figure className="lesion-chart" data-testid="lesion.chart" data-resnet-points={resnet.points.length} data-plain-points={plain.points.length}>
      <div ref={box} />
    </figure>
  );
}

/** The sentence that states the result, once both nets have their deletions measured. */
function resultSentence(t: (k: string, o?: Record<string, unknown>) => string, s: LesionState): string | undefined {
  const { resnet, plain } = s.results;
  if (resnet.intact === undefined || plain.intact === undefined || resnet.points.length === 0 || plain.points.length === 0) return undefined;
  const acc = (c: LesionCurve) => c.points.map((p) => p.accuracy);
  return t('lesion.result', {
    blocks: resnet.points.length,
    resLow: pct(Math.min(...acc(resnet))),
    resHigh: pct(Math.max(...acc(resnet))),
    resIntact: pct(resnet.intact),
    layers: plain.points.length,
    plainLow: pct(Math.min(...acc(plain))),
    plainHigh: pct(Math.max(...acc(plain))),
    plainIntact: pct(plain.intact),
  });
}

/** Each deletion's accuracy as a table (what the chart shows, readable and countable). */
function LesionTable({ net, curve }: { net: LesionNet; curve: LesionCurve }) {
  const { t } = useTranslation();
  return (
    <table className={`lesion-table lesion-${net}`} data-testid={`lesion.table.${net}`}>
      <caption>
        <span className="lesion-swatch" /> {t(`lesion.net.${net}`)} · {t('lesion.intact')} <b data-testid={`lesion.intact.${net}`}>{pct(curve.intact)}</b>
      </caption>
      <thead>
        <tr>
          <th>{t(net === 'resnet' ? 'lesion.deletedBlock' : 'lesion.deletedLayer')}</th>
          <th>{t('lesion.accuracy')}</th>
        </tr>
      </thead>
      <tbody>
        {curve.points.map((p) => (
          <tr key={p.name} data-testid={`lesion.row.${p.name}`}>
            <td>
              <code>{p.name}</code>
            </td>
            <td className={p.accuracy < 0.5 ? 'lesion-low' : undefined}>{pct(p.accuracy)}</td>
          </tr>
        ))}
        {curve.planned !== undefined && curve.points.length < curve.planned && (
          <tr className="muted">
            <td colSpan={2}>{t('lesion.pending', { n: curve.planned - curve.points.length })}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

/** Opens one of the study's trained nets in the editor (its weights with it). */
function OpenNetButton({ net }: { net: LesionNet }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const actions = useActions();
  const open = async () => {
    try {
      const doc = await loadLesionNet(net);
      replaceDocument(store, doc);
      lesionControllerOf(store).close();
      actions.fit();
    } catch (e) {
      store.getState().toast('lesion.openFailed', 'error', { values: { message: (e as Error).message } });
    }
  };
  return (
    <button type="button" className="lesion-small" data-testid={`lesion.openNet.${net}`} onClick={() => void open()}>
      {t(`lesion.open.${net}`)}
    </button>
  );
}

/**
 * The whole study: what it is, the controls (images, run, stop), progress, the chart, the
 * per-deletion tables and the sentence that states the result. `autoStart` runs it on mount.
 */
export function LesionStudy({ controller, autoStart = false }: { controller?: LesionController; autoStart?: boolean }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const lesion = useMemo(() => controller ?? lesionControllerOf(store), [controller, store]);
  const s = useStore(lesion.state);
  useEffect(() => {
    if (autoStart && s.phase === 'idle') void lesion.start();
    // Only on mount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const running = s.phase === 'loading' || s.phase === 'running';
  const sentence = s.phase === 'done' ? resultSentence(t, s) : undefined;
  return (
    <div className="lesion-study" data-testid="lesion.study" data-phase={s.phase}>
      <p className="lesion-what">{t('lesion.what')}</p>
      <div className="lesion-controls">
        <label className="lesion-field">
          {t('lesion.images')}
          <select data-testid="lesion.images" value={s.images} disabled={running} onChange={(e) => lesion.setImages(Number(e.target.value) as LesionImageCount)}>
            {LESION_IMAGE_COUNTS.map((n) => (
              <option key={n} value={n}>
                {t('lesion.imagesN', { n })}
              </option>
            ))}
          </select>
        </label>
        {running ? (
          <button type="button" data-testid="lesion.stop" onClick={() => lesion.stop()}>
            {t('lesion.stop')}
          </button>
        ) : (
          <button type="button" className="lesion-primary" data-testid="lesion.start" onClick={() => void lesion.start()}>
            {t(s.phase === 'idle' ? 'lesion.start' : 'lesion.again')}
          </button>
        )}
        <span className="lesion-progress" data-testid="lesion.progress" data-done={s.progress.done} data-total={s.progress.total}>
          {s.phase === 'loading' && t('lesion.loading')}
          {s.phase === 'running' && (
            <>
              <progress max={s.progress.total} value={s.progress.done} /> {t('lesion.progressN', { done: s.progress.done, total: s.progress.total })}
            </>
          )}
          {s.phase === 'stopped' && t('lesion.stopped')}
          {s.phase === 'done' && t('lesion.done', { total: s.progress.total, images: s.images })}
        </span>
        <span className="lesion-open">
          <OpenNetButton net="resnet" />
          <OpenNetButton net="plain" />
        </span>
      </div>
      {s.phase === 'error' && (
        <div className="lesion-bad" role="alert" data-testid="lesion.error">
          {t('lesion.failed', { message: s.error ?? '' })}
        </div>
      )}
      {sentence && (
        <div className="lesion-result" data-testid="lesion.result">
          {sentence}
        </div>
      )}
      <div className="lesion-body">
        <LesionChart resnet={s.results.resnet} plain={s.results.plain} />
        <div className="lesion-tables">
          <LesionTable net="resnet" curve={s.results.resnet} />
          <LesionTable net="plain" curve={s.results.plain} />
        </div>
      </div>
      <p className="lesion-paper muted">{t('lesion.paper')}</p>
    </div>
  );
}

/** The study as an overlay over the palette and the canvas (the right column stays), mounted once per editor. */
export function LesionLayer() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const lesion = useMemo(() => lesionControllerOf(store), [store]);
  const open = useStore(lesion.state, (s) => s.open);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') lesion.close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, lesion]);
  if (!open) return null;
  return (
    <section className="lesion" data-testid="lesion" data-phase={lesion.state.getState().phase} aria-label={t('lesion.title')}>
      <div className="lesion-head">
        <h2>{t('lesion.title')}</h2>
        <span className="lesion-sub muted">{t('lesion.sub')}</span>
        <button type="button" className="lesion-close" data-testid="lesion.close" onClick={() => lesion.close()}>
          {t('lesion.close')}
        </button>
      </div>
      <LesionStudy controller={lesion} />
    </section>
  );
}

/** The teaching bar's way into the study. */
export function LesionEntry() {
  const { t } = useTranslation();
  const store = useEditorStore();
  return (
    <button type="button" data-testid="teach.lesion" title={t('lesion.entryTitle')} onClick={() => lesionControllerOf(store).open()}>
      {t('lesion.entry')}
    </button>
  );
}
