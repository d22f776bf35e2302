import { memo, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { ResidualDocument } from '../../../src/index.ts';
import { diagnosticText } from '../../i18n/diagnostics.ts';
import type { DataInfo, TrainSettings } from '../../runtime/train-protocol.ts';
import { useAnalysis, useEditor, useEditorStore } from '../../store/context.tsx';
import { LabEntry } from '../lab/LabView.tsx';
import { TrainCharts } from './TrainCharts.tsx';
import { isRunning, trainControllerOf, trainingKey, type TrainController, type TrainState } from './train-controller.ts';
import './train.css';

const useTrain = <T,>(c: TrainController, pick: (s: TrainState) => T): T => useStore(c.state, useShallow(pick));

/** "1 min 20 s", "45 s". */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** What the data will become for this network's input, or why it cannot train. */
function InputNote({ data, doc }: { data: DataInfo; doc: ResidualDocument }) {
  const { t } = useTranslation();
  const analysis = useAnalysis();
  const error = analysis.diagnostics.find((d) => d.severity === 'error');
  if (error) return <div className="train-note train-bad" data-testid="train.input.cannot">{t('train.input.cannot', { message: diagnosticText(t, error) })}</div>;
  const { channels: c, height: h, width: w } = doc.input;
  const { height: h0, width: w0 } = data.train;
  const how = [h0 !== h || w0 !== w ? t('train.input.resized', { h, w }) : '', c > 1 ? t('train.input.replicated', { c }) : ''].filter(Boolean).join(', ');
  return (
    <div className="train-note" data-testid="train.input" data-fitted={how ? 'true' : 'false'}>
      {how ? t('train.input.fitted', { h0, w0, how, c, h, w }) : t('train.input.same', { c, h, w })}
    </div>
  );
}

function DataRow({ controller, locked }: { controller: TrainController; locked: boolean }) {
  const { t } = useTranslation();
  const { data, loading, error } = useTrain(controller, (s) => ({ data: s.data, loading: s.dataLoading, error: s.dataError }));
  const file = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const open = (files: FileList | null) => {
    if (files?.length) void controller.openFiles([...files]);
  };
  const counts = data ? { train: data.train.count.toLocaleString(), test: data.test ? data.test.count.toLocaleString() : t('train.data.noTest') } : undefined;
  return (
    <div
      className={`train-data${over ? ' train-drop' : ''}`}
      data-testid="train.data"
      onDragOver={(e) => {
        if (locked) return;
        e.preventDefault();
        e.stopPropagation();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        if (!locked) open(e.dataTransfer.files);
      }}
    >
      <div data-testid="train.data.name" data-train={data?.train.count ?? 0} data-test={data?.test?.count ?? 0}>
        {loading ? t('train.data.loading') : data && counts ? (data.name === 'Fashion-MNIST subset' ? t('train.data.subset', counts) : t('train.data.files', { name: data.name, ...counts })) : ''}
      </div>
      <div className="train-row">
        <button type="button" data-testid="train.data.open" disabled={locked || loading} onClick={() => file.current?.click()}>
          {t('train.data.open')}
        </button>
        <span className="muted train-small">{t('train.data.drop')}</span>
        <input ref={file} data-testid="train.data.file" type="file" multiple hidden onChange={(e) => open(e.target.files)} />
      </div>
      {error && (
        <div className="train-bad" data-testid="train.data.error" role="alert">
          {t('train.data.refused', { message: error })}
        </div>
      )}
    </div>
  );
}

function Field({ label, children, id }: { label: string; children: ReactNode; id: string }) {
  return (
    <label className="train-field" data-testid={`train.field.${id}`}>
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A number input that commits a valid value only (an empty or bad entry keeps the last good one). */
function NumberInput({ value, onChange, min, max, step, integer, disabled, id }: { value: number; onChange: (v: number) => void; min: number; max: number; step?: number; integer?: boolean; disabled: boolean; id: string }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  return (
    <input
      type="number"
      data-testid={`train.input.${id}`}
      value={text}
      min={min}
      max={max}
      step={step ?? (integer ? 1 : 'any')}
      disabled={disabled}
      onChange={(e) => {
        setText(e.target.value);
        const v = Number(e.target.value);
        if (e.target.value.trim() !== '' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v))) onChange(v);
      }}
      onBlur={() => setText(String(value))}
    />
  );
}

const Settings = memo(function Settings({ controller, locked }: { controller: TrainController; locked: boolean }) {
  const { t } = useTranslation();
  const s = useTrain(controller, (x) => x.settings);
  const set = (p: Partial<TrainSettings>) => controller.setSettings(p);
  return (
    <div className="train-settings" data-testid="train.settings">
      <Field id="optimizer" label={t('train.field.optimizer')}>
        <select data-testid="train.input.optimizer" value={s.optimizer} disabled={locked} onChange={(e) => set({ optimizer: e.target.value as TrainSettings['optimizer'], lr: e.target.value === 'adamw' ? 1e-3 : 0.05, weightDecay: e.target.value === 'adamw' ? 1e-2 : 5e-4 })}>
          <option value="sgd">{t('train.field.sgd')}</option>
          <option value="adamw">{t('train.field.adamw')}</option>
        </select>
      </Field>
      <Field id="lr" label={t('train.field.lr')}>
        <NumberInput id="lr" value={s.lr} min={1e-8} max={1000} disabled={locked} onChange={(lr) => set({ lr })} />
      </Field>
      <Field id="schedule" label={t('train.field.schedule')}>
        <select data-testid="train.input.schedule" value={s.schedule} disabled={locked} onChange={(e) => set({ schedule: e.target.value as TrainSettings['schedule'] })}>
          <option value="constant">{t('train.field.constant')}</option>
          <option value="step">{t('train.field.step')}</option>
          <option value="cosine">{t('train.field.cosine')}</option>
        </select>
      </Field>
      <Field id="warmup" label={t('train.field.warmup')}>
        <NumberInput id="warmup" value={s.warmupSteps} min={0} max={1e6} integer disabled={locked} onChange={(warmupSteps) => set({ warmupSteps })} />
      </Field>
      <Field id="batch" label={t('train.field.batch')}>
        <NumberInput id="batch" value={s.batch} min={1} max={1024} integer disabled={locked} onChange={(batch) => set({ batch })} />
      </Field>
      <Field id="epochs" label={t('train.field.epochs')}>
        <NumberInput id="epochs" value={s.epochs} min={1} max={1000} integer disabled={locked} onChange={(epochs) => set({ epochs })} />
      </Field>
      <Field id="weightDecay" label={t('train.field.weightDecay')}>
        <NumberInput id="weightDecay" value={s.weightDecay} min={0} max={1} disabled={locked} onChange={(weightDecay) => set({ weightDecay })} />
      </Field>
      <Field id="seed" label={t('train.field.seed')}>
        <NumberInput id="seed" value={s.seed} min={0} max={2 ** 32 - 1} integer disabled={locked} onChange={(seed) => set({ seed })} />
      </Field>
      <Field id="limit" label={t('train.field.limit')}>
        <NumberInput id="limit" value={s.trainLimit} min={0} max={1e7} integer disabled={locked} onChange={(trainLimit) => set({ trainLimit })} />
      </Field>
      <Field id="backend" label={t('train.field.backend')}>
        <select data-testid="train.input.backend" value={s.backend} disabled={locked} onChange={(e) => set({ backend: e.target.value as TrainSettings['backend'] })}>
          <option value="auto">{t('train.field.auto')}</option>
          <option value="wasm">WASM</option>
          <option value="webgpu">WebGPU</option>
        </select>
      </Field>
      <label className="train-check" data-testid="train.field.fresh">
        <input type="checkbox" data-testid="train.input.fresh" checked={s.fresh} disabled={locked} onChange={(e) => set({ fresh: e.target.checked })} /> {t('train.field.fresh')}
      </label>
      <label className="train-check" data-testid="train.field.zeroInit">
        <input type="checkbox" data-testid="train.input.zeroInit" checked={s.zeroInitResidual} disabled={locked || !s.fresh} onChange={(e) => set({ zeroInitResidual: e.target.checked })} /> {t('train.field.zeroInit')}
      </label>
      <label className="train-check" data-testid="train.field.augment">
        <input type="checkbox" data-testid="train.input.augment" checked={s.augment} disabled={locked} onChange={(e) => set({ augment: e.target.checked })} /> {t('train.field.augment')}
      </label>
    </div>
  );
});

/**
 * The settings, folded to one line while a run goes (they are locked then) so that its progress
 * and curves fit beside the canvas; the line says what the run uses, and opens them again.
 */
function SettingsBox({ controller, running }: { controller: TrainController; running: boolean }) {
  const { t } = useTranslation();
  const s = useTrain(controller, (x) => x.settings);
  const [open, setOpen] = useState(true);
  useEffect(() => {
    if (running) setOpen(false);
  }, [running]);
  const summary = t('train.settingsSummary', {
    optimizer: s.optimizer === 'sgd' ? 'SGD' : 'AdamW',
    lr: s.lr,
    schedule: t(`train.field.${s.schedule}`),
    batch: s.batch,
    count: s.epochs,
  });
  return (
    <details className="train-settings-box" data-testid="train.settings.box" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary data-testid="train.settings.toggle">
        <span className="train-settings-title">{t('train.settingsTitle')}</span>
        {!open && <span className="muted train-small"> {summary}</span>}
      </summary>
      <Settings controller={controller} locked={running} />
    </details>
  );
}

/** Step, epoch, images/s and time left; re-rendered alone on progress. */
function Progress({ controller }: { controller: TrainController }) {
  const { t } = useTranslation();
  const { p, phase, started } = useTrain(controller, (s) => ({ p: s.progress, phase: s.phase, started: s.started }));
  if (!p) return phase === 'starting' ? <div className="train-note" data-testid="train.progress">{t('train.starting')}</div> : null;
  const total = p.totalSteps || started?.totalSteps || 1;
  return (
    <div className="train-progress" data-testid="train.progress" data-step={p.step} data-total={total} data-loss={p.loss} data-ips={p.imagesPerSecond}>
      <progress max={total} value={p.step} />
      <div className="train-small">
        {t('train.progress', { step: p.step, total, epoch: p.epoch, epochs: p.epochs, ips: Math.round(p.imagesPerSecond), left: duration(p.secondsLeft) })}
      </div>
    </div>
  );
}

function BackendSentence({ controller }: { controller: TrainController }) {
  const { t } = useTranslation();
  const started = useTrain(controller, (s) => s.started);
  if (!started) return null;
  return (
    <div className="train-note" data-testid="train.backend" data-backend={started.backend}>
      {started.backend === 'webgpu'
        ? t('train.backendSentence.webgpu', { adapter: started.adapter?.description ?? '?' })
        : t('train.backendSentence.wasm', { threads: t('train.backendSentence.threads', { count: started.threads }) })}
      {started.why ? <span className="muted"> · {t('train.backendSentence.why', { why: started.why })}</span> : null}
    </div>
  );
}

function ResumeOffer({ controller, doc }: { controller: TrainController; doc: ResidualDocument }) {
  const { t } = useTranslation();
  const r = useTrain(controller, (s) => s.resumable);
  const key = useMemo(() => trainingKey(doc), [doc]);
  if (!r) return null;
  if (r.docKey !== key)
    return (
      <div className="train-note muted" data-testid="train.resume.other">
        {t('train.resumeDifferent', { step: r.step })}{' '}
        <button type="button" onClick={() => void controller.discardCheckpoint()}>
          {t('train.discard')}
        </button>
      </div>
    );
  return (
    <div className="train-resume" data-testid="train.resume" data-step={r.step}>
      <div>{t('train.resumeOffer', { step: r.step, total: r.totalSteps, epoch: r.epoch })}</div>
      <div className="train-row">
        <button type="button" className="train-primary" data-testid="train.resume.go" onClick={() => void controller.start({ resume: true })}>
          {t('train.resumeButton')}
        </button>
        <button type="button" data-testid="train.resume.discard" onClick={() => void controller.discardCheckpoint()}>
          {t('train.discard')}
        </button>
      </div>
    </div>
  );
}

/** The Train panel: data, settings, start/pause/resume/stop, progress, live curves. */
export function TrainPanel({ visible }: { visible: boolean }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const controller = useMemo(() => trainControllerOf(store), [store]);
  const doc = useEditor((s) => s.doc);
  const theme = useEditor((s) => s.view.theme);
  const { phase, data, message, restarts } = useTrain(controller, (s) => ({ phase: s.phase, data: s.data, message: s.message, restarts: s.restarts }));
  const analysisError = useAnalysis().diagnostics.some((d) => d.severity === 'error');
  useEffect(() => {
    if (visible) void controller.ensureData();
  }, [visible, controller]);
  const running = isRunning(phase);
  const paused = phase === 'paused' || phase === 'pausing';
  return (
    <section className="train-panel" data-testid="train.panel" data-phase={phase} data-restarts={restarts}>
      <header className="run-head">
        <h2>{t('train.title')}</h2>
        <span className={`train-phase train-phase-${phase}`} data-testid="train.status">
          {t(`train.phase.${phase}`)}
        </span>
      </header>
      <LabEntry />
      <DataRow controller={controller} locked={running} />
      {data && <InputNote data={data} doc={doc} />}
      <ResumeOffer controller={controller} doc={doc} />
      <SettingsBox controller={controller} running={running} />
      <div className="train-row train-buttons">
        {!running ? (
          <button type="button" className="train-primary" data-testid="train.start" disabled={!data || analysisError} onClick={() => void controller.start()}>
            {t('train.start')}
          </button>
        ) : paused ? (
          <button type="button" className="train-primary" data-testid="train.resume.run" onClick={() => controller.resume()}>
            {t('train.resume')}
          </button>
        ) : (
          <button type="button" data-testid="train.pause" disabled={phase !== 'training'} onClick={() => controller.pause()}>
            {t('train.pause')}
          </button>
        )}
        <button type="button" data-testid="train.stop" disabled={!running || phase === 'stopping'} onClick={() => controller.stop()}>
          {t('train.stop')}
        </button>
        {new URLSearchParams(location.search).has('trainDebug') && (
          <button type="button" data-testid="train.debug.crash" onClick={() => controller.crashWorker()}>
            {t('train.debugCrash')}
          </button>
        )}
      </div>
      <Progress controller={controller} />
      <BackendSentence controller={controller} />
      {message && (
        <div className={message.kind === 'error' ? 'train-bad' : 'train-good'} data-testid="train.message" data-key={message.key} role={message.kind === 'error' ? 'alert' : 'status'}>
          {t(`train.msg.${message.key}`, message.values ?? {})}
        </div>
      )}
      {visible && <TrainCharts controller={controller} theme={theme} />}
    </section>
  );
}

/** The right column's Run and Train tabs: both stay mounted (the run panel keeps its input), one shows. */
export function SideTabs({ run }: { run: ReactNode }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<'run' | 'train'>('run');
  return (
    <div className="side-tabs">
      <div className="side-tab-bar" role="tablist">
        {(['run', 'train'] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} aria-pressed={tab === k} data-testid={`tab.${k}`} onClick={() => setTab(k)}>
            {t(`train.tab.${k}`)}
          </button>
        ))}
      </div>
      <div className="side-tab" hidden={tab !== 'run'}>
        {run}
      </div>
      <div className="side-tab side-tab-train" hidden={tab !== 'train'}>
        <TrainPanel visible={tab === 'train'} />
      </div>
    </div>
  );
}
