import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrainController, TrainState } from './train-controller.ts';

/**
 * Smoothed losses: an exponential moving average with TensorBoard's debiasing (the first
 * points are not pulled towards 0), weight `w` on the past.
 */
export function smooth(values: readonly number[], w = 0.9): number[] {
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    acc = acc * w + (1 - w) * values[i]!;
    out.push(acc / (1 - w ** (i + 1)));
  }
  return out;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

interface ChartSpec {
  readonly testId: string;
  readonly title: string;
  /** Series after x: label, colour variable, dashed. */
  readonly series: readonly { readonly label: string; readonly color: string; readonly width?: number; readonly dash?: boolean; readonly points?: boolean }[];
  readonly data: (s: TrainState) => uPlot.AlignedData;
  readonly yRange?: [number, number];
  readonly xLabel: string;
  /** Ticks on whole numbers only (epochs). */
  readonly integerX?: boolean;
  /** Counts for tests and screen readers: how many points each series has. */
  readonly counts: (s: TrainState) => string;
}

/**
 * One uPlot chart fed from the controller's store outside React: each update of the curves calls
 * `setData` (uPlot redraws on its own animation frame), so a step never re-renders the panel.
 */
function Chart({ controller, spec, theme }: { controller: TrainController; spec: ChartSpec; theme: string }) {
  const box = useRef<HTMLDivElement>(null);
  const counts = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ink = cssVar('--muted');
    const line = cssVar('--line');
    const axis = { stroke: ink, grid: { stroke: line, width: 0.5 }, ticks: { stroke: line, width: 0.5 } };
    const u = new uPlot(
      {
        width: Math.max(160, el.clientWidth),
        height: 150,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: spec.yRange ? { range: spec.yRange } : { auto: true } },
        axes: [{ ...axis, label: spec.xLabel, labelSize: 16, size: 34, ...(spec.integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}) }, { ...axis, size: 40 }],
        series: [
          {},
          ...spec.series.map((s) => ({
            label: s.label,
            stroke: cssVar(s.color),
            width: s.width ?? 1.5,
            ...(s.dash ? { dash: [4, 3] } : {}),
            points: { show: s.points ?? false, size: 6, fill: cssVar(s.color) },
            spanGaps: true,
          })),
        ],
      },
      spec.data(controller.state.getState()),
      el,
    );
    let version = -1;
    const update = (s: TrainState) => {
      if (s.curveVersion === version) return;
      version = s.curveVersion;
      u.setData(spec.data(s));
      if (counts.current) counts.current.dataset['points'] = spec.counts(s);
    };
    update(controller.state.getState());
    const unsub = controller.state.subscribe(update);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(160, el.clientWidth), height: 150 }));
    ro.observe(el);
    return () => {
      unsub();
      ro.disconnect();
      u.destroy();
    };
    // Rebuilt when the theme or language changes (colours and labels are baked in).
  }, [controller, spec, theme]);
  return (
    <figure className="train-chart" data-testid={spec.testId}>
      <figcaption>
        {spec.title}
        <span ref={counts} data-testid={`${spec.testId}.points`} />
      </figcaption>
      <div ref={box} />
    </figure>
  );
}

/** Loss per step (raw and smoothed) and accuracy per epoch (train and test). */
export function TrainCharts({ controller, theme }: { controller: TrainController; theme: string }) {
  const { t, i18n } = useTranslation();
  const specs = useRef<{ lang: string; loss: ChartSpec; acc: ChartSpec }>(undefined);
  if (!specs.current || specs.current.lang !== i18n.language) {
    specs.current = {
      lang: i18n.language,
      loss: {
        testId: 'train.chart.loss',
        title: t('train.chart.loss'),
        xLabel: t('train.chart.step'),
        series: [
          { label: t('train.chart.raw'), color: '--line', width: 1 },
          { label: t('train.chart.smoothed'), color: '--accent', width: 2 },
        ],
        data: (s) => [s.steps as number[], s.losses as number[], smooth(s.losses)],
        counts: (s) => String(s.losses.length),
      },
      acc: {
        testId: 'train.chart.accuracy',
        title: t('train.chart.accuracy'),
        xLabel: t('train.chart.epoch'),
        integerX: true,
        yRange: [0, 100],
        series: [
          { label: t('train.chart.train'), color: '--muted', points: true, dash: true },
          { label: t('train.chart.test'), color: '--accent', points: true, width: 2 },
        ],
        data: (s) => [s.epochs.map((e) => e.epoch), s.epochs.map((e) => e.trainAccuracy * 100), s.epochs.map((e) => (e.testAccuracy !== undefined ? e.testAccuracy * 100 : null))],
        counts: (s) => String(s.epochs.length),
      },
    };
  }
  return (
    <div className="train-charts">
      <Chart controller={controller} spec={specs.current.loss} theme={theme} />
      <Chart controller={controller} spec={specs.current.acc} theme={theme} />
    </div>
  );
}
