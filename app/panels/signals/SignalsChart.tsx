import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ResidualDocument } from '../../../src/index.ts';
import { byWeightedLayer, type LayerSignals } from '../../../src/lab/layer-signals.ts';
import { modelKey } from '../../runtime/doc-key.ts';
import type { SignalsOut } from '../../runtime/signals-protocol.ts';
import { signalsClient } from '../../runtime/signals-client.ts';
import './signals.css';

/** The images the signals are measured on (the first of the shipped test set). */
const BATCH = 32;

const cache = new Map<string, Promise<SignalsOut>>();
/** One measurement per network and weights (fresh weights depend on the seed). */
function measure(doc: ResidualDocument): Promise<SignalsOut> {
  const key = `${modelKey({ ...doc, weights: undefined })}|${doc.seed}|${doc.weights?.sha256 ?? 'fresh'}`;
  let p = cache.get(key);
  if (!p) {
    p = signalsClient().measure(doc, BATCH);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

type Metric = 'grad' | 'std';

function LogChart({ metric, plain, residual, labels, theme, height }: { metric: Metric; plain: LayerSignals; residual: LayerSignals; labels: { title: string; x: string; plain: string; residual: string }; theme: string; height: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const n = Math.max(plain.names.length, residual.names.length);
    const pick = (s: LayerSignals) => Array.from({ length: n }, (_, i) => {
      const v = metric === 'grad' ? s.gradNorm[i] : s.actStd[i];
      return v !== undefined && v !== null && v > 0 ? v : null;
    });
    const data: uPlot.AlignedData = [Array.from({ length: n }, (_, i) => i + 1), pick(plain), pick(residual)];
    // Built a frame later: the theme's colours are on the root element only once the app's effect
    // has set them, which runs after this one.
    let u: uPlot | undefined;
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
          scales: { x: { time: false }, y: { distr: 3, log: 10 } },
          axes: [{ ...axis, label: labels.x, labelSize: 16, size: 34 }, { ...axis, size: 52 }],
          series: [
            {},
            { label: labels.plain, stroke: cssVar('--lab-plain'), width: 2, points: { show: n <= 40, size: 4, fill: cssVar('--lab-plain') }, spanGaps: true },
            { label: labels.residual, stroke: cssVar('--lab-residual'), width: 2, points: { show: n <= 40, size: 4, fill: cssVar('--lab-residual') }, spanGaps: true },
          ],
        },
        data,
        el,
      );
      ro = new ResizeObserver(() => u!.setSize({ width: Math.max(220, el.clientWidth), height }));
      ro.observe(el);
    });
    return () => {
      cancelAnimationFrame(raf);
      ro?.disconnect();
      u?.destroy();
    };
  }, [metric, plain, residual, labels, theme, height]);
  return (
    <figure className="signals-chart" data-testid={`signals.${metric}`} data-layers={plain.names.length}>
      <figcaption>{labels.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

/**
 * Signals at initialisation for a plain and a residual net: per weighted layer, the gradient norm
 * of its weight (backward) and the standard deviation of its activation (forward), on a log
 * scale, both nets overlaid. Measured in a worker (`signals.worker.ts`) on one batch of the shipped
 * Fashion-MNIST test images with each network's own weights (fresh from its seed if it has none).
 * Any two documents whose input the pictures can be fitted to.
 */
export function SignalsChart({ plain, residual, metric = 'both', theme, height = 170 }: { plain: ResidualDocument; residual: ResidualDocument; metric?: Metric | 'both'; theme?: string; height?: number }) {
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<{ status: 'loading' } | { status: 'ready'; plain: LayerSignals; residual: LayerSignals; loss: [number, number] } | { status: 'error'; message: string }>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    Promise.all([measure(plain), measure(residual)]).then(
      ([p, r]) => live && setState({ status: 'ready', plain: byWeightedLayer(p.activations, p.gradients), residual: byWeightedLayer(r.activations, r.gradients), loss: [p.loss, r.loss] }),
      (e: Error) => live && setState({ status: 'error', message: e.message }),
    );
    return () => {
      live = false;
    };
  }, [plain, residual]);
  const labels = useRef<{ lang: string; grad: { title: string; x: string; plain: string; residual: string }; std: { title: string; x: string; plain: string; residual: string } }>(undefined);
  if (!labels.current || labels.current.lang !== i18n.language) {
    const common = { x: t('signals.layer'), plain: t('signals.plain'), residual: t('signals.residual') };
    labels.current = { lang: i18n.language, grad: { title: t('signals.grad'), ...common }, std: { title: t('signals.std'), ...common } };
  }
  const metrics: Metric[] = metric === 'both' ? ['grad', 'std'] : [metric];
  return (
    <div className="signals" data-testid="signals" data-state={state.status}>
      {state.status === 'loading' && <div className="signals-note">{t('signals.loading')}</div>}
      {state.status === 'error' && (
        <div className="signals-bad" role="alert">
          {t('signals.failed', { message: state.message })}
        </div>
      )}
      {state.status === 'ready' && (
        <>
          <div className="signals-charts">
            {metrics.map((m) => (
              <LogChart key={m} metric={m} plain={state.plain} residual={state.residual} labels={labels.current![m]} theme={theme ?? ''} height={height} />
            ))}
          </div>
          <div className="signals-note" data-testid="signals.note">
            {t('signals.note', { batch: BATCH, first: state.plain.gradNorm[0]!.toExponential(1), firstRes: state.residual.gradNorm[0]!.toExponential(1) })}
          </div>
        </>
      )}
    </div>
  );
}
