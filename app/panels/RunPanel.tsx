import { useCallback, useMemo, useState } from 'react';
import type { Analysis, EdgeId, NodeId, ResidualDocument } from '../../src/index.ts';
import { preprocess, type RgbaImage } from '../../src/input/index.ts';
import type { BackendChoice, EnvInfo, Timings, WeightSourceMap } from '../runtime/protocol.ts';
import { getRuntime } from '../runtime/runtime.ts';
import { useLiveRun, type LiveResult } from '../runtime/useLiveRun.ts';
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

const ms = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);

function BackendBadge({ result, env }: { result?: LiveResult; env?: EnvInfo }) {
  if (!result) return <span className="run-badge run-dim" data-testid="run.backend.actual">not run yet</span>;
  const wasm = result.backend === 'wasm';
  const detail = wasm
    ? `${env?.wasmThreads ?? '?'} thread${env?.wasmThreads === 1 ? '' : 's'}${env && !env.crossOriginIsolated ? ' (page not cross-origin isolated)' : ''}`
    : (env?.webgpu.description ?? 'GPU') + (env?.webgpu.fallback ? ' · software' : '');
  return (
    <span className={`run-badge ${wasm ? 'run-wasm' : 'run-webgpu'}`} data-testid="run.backend.actual" data-backend={result.backend} title={result.fallbackReason}>
      ran on {wasm ? 'WASM' : 'WebGPU'} · {detail}
    </span>
  );
}

function TimingRow({ t }: { t: Timings }) {
  return (
    <dl className="run-timings" data-testid="run.timings">
      <dt>compile</dt>
      <dd data-testid="run.timings.compile" data-ms={t.compileMs}>
        {ms(t.compileMs)}
        {t.cached ? <span className="run-dim"> (cached)</span> : null}
      </dd>
      <dt>session</dt>
      <dd data-testid="run.timings.session" data-ms={t.sessionMs}>{ms(t.sessionMs)}</dd>
      <dt>first run</dt>
      <dd data-testid="run.timings.first" data-ms={t.firstRunMs}>{ms(t.firstRunMs)}</dd>
      <dt>steady run</dt>
      <dd data-testid="run.timings.steady" data-ms={t.runMs}>{ms(t.runMs)}</dd>
    </dl>
  );
}

function WeightsNote({ sources, doc }: { sources: WeightSourceMap | undefined; doc: ResidualDocument }) {
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
        <span>All weights are fresh (initialised from seed {doc.seed}): predictions are meaningless until trained.</span>
      ) : fresh.length + mixed.length === 0 ? (
        <span>All weights are {kind}.</span>
      ) : (
        <span>
          {real.length} layer{real.length === 1 ? '' : 's'} {kind}; fresh weights in{' '}
          <b data-testid="run.weights.fresh">{[...fresh, ...mixed].map(([id]) => name(id)).join(', ')}</b> (edited since training).
        </span>
      )}
    </div>
  );
}

/**
 * The run panel: the network on the canvas, live. Picks an input, shows predictions, timing and
 * the backend that really ran, and the selected layer's activations from the same run.
 */
export function RunPanel({ doc, analysis, selection }: RunPanelProps) {
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
  const expose = useMemo(() => exposeFor(shown?.tensors), [shown]);
  const live = useLiveRun({ doc, analysis, expose, input: prepared?.tensor, backend });
  const names = useLabelNames(doc.labels);
  const result = live.result;
  const stale = live.stale;

  const allTensors = useMemo(() => {
    const m = new Map(result?.tensors ?? []);
    if (result) m.set('input', { name: 'input', dims: result.input.dims, data: result.input.data });
    return m;
  }, [result]);

  return (
    <section className="run-panel" data-testid="run.panel" data-phase={live.phase}>
      <header className="run-head">
        <h2>Run</h2>
        <label className="run-choice">
          backend{' '}
          <select data-testid="run.backend" value={backend} onChange={(e) => setBackend(e.target.value as BackendChoice)}>
            <option value="auto">auto</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">WASM</option>
          </select>
        </label>
        <span className={`run-phase run-phase-${live.phase}`} data-testid="run.status">
          {live.phase === 'compiling' ? 'compiling…' : live.phase === 'running' ? 'running…' : live.phase === 'waiting' ? '…' : ''}
        </span>
      </header>
      <div className="run-env">
        <BackendBadge result={result} {...(live.env ? { env: live.env } : {})} />
        {result?.fallbackReason && (
          <div className="run-note" data-testid="run.backend.reason">
            {backend === 'auto' ? 'Not WebGPU' : 'WebGPU unavailable, fell back to WASM'}: {result.fallbackReason}
          </div>
        )}
        {live.restarts.count > 0 && (
          <div className="run-error" data-testid="run.restarted">
            The runtime worker {live.restarts.last} — restarted ({live.restarts.count}×). Your document is unaffected.
          </div>
        )}
      </div>

      <InputPicker onPicture={onPicture} {...(prepared ? { view: prepared.view } : {})} {...(picture ? { source: picture.source } : {})} size={{ width: spec.width, height: spec.height }} />

      <div className={`run-result${stale ? ' run-stale' : ''}`} data-testid="run.result" data-stale={stale ? 'true' : 'false'} data-model={result?.model}>
        {stale && (
          <div className="run-stale-reason" data-testid="run.stale.reason" data-code={stale.code}>
            {stale.code && <code>{stale.code}</code>} {stale.reason}
            {result && <span className="run-dim"> — showing the last good result</span>}
          </div>
        )}
        {live.error && (
          <div className="run-error" data-testid="run.error">
            {live.error}
          </div>
        )}
        {result ? (
          <>
            <Predictions logits={result.logits} names={names} />
            <TimingRow t={result.timings} />
            <WeightsNote sources={result.weightSources} doc={doc} />
          </>
        ) : (
          !stale && !live.error && <div className="run-dim">{picture ? 'compiling and running…' : 'waiting for an input…'}</div>
        )}
      </div>

      <Activations label={shown?.label} shown={shown?.tensors ?? []} tensors={allTensors} pending={live.phase !== 'done'} />
      <DebugHooks />
    </section>
  );
}

/** Test hooks for crash/hang recovery (`?runtimeDebug=1`). */
function DebugHooks() {
  if (!new URLSearchParams(location.search).has('runtimeDebug')) return null;
  const send = (action: 'crash' | 'hang') => void getRuntime().request({ type: 'debug', action }).promise.catch(() => undefined);
  return (
    <div className="run-row">
      <button type="button" data-testid="run.debug.crash" onClick={() => send('crash')}>
        crash worker
      </button>
      <button type="button" data-testid="run.debug.hang" onClick={() => send('hang')}>
        hang worker
      </button>
    </div>
  );
}
