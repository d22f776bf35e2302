import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { LAB_DEFAULTS, LAB_DEPTHS, PAPER_CIFAR10 } from '../../../src/lab/degradation.ts';
import { useEditor, useEditorStore } from '../../store/context.tsx';
import { SignalsChart } from '../signals/SignalsChart.tsx';
import { smooth } from '../train/TrainCharts.tsx';
import { isLabRunning, LAB_NETS, labControllerOf, trainErrorOf, type LabController, type LabNet, type LabState } from './lab-controller.ts';
import './lab.css';

const useLab = <T,>(c: LabController, pick: (s: LabState) => T): T => useStore(c.state, useShallow(pick));

const COLOR: Record<LabNet, string> = { plain: '--lab-plain', residual: '--lab-residual' };
const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : (100 * v).toFixed(1));

/**
 * Plot height of the lab's charts: two rows of them (the curves, then the signals) and the lab's
 * header, controls and result fit in the window's height — 150 px at 900, 210 at 1080.
 */
const chartHeight = () => Math.max(110, Math.min(240, Math.round((window.innerHeight - 600) / 2)));

/** "1 min 20 s", "45 s". */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** Both runs' values on one x axis (step or epoch): null where a run has no point yet. */
function aligned(s: LabState, y: (net: LabNet, s: LabState) => readonly (number | null)[], xs: (net: LabNet, s: LabState) => readonly number[]): uPlot.AlignedData {
  const n = Math.max(0, ...LAB_NETS.flatMap((net) => xs(net, s).slice(-1)));
  const axis = Array.from({ length: n }, (_, i) => i + 1);
  return [axis, ...LAB_NETS.map((net) => {
    const out: (number | null)[] = axis.map(() => null);
    const at = xs(net, s);
    const v = y(net, s);
    at.forEach((k, i) => (out[k - 1] = v[i] ?? null));
    return out;
  })];
}

interface ChartSpec {
  readonly testId: string;
  readonly title: string;
  readonly xLabel: string;
  readonly data: (s: LabState) => uPlot.AlignedData;
  readonly yRange?: [number, number];
  readonly points?: boolean;
  readonly counts: (s: LabState) => string;
}

/** One uPlot chart of both nets, fed from the lab's store outside React (a step never re-renders the view). */
function LabChart({ lab, spec, theme, labels }: { lab: LabController; spec: ChartSpec; theme: string; labels: Record<LabNet, string> }) {
  const box = useRef<HTMLDivElement>(null);
  const counts = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const height = chartHeight();
    // Built a frame later: the theme's colours are on the root element only once the app's effect
    // has set them, which runs after this one.
    let u: uPlot | undefined;
    let unsubscribe = () => {};
    let ro: ResizeObserver | undefined;
    const raf = requestAnimationFrame(() => {
      const ink = cssVar('--muted');
      const line = cssVar('--line');
      const axis = { stroke: ink, grid: { stroke: line, width: 0.5 }, ticks: { stroke: line, width: 0.5 } };
      u = new uPlot(
        {
          width: Math.max(220, el.clientWidth),
          height,
          legend: { show: true, live: false },
          cursor: { show: false },
          scales: { x: { time: false }, y: spec.yRange ? { range: spec.yRange } : { auto: true } },
          axes: [{ ...axis, label: spec.xLabel, labelSize: 16, size: 34 }, { ...axis, size: 44 }],
          series: [
            {},
            ...LAB_NETS.map((net) => ({
              label: labels[net],
              stroke: cssVar(COLOR[net]),
              width: 2,
              points: { show: spec.points ?? false, size: 7, fill: cssVar(COLOR[net]) },
              spanGaps: true,
            })),
          ],
        },
        spec.data(lab.state.getState()),
        el,
      );
      let version = -1;
      const update = (s: LabState) => {
        if (s.curveVersion === version) return;
        version = s.curveVersion;
        u!.setData(spec.data(s));
        if (counts.current) counts.current.dataset['points'] = spec.counts(s);
      };
      update(lab.state.getState());
      unsubscribe = lab.state.subscribe(update);
      ro = new ResizeObserver(() => u!.setSize({ width: Math.max(220, el.clientWidth), height }));
      ro.observe(el);
    });
    return () => {
      cancelAnimationFrame(raf);
      unsubscribe();
      ro?.disconnect();
      u?.destroy();
    };
  }, [lab, spec, theme, labels]);
  return (
    <figure className="lab-chart" data-testid={spec.testId}>
      <figcaption>
        {spec.title}
        <span ref={counts} data-testid={`${spec.testId}.points`} />
      </figcaption>
      <div ref={box} />
    </figure>
  );
}

function Charts({ lab, theme }: { lab: LabController; theme: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { labels, specs } = useMemo(() => {
    void lang;
    const labels: Record<LabNet, string> = { plain: t('lab.plain'), residual: t('lab.residual') };
    const count = (f: (net: LabNet, s: LabState) => number) => (s: LabState) => LAB_NETS.map((n) => f(n, s)).join(',');
    const specs: ChartSpec[] = [
      {
        testId: 'lab.chart.loss',
        title: t('lab.chart.loss'),
        xLabel: t('lab.chart.step'),
        data: (s) => aligned(s, (n, st) => smooth(st.runs[n].losses, 0.95), (n, st) => st.runs[n].steps),
        counts: count((n, s) => s.runs[n].losses.length),
      },
      {
        testId: 'lab.chart.trainError',
        title: t('lab.chart.trainError'),
        xLabel: t('lab.chart.step'),
        yRange: [0, 100],
        data: (s) => aligned(s, (n, st) => smooth(st.runs[n].errors, 0.95).map((v) => 100 * v), (n, st) => st.runs[n].steps),
        counts: count((n, s) => s.runs[n].errors.length),
      },
      {
        testId: 'lab.chart.testError',
        title: t('lab.chart.testError'),
        xLabel: t('lab.chart.epoch'),
        yRange: [0, 100],
        points: true,
        data: (s) => aligned(s, (n, st) => st.runs[n].epochs.map((e) => (e.testAccuracy !== undefined ? 100 * (1 - e.testAccuracy) : null)), (n, st) => st.runs[n].epochs.map((e) => e.epoch)),
        counts: count((n, s) => s.runs[n].epochs.length),
      },
    ];
    return { labels, specs };
  }, [t, lang]);
  return (
    <div className="lab-charts">
      {specs.map((s) => (
        <LabChart key={s.testId} lab={lab} spec={s} theme={theme} labels={labels} />
      ))}
    </div>
  );
}

/** Step, images/s and time left of one net; re-rendered alone on its progress. */
function RunProgress({ lab, net }: { lab: LabController; net: LabNet }) {
  const { t } = useTranslation();
  const { phase, p, error, final } = useLab(lab, (s) => ({ phase: s.runs[net].phase, p: s.runs[net].progress, error: s.runs[net].error, final: s.runs[net].final }));
  const total = p?.totalSteps ?? lab.settings.epochs * Math.floor(lab.settings.trainLimit / lab.settings.batch);
  return (
    <div className={`lab-run lab-run-${net}`} data-testid={`lab.run.${net}`} data-phase={phase} data-step={p?.step ?? 0} data-total={total}>
      <div className="lab-run-head">
        <span className="lab-swatch" />
        <strong>{t(`lab.${net}`)}</strong>
        <span className="muted">{t(`lab.phase.${phase}`)}</span>
      </div>
      <progress max={total} value={p?.step ?? 0} />
      <div className="lab-small">
        {p
          ? t('lab.progress', { step: p.step, total, ips: Math.round(p.imagesPerSecond), left: phase === 'training' ? duration(p.secondsLeft) : '–' })
          : phase === 'starting'
            ? t('lab.starting')
            : ''}
        {final && <> · {t('lab.took', { time: duration(final.seconds) })}</>}
      </div>
      {error && (
        <div className="lab-bad" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** The sentence that states the result, once both runs have ended. */
function Result({ lab }: { lab: LabController }) {
  const { t } = useTranslation();
  const { phase, depth, plain, residual } = useLab(lab, (s) => ({ phase: s.phase, depth: s.depth, plain: s.runs.plain, residual: s.runs.residual }));
  if (phase !== 'done' && phase !== 'stopped') return null;
  if (!plain.final || !residual.final) return null;
  const tp = trainErrorOf(plain);
  const tr = trainErrorOf(residual);
  const values = { depth, plain: pct(tp), residual: pct(tr), plainTest: pct(plain.final.testError), residualTest: pct(residual.final.testError) };
  // Two points of training error or less is within what a different seed moves (see the README's table).
  const key = phase === 'stopped' ? 'lab.result.stopped' : tp - tr > 0.02 ? 'lab.result.worse' : tr - tp > 0.02 ? 'lab.result.notWorse' : 'lab.result.same';
  return (
    <div className="lab-result" data-testid="lab.result" data-plain={tp} data-residual={tr} data-key={key} role="status">
      {t(key, values)}
      {plain.final.testError !== undefined && residual.final.testError !== undefined && <> {t('lab.result.test', values)}</>}
    </div>
  );
}

/** The paper's CIFAR-10 numbers, beside the live curves. */
function Paper({ depth }: { depth: number }) {
  const { t } = useTranslation();
  const r = PAPER_CIFAR10.resnetTestError;
  return (
    <aside className="lab-paper" data-testid="lab.paper">
      <h3>{t('lab.paper.title')}</h3>
      <p>{t('lab.paper.plain')}</p>
      <table>
        <thead>
          <tr>
            <th>{t('lab.paper.net')}</th>
            <th>{t('lab.paper.testError')}</th>
          </tr>
        </thead>
        <tbody>
          {[20, 32, 44, 56, 110].map((d) => (
            <tr key={d} className={d === depth ? 'lab-paper-here' : undefined}>
              <td>ResNet-{d}</td>
              <td>{r[d]!.toFixed(2)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="lab-small muted">{t('lab.paper.note')}</p>
    </aside>
  );
}

/**
 * The degradation lab: pick a depth; the plain and the residual net of that depth train side by
 * side from the same fresh weights, and their curves overlay — training loss, training error and
 * test error — with the signals at initialisation and the paper's numbers beside them.
 */
export function LabView({ lab }: { lab: LabController }) {
  const { t } = useTranslation();
  const theme = useEditor((s) => s.view.theme);
  const { depth, phase, pair, refused } = useLab(lab, (s) => ({ depth: s.depth, phase: s.phase, pair: s.pair, refused: s.refused }));
  const running = isLabRunning(phase);
  const st = lab.settings;
  const steps = st.epochs * Math.floor(st.trainLimit / st.batch);
  return (
    <section className="lab" data-testid="lab" data-phase={phase} data-depth={depth} aria-label={t('lab.title')}>
      <header className="lab-head">
        <h2>{t('lab.title')}</h2>
        <span className="muted lab-sub">{t('lab.subtitle')}</span>
        <button type="button" className="lab-close" data-testid="lab.close" onClick={() => lab.close()} aria-label={t('lab.close')}>
          {t('lab.close')}
        </button>
      </header>
      <div className="lab-controls">
        <label className="lab-field">
          <span>{t('lab.depth')}</span>
          <select data-testid="lab.depth" value={depth} disabled={running} onChange={(e) => lab.setDepth(Number(e.target.value))}>
            {LAB_DEPTHS.map((d) => (
              <option key={d} value={d}>
                {t('lab.depthOption', { depth: d })}
              </option>
            ))}
          </select>
        </label>
        {!running ? (
          <button type="button" className="lab-primary" data-testid="lab.start" onClick={() => void lab.start()}>
            {t('lab.start')}
          </button>
        ) : (
          <button type="button" data-testid="lab.stop" disabled={phase === 'stopping'} onClick={() => lab.stop()}>
            {t('lab.stop')}
          </button>
        )}
        <span className="lab-small muted" data-testid="lab.budget">
          {t('lab.budget', { steps, batch: st.batch, epochs: st.epochs, images: st.trainLimit.toLocaleString(), lr: st.lr, wd: st.weightDecay, seed: st.seed, widths: LAB_DEFAULTS.widths.join('/') })}
        </span>
      </div>
      {refused && (
        <div className="lab-bad" data-testid="lab.refused" role="alert">
          {t('lab.refusedTrain')}
        </div>
      )}
      <div className="lab-runs">
        {LAB_NETS.map((net) => (
          <RunProgress key={net} lab={lab} net={net} />
        ))}
      </div>
      <Result lab={lab} />
      {/* The three curves in one row and the signals beside the paper's numbers below them: all in sight at 1440×900. */}
      <Charts lab={lab} theme={theme} />
      <div className="lab-body">
        <div className="lab-main">
          <h3 className="lab-h3">{t('lab.signals')}</h3>
          {pair ? <SignalsChart plain={pair.plain} residual={pair.residual} theme={theme} height={chartHeight()} /> : null}
        </div>
        <Paper depth={depth} />
      </div>
    </section>
  );
}

/** Mounted once in the app: shows the editor's lab while it is open. */
export function LabLayer() {
  const store = useEditorStore();
  const lab = useMemo(() => labControllerOf(store), [store]);
  const open = useStore(lab.state, (s) => s.open);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') lab.close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, lab]);
  return open ? <LabView lab={lab} /> : null;
}

/** The Train panel's way into the lab. */
export function LabEntry() {
  const { t } = useTranslation();
  const store = useEditorStore();
  return (
    <button type="button" className="lab-entry" data-testid="train.lab.open" onClick={() => labControllerOf(store).open()}>
      {t('lab.entry')}
    </button>
  );
}
