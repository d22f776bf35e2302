import { useCallback, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Analysis, Diagnostic, EdgeId, NodeId, ResidualDocument } from '../../src/index.ts';
import { preprocess, type RgbaImage } from '../../src/input/index.ts';
import type { TFunction } from 'i18next';
import { diagnosticText } from '../i18n/diagnostics.ts';
import type { BackendChoice, EnvInfo, GpuReason, Timings, WeightSourceMap } from '../runtime/protocol.ts';
import { compilePrefetch, getRuntime } from '../runtime/runtime.ts';
import { useEditorStore } from '../store/context.tsx';
import { useLiveRun, type LiveResult } from '../runtime/useLiveRun.ts';
import { useSettled } from '../runtime/settle.ts';
import { recordShown } from '../runtime/live-trace.ts';
import { Activations } from './run/Activations.tsx';
import { InputPicker, type PictureSource } from './run/InputPicker.tsx';
import { Predictions, useLabelNames } from './run/Predictions.tsx';
import { exposeFor, tensorsForSelection } from './run/selection-tensors.ts';
import './run/run.css';

/** Props the editor passes to the run panel (owned by the live-execution work). */
export interface RunPanelProps {
  readonly doc: ResidualDocument;
  readonly analysis: Analysis;
  readonly selection: { readonly nodeId?: NodeId; readonly edgeId?: EdgeId };
}

/** Why WebGPU was not used, in the UI language. */
const gpuReasonText = (t: TFunction, r: GpuReason): string => t(`run.gpuReason.${r.id}`, { detail: r.detail ?? '', defaultValue: r.message });

const ms = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? `${v.toFixed(1)}\u00a0ms` : `${Math.round(v)}\u00a0ms`);

function BackendBadge({ result, env }: { result?: LiveResult; env?: EnvInfo }) {
  const { t } = useTranslation();
  if (!result) return <span className="run-badge run-dim" data-testid="run.backend.actual">{t('run.badge.notRun')}</span>;
  const wasm = result.backend === 'wasm';
  const detail = wasm
    ? (env?.wasmThreads === undefined ? t('run.badge.threadsUnknown') : t('run.badge.threads', { count: env.wasmThreads })) + (env && !env.crossOriginIsolated ? t('run.badge.notIsolated') : '')
    : (env?.webgpu.description ?? t('run.badge.gpu')) + (env?.webgpu.fallback ? t('run.badge.software') : '');
  return (
    <span className={`run-badge ${wasm ? 'run-wasm' : 'run-webgpu'}`} data-testid="run.backend.actual" data-backend={result.backend} {...(result.fallbackReason ? { title: gpuReasonText(t, result.fallbackReason) } : {})}>
      {t('run.badge.ranOn', { backend: wasm ? 'WASM' : 'WebGPU', detail })}
    </span>
  );
}

function TimingRow({ t: timings }: { t: Timings }) {
  const { t } = useTranslation();
  return (
    <dl className="run-timings" data-testid="run.timings">
      <dt>{t('run.timings.compile')}</dt>
      <dd data-testid="run.timings.compile" data-ms={timings.compileMs}>
        {ms(timings.compileMs)}
        {timings.cached ? <span className="run-dim">{t('run.timings.cached')}</span> : null}
      </dd>
      <dt>{t('run.timings.session')}</dt>
      <dd data-testid="run.timings.session" data-ms={timings.sessionMs}>{ms(timings.sessionMs)}</dd>
      <dt>{t('run.timings.first')}</dt>
      <dd data-testid="run.timings.first" data-ms={timings.firstRunMs}>{ms(timings.firstRunMs)}</dd>
      <dt>{t('run.timings.steady')}</dt>
      <dd data-testid="run.timings.steady" data-ms={timings.runMs}>{ms(timings.runMs)}</dd>
    </dl>
  );
}

function WeightsNote({ sources, doc }: { sources: WeightSourceMap | undefined; doc: ResidualDocument }) {
  const { t } = useTranslation();
  if (!sources) return null;
  const entries = Object.entries(sources);
  const real = entries.filter(([, s]) => s === 'trained' || s === 'imported');
  const fresh = entries.filter(([, s]) => s === 'fresh');
  const mixed = entries.filter(([, s]) => s === 'mixed');
  const name = (id: string) => doc.nodes.find((n) => n.id === id)?.name ?? id;
  const kind = real.some(([, s]) => s === 'trained') ? 'trained' : 'imported';
  return (
    <div className="run-weights" data-testid="run.weights" data-real={real.length} data-fresh={fresh.length}>
      {real.length === 0 ? (
        <span>{t('run.weights.allFresh', { seed: doc.seed })}</span>
      ) : fresh.length + mixed.length === 0 ? (
        <span>{t(kind === 'trained' ? 'run.weights.allTrained' : 'run.weights.allImported')}</span>
      ) : (
        <span>
          {t(kind === 'trained' ? 'run.weights.someTrained' : 'run.weights.someImported', { count: real.length })}{' '}
          <b data-testid="run.weights.fresh">{[...fresh, ...mixed].map(([id]) => name(id)).join(', ')}</b> {t('run.weights.editedSince')}
        </span>
      )}
    </div>
  );
}

/**
 * Warnings about the run as a whole (the trained weights could not be loaded, say); those about a
 * node or an edge are pinned on the canvas already.
 */
function ModelWarnings({ warnings }: { warnings: readonly Diagnostic[] }) {
  const { t } = useTranslation();
  const model = warnings.filter((d) => !d.nodeId && !d.edgeId);
  if (model.length === 0) return null;
  return (
    <ul className="run-warnings" data-testid="run.warnings">
      {model.map((d, i) => (
        <li key={i}>
          <code>{d.code}</code> {diagnosticText(t, d)}
        </li>
      ))}
    </ul>
  );
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The run panel: the network on the canvas, live. Picks an input, shows predictions, timing and
 * the backend that really ran, and the selected layer's activations from the same run.
 */
export function RunPanel({ doc, analysis, selection }: RunPanelProps) {
  const { t } = useTranslation();
  const [picture, setPicture] = useState<{ img: RgbaImage; source: PictureSource }>();
  const [backend, setBackend] = useState<BackendChoice>(() => {
    const q = new URLSearchParams(location.search).get('backend');
    return q === 'webgpu' || q === 'wasm' ? q : 'auto';
  });
  const onPicture = useCallback((img: RgbaImage, source: PictureSource) => setPicture({ img, source }), []);
  const spec = doc.input;
  const prepared = useMemo(() => {
    if (!picture) return undefined;
    try {
      return preprocess(picture.img, spec);
    } catch {
      return undefined;
    }
  }, [picture, spec]);
  const shown = useMemo(() => tensorsForSelection(doc, analysis, selection), [doc, analysis, selection]);
  // The selected layer's tensors are fetched once the selection has settled (not mid-drag).
  const expose = useSettled(
    useMemo(() => exposeFor(shown?.tensors), [shown]),
    250,
    sameList,
  );
  // The panel follows the document one render behind; the compile of an edit starts at the edit.
  const store = useEditorStore();
  useEffect(() => store.subscribe((s, prev) => void (s.doc !== prev.doc && compilePrefetch.changed(s.doc))), [store]);
  const live = useLiveRun({ doc, analysis, expose, input: prepared?.tensor, backend });
  const names = useLabelNames(doc.labels);
  const result = live.result;
  const stale = live.stale;
  // The result is in the DOM: the trace of its run is complete (the steady rerun keeps it).
  const trace = result?.trace;
  useLayoutEffect(() => {
    if (trace) recordShown(trace);
  }, [trace]);

  const allTensors = useMemo(() => {
    const m = new Map(result?.tensors ?? []);
    if (result) m.set('input', { name: 'input', dims: result.input.dims, data: result.input.data });
    return m;
  }, [result]);

  return (
    <section className="run-panel" data-testid="run.panel" data-phase={live.phase} data-busy={live.busy ? 'true' : 'false'}>
      <header className="run-head">
        <h2>{t('run.title')}</h2>
        <label className="run-choice">
          {t('run.backend')}{' '}
          <select data-testid="run.backend" value={backend} onChange={(e) => setBackend(e.target.value as BackendChoice)}>
            <option value="auto">{t('run.backendAuto')}</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">WASM</option>
          </select>
        </label>
        <span className={`run-phase run-phase-${live.phase}`} data-testid="run.status">
          {live.phase === 'compiling' ? t('run.phase.compiling') : live.phase === 'running' ? t('run.phase.running') : live.phase === 'waiting' ? t('run.phase.waiting') : ''}
        </span>
      </header>
      <div className="run-env">
        <BackendBadge result={result} {...(live.env ? { env: live.env } : {})} />
        {result?.fallbackReason && (
          <div className="run-note" data-testid="run.backend.reason">
            {t(backend === 'auto' ? 'run.fallback.auto' : 'run.fallback.forced', { reason: gpuReasonText(t, result.fallbackReason) })}
          </div>
        )}
        {live.restarts.count > 0 && (
          <div className="run-error" data-testid="run.restarted">
            {t('run.restarted', { last: live.restarts.last ? t(`run.restartReason.${live.restarts.last.reason}`, { message: live.restarts.last.message }) : '', n: live.restarts.count })}
          </div>
        )}
      </div>

      {/* The result first: while a node is edited, its prediction stays in view above the input. */}
      <div className={`run-result${stale ? ' run-stale' : ''}`} data-testid="run.result" data-stale={stale ? 'true' : 'false'} data-model={result?.model}>
        {stale && (
          <div className="run-stale-reason" data-testid="run.stale.reason" data-code={stale.code}>
            {stale.code && <code>{stale.code}</code>} {stale.diagnostic ? diagnosticText(t, stale.diagnostic) : stale.reason}
            {result && <span className="run-dim">{t('run.stale.lastGood')}</span>}
          </div>
        )}
        {live.error && (
          <div className="run-error" data-testid="run.error">
            {t(`run.error.${live.error.kind}`, { message: live.error.message })}
          </div>
        )}
        {result ? (
          <>
            <Predictions logits={result.logits} names={names} />
            <TimingRow t={result.timings} />
            <WeightsNote sources={result.weightSources} doc={doc} />
            <ModelWarnings warnings={result.warnings} />
          </>
        ) : (
          !stale && !live.error && <div className="run-dim">{picture ? t('run.compilingAndRunning') : t('run.waitingInput')}</div>
        )}
      </div>

      <InputPicker onPicture={onPicture} {...(prepared ? { view: prepared.view } : {})} {...(picture ? { source: picture.source } : {})} size={{ width: spec.width, height: spec.height }} />

      <Activations label={shown?.label} shown={shown?.tensors ?? []} tensors={allTensors} pending={live.phase !== 'done'} />
      <DebugHooks />
    </section>
  );
}

/** Test hooks for crash/hang recovery (`?runtimeDebug=1`). */
function DebugHooks() {
  const { t } = useTranslation();
  if (!new URLSearchParams(location.search).has('runtimeDebug')) return null;
  const send = (action: 'crash' | 'hang') => void getRuntime().request({ type: 'debug', action }).promise.catch(() => undefined);
  return (
    <div className="run-row">
      <button type="button" data-testid="run.debug.crash" onClick={() => send('crash')}>
        {t('run.debug.crash')}
      </button>
      <button type="button" data-testid="run.debug.hang" onClick={() => send('hang')}>
        {t('run.debug.hang')}
      </button>
    </div>
  );
}
