/// <reference lib="webworker" />
/**
 * The runtime worker: the only module that imports onnxruntime-web. It compiles documents with
 * the core compiler (so the page never blocks on it), keeps a small cache of inference sessions
 * keyed by model hash + exposed tensors + backend, runs them, and reports which backend really ran.
 * Requests are served one at a time in arrival order; `cancel` drops a queued request, or the
 * result of the running one.
 */
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { Analysis, Diagnostic, NodeId, ResidualDocument, WeightStore } from '../../src/index.ts';
import { diag } from '../../src/diagnostics/catalogue.ts';
import { msg } from '../../src/diagnostics/messages.ts';
import { FreshWeightCache } from '../../src/weights/fresh-cache.ts';
import { configureOrt, ORT_THREADS, type GpuAdapterLike, type Ort } from './ort-builds.ts';
import { SessionCache } from './session-cache.ts';
import { testGpu, testGpuMode } from './test-gpu.ts';
import { modelKey, sessionKey } from './doc-key.ts';
import { fetchWeights } from './weights-bytes.ts';
import {
  transferables,
  type Backend,
  type BackendChoice,
  type CompileOut,
  type EnvInfo,
  type GpuReason,
  type OutByType,
  type Request,
  type Response,
  type RunOut,
  type WireError,
  type WireTensor,
} from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

/* ---------- the core, loaded lazily (and defensively: a missing module is an error message, not a broken build) ---------- */

interface CompileModule {
  compile(doc: ResidualDocument, opts: { expose?: readonly string[]; weights?: WeightStore; analysis?: Analysis; freshWeights?: FreshWeightCache; output?: (bytes: number) => Uint8Array }): {
    bytes?: Uint8Array;
    diagnostics: readonly Diagnostic[];
    weightSources?: ReadonlyMap<NodeId, 'fresh' | 'imported' | 'trained' | 'mixed'>;
    outputs?: readonly string[];
    timings?: { readonly lowerMs: number; readonly passesMs: number; readonly serializeMs: number };
  };
}
interface SafetensorsModule {
  decodeSafetensors(bytes: Uint8Array): { store?: WeightStore; diagnostics: readonly Diagnostic[] };
}
const compileModules = import.meta.glob<CompileModule>('../../src/onnx/compile.ts');
const weightModules = import.meta.glob<SafetensorsModule>('../../src/weights/safetensors.ts');

async function loadCore<T>(mods: Record<string, () => Promise<T>>, what: string): Promise<T> {
  const load = Object.values(mods)[0];
  if (!load) throw fail('internal', `${what} is not available in this build`);
  return load();
}

/* ---------- environment ---------- */

interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}


/*
 * Two builds. WASM sessions use the plain WASM build (statically imported): its binary is half
 * the size of the WebGPU-capable one (14 vs 28 MB, so V8 compiles and tiers it up in half the
 * time) and, unlike that one, is not instrumented with Asyncify, which slows every WASM call.
 * The WebGPU-capable build (JSEP) is loaded only when a WebGPU session is actually attempted.
 */
configureOrt(ort, wasmUrl);
let gpuOrt: Promise<Ort> | undefined;
let gpuAdapter: unknown;
function loadGpuOrt(): Promise<Ort> {
  gpuOrt ??= Promise.all([import('onnxruntime-web'), import('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url')]).then(([m, u]) => {
    const g = configureOrt(m as unknown as Ort, u.default);
    // ORT creates its device from this very adapter, so what we probed is what runs.
    (g.env.webgpu as { adapter: unknown }).adapter = gpuAdapter;
    return g;
  });
  gpuOrt.catch(() => (gpuOrt = undefined));
  return gpuOrt;
}

/** Test-only (see test-gpu.ts): undefined unless the page was opened with `?testGpu=<mode>`. */
const TEST_GPU = testGpuMode(self.name);

let gpuProbe: Promise<EnvInfo['webgpu']> | undefined;
function probeGpu(): Promise<EnvInfo['webgpu']> {
  gpuProbe ??= (async () => {
    const gpu = testGpu(TEST_GPU, (navigator as unknown as { gpu?: GpuLike }).gpu);
    if (!gpu) return { available: false, reason: gpuReason('no-webgpu') };
    try {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) return { available: false, reason: gpuReason('no-adapter') };
      const info = adapter.info ?? {};
      const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
      const fallback = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || /swiftshader/i.test(description);
      gpuAdapter = adapter;
      return { available: true, fallback, description };
    } catch (e) {
      return { available: false, reason: gpuReason('adapter-failed', (e as Error).message) };
    }
  })();
  return gpuProbe;
}

async function envInfo(): Promise<EnvInfo> {
  return {
    crossOriginIsolated: self.crossOriginIsolated,
    wasmThreads: ORT_THREADS,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
    webgpu: await probeGpu(),
    ortVersion: ort.env.versions.web ?? ort.env.versions.common,
  };
}

/* ---------- sessions ---------- */

interface Entry {
  /** The build that made the session: its tensors are the ones the session accepts. */
  readonly ort: Ort;
  readonly session: ort.InferenceSession;
  readonly backend: Backend;
  runs: number;
  readonly out: Omit<CompileOut, 'cached' | 'timings'>;
  /** How long compiling and creating this session took when it was made. */
  readonly timings: CompileOut['timings'];
  /** Made by a prefetch and not yet asked for by the live loop; with the stages of making it. */
  prefetched?: Stages;
  /** Size of the model file (what the session holds, roughly), for the cache's budget. */
  readonly bytes: number;
}
const sessions = new SessionCache<Entry>();
const touch = (key: string) => sessions.touch(key);
const release = async (gone: readonly Entry[]) => {
  for (const e of gone) await e.session.release();
};

/** Creates a session for a model of `bytes`, first releasing the cached ones it would not fit beside. */
async function createCached(bytes: Uint8Array, choice: BackendChoice) {
  await release(sessions.makeRoom(bytes.byteLength));
  return createSession(bytes, choice);
}

async function remember(key: string, e: Entry) {
  await release(sessions.remember(key, e));
}

const fail = (kind: WireError['kind'], message: string, diagnostics?: readonly Diagnostic[]): WireError & Error =>
  Object.assign(new Error(message), { kind, ...(diagnostics ? { diagnostics } : {}) });

/** English sentences of the reasons (the page shows its own translation of the id). */
const GPU_REASONS: Record<GpuReason['id'], (detail: string) => string> = {
  'no-webgpu': () => 'this browser offers no WebGPU',
  'no-adapter': () => 'no WebGPU adapter',
  'adapter-failed': (d) => `requestAdapter failed: ${d}`,
  'software-adapter': (d) => `software WebGPU adapter (${d}) is slower than WASM; force WebGPU to use it`,
  'session-failed': (d) => `WebGPU session failed: ${d}`,
  'no-device': () => 'WebGPU backend did not initialise a device',
};
const gpuReason = (id: GpuReason['id'], detail?: string): GpuReason => ({ id, ...(detail !== undefined ? { detail } : {}), message: GPU_REASONS[id](detail ?? '') });

/** Creates a session, honestly: WebGPU alone first (so a failure is visible), then WASM. */
async function createSession(bytes: Uint8Array, choice: BackendChoice): Promise<{ ort: Ort; session: ort.InferenceSession; backend: Backend; fallbackReason?: GpuReason }> {
  let reason: GpuReason | undefined;
  if (choice !== 'wasm') {
    const gpu = await probeGpu();
    if (!gpu.available) reason = gpu.reason;
    else if (choice === 'auto' && gpu.fallback) reason = gpuReason('software-adapter', gpu.description ?? 'unknown adapter');
    else {
      try {
        const g = await loadGpuOrt();
        const session = await g.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
        // The device exists only if the WebGPU backend really initialised.
        const device = TEST_GPU === 'no-device' ? undefined : await Promise.race([g.env.webgpu.device, new Promise((r) => setTimeout(() => r(undefined), 2000))]);
        if (device) return { ort: g, session, backend: 'webgpu' };
        await session.release();
        reason = gpuReason('no-device');
      } catch (e) {
        reason = gpuReason('session-failed', (e as Error).message);
      }
    }
  }
  try {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    return { ort, session, backend: 'wasm', ...(choice === 'wasm' || !reason ? {} : { fallbackReason: reason }) };
  } catch (e) {
    throw fail('session', `onnxruntime could not load the model: ${(e as Error).message}`);
  }
}

/* ---------- weights ---------- */

/** Fresh weights of earlier compiles: an edit regenerates only the tensors it changed. */
const freshWeights = new FreshWeightCache();

const weightCache = new Map<string, Promise<WeightStore | undefined>>();
function loadWeights(url: string): Promise<WeightStore | undefined> {
  let p = weightCache.get(url);
  if (!p) {
    p = (async () => {
      let bytes: Uint8Array;
      try {
        bytes = await fetchWeights(url);
      } catch (e) {
        throw fail('compile', (e as Error).message);
      }
      const { decodeSafetensors } = await loadCore(weightModules, 'the safetensors reader');
      const r = decodeSafetensors(bytes);
      if (!r.store) throw fail('compile', `weights ${url}: ${r.diagnostics[0]?.message ?? 'unreadable'}`, r.diagnostics);
      return r.store;
    })();
    p.catch(() => weightCache.delete(url));
    weightCache.set(url, p);
  }
  return p;
}

/* ---------- handlers ---------- */

/** Named parts of the request being served, in ms (reported in its {@link WorkerSpan}). */
type Stages = Record<string, number>;

async function handleCompile(req: Extract<Request, { type: 'compile' }>, stages: Stages): Promise<CompileOut> {
  const tk = performance.now();
  const key = sessionKey(modelKey(req.doc), req.expose, req.backend);
  stages['key'] = performance.now() - tk;
  const hit = touch(key);
  if (hit?.prefetched && !req.prefetch) {
    // Compiled for this very request, only earlier: report it as such, with how it went.
    Object.assign(stages, hit.prefetched, { prefetched: 1 });
    hit.prefetched = undefined;
    return { ...hit.out, cached: false, timings: hit.timings };
  }
  if (hit) return { ...hit.out, cached: true, timings: hit.timings };
  const t0 = performance.now();
  const { compile } = await loadCore(compileModules, 'the compiler');
  const url = req.weightsUrl ?? req.doc.weights?.uri;
  let weights: WeightStore | undefined;
  let weightNote: Diagnostic | undefined;
  if (url) {
    try {
      weights = await loadWeights(url);
    } catch (e) {
      weightNote = { ...diag('RS504', msg('weights-not-loaded', { error: (e as Error).message })), severity: 'warning' };
    }
  }
  freshWeights.resetCounts();
  // The file goes into one of the cache's two buffers: onnxruntime copies it when it creates the
  // session, and nothing here keeps it longer.
  const r = compile(req.doc, { expose: req.expose, freshWeights, output: (n) => freshWeights.output(n), ...(weights ? { weights } : {}) });
  const compileMs = performance.now() - t0;
  if (r.timings) Object.assign(stages, { lower: r.timings.lowerMs, serialize: r.timings.serializeMs });
  const diagnostics = weightNote ? [...r.diagnostics, weightNote] : r.diagnostics;
  if (!r.bytes) {
    const first = r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0];
    throw fail('compile', first?.message ?? 'the document does not compile', diagnostics);
  }
  const t1 = performance.now();
  const { ort: made, session, backend, fallbackReason } = await createCached(r.bytes, req.backend);
  const sessionMs = performance.now() - t1;
  stages['session'] = sessionMs;
  const out: Omit<CompileOut, 'cached' | 'timings'> = {
    key,
    backend,
    ...(fallbackReason ? { fallbackReason } : {}),
    outputs: session.outputNames,
    diagnostics,
    ...(r.weightSources ? { weightSources: Object.fromEntries(r.weightSources) as CompileOut['weightSources'] } : {}),
  };
  const timings = { compileMs, sessionMs };
  await remember(key, { ort: made, session, backend, runs: 0, out, timings, bytes: r.bytes.byteLength, ...(req.prefetch ? { prefetched: { ...stages } } : {}) });
  return { ...out, cached: false, timings };
}

async function handleLoad(req: Extract<Request, { type: 'load' }>): Promise<CompileOut> {
  const key = `${req.key}|${req.backend}`;
  const hit = touch(key);
  if (hit) return { ...hit.out, cached: true, timings: hit.timings };
  const t1 = performance.now();
  const { ort: made, session, backend, fallbackReason } = await createCached(req.bytes, req.backend);
  const sessionMs = performance.now() - t1;
  const out = { key, backend, ...(fallbackReason ? { fallbackReason } : {}), outputs: session.outputNames, diagnostics: [] };
  await remember(key, { ort: made, session, backend, runs: 0, out, timings: { sessionMs }, bytes: req.bytes.byteLength });
  return { ...out, cached: false, timings: { sessionMs } };
}

async function handleRun(req: Extract<Request, { type: 'run' }>, stages: Stages): Promise<RunOut> {
  const e = touch(req.key);
  if (!e) throw fail('run', 'no session for this model (it was evicted or the worker restarted); compile again');
  const input = new e.ort.Tensor('float32', req.input.data, [...req.input.dims]);
  const t0 = performance.now();
  let res: ort.InferenceSession.OnnxValueMapType;
  try {
    const feeds = { [e.session.inputNames[0] ?? 'input']: input };
    res = req.fetch ? await e.session.run(feeds, [...req.fetch]) : await e.session.run(feeds);
  } catch (err) {
    throw fail('run', `inference failed: ${(err as Error).message}`);
  }
  const ms = performance.now() - t0;
  stages['run'] = ms;
  const first = e.runs === 0;
  e.runs++;
  const outputs: WireTensor[] = [];
  for (const [name, t] of Object.entries(res)) {
    const d = t.data;
    if (!(d instanceof Float32Array)) continue;
    // Own, unshared buffers only: those can be transferred without copying again.
    const own = d.buffer instanceof ArrayBuffer && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength;
    outputs.push({ name, dims: [...t.dims], data: own ? d : d.slice() });
  }
  return { outputs, backend: e.backend, first, timings: first ? { firstRunMs: ms } : { runMs: ms } };
}

/* ---------- the queue ---------- */

const queue: Request[] = [];
/** When each queued request arrived (epoch ms), for its span. */
const arrived = new Map<number, number>();
const now = () => performance.timeOrigin + performance.now();
let running: number | undefined;
const cancelled = new Set<number>();
let pumping = false;

function post(msg: Response, transfer: Transferable[] = []) {
  self.postMessage(msg, transfer);
}

async function serve(req: Request, stages: Stages): Promise<OutByType[keyof OutByType]> {
  switch (req.type) {
    case 'probe':
      return envInfo();
    case 'compile':
      return handleCompile(req, stages);
    case 'load':
      return handleLoad(req);
    case 'run':
      return handleRun(req, stages);
    case 'dispose': {
      const keys = req.key ? [req.key] : sessions.keys();
      await release(sessions.remove(req.key));
      return { disposed: keys.length };
    }
    default:
      throw fail('internal', `unknown request ${(req as { type: string }).type}`);
  }
}

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length) {
      const req = queue.shift()!;
      running = req.id;
      const received = arrived.get(req.id) ?? now();
      arrived.delete(req.id);
      const started = now();
      const stages: Stages = {};
      try {
        let out = await serve(req, stages);
        if (req.type === 'compile' || req.type === 'run') out = { ...(out as CompileOut | RunOut), span: { received, started, finished: now(), stages } };
        if (cancelled.delete(req.id)) post({ type: 'error', id: req.id, err: { kind: 'cancelled', message: 'superseded by a newer request' } });
        else post({ type: 'result', id: req.id, out }, req.type === 'run' ? transferables((out as RunOut).outputs) : []);
      } catch (e) {
        const err = e as Partial<WireError> & Error;
        const wire: WireError = cancelled.delete(req.id)
          ? { kind: 'cancelled', message: 'superseded by a newer request' }
          : { kind: err.kind ?? 'internal', message: err.message || String(e), ...(err.diagnostics ? { diagnostics: err.diagnostics } : {}) };
        post({ type: 'error', id: req.id, err: wire });
      } finally {
        running = undefined;
      }
    }
  } finally {
    pumping = false;
  }
}

function onMessage(ev: MessageEvent<Request>) {
  const req = ev.data;
  if (req.type === 'cancel') {
    const i = queue.findIndex((q) => q.id === req.target);
    if (i >= 0) {
      queue.splice(i, 1);
      arrived.delete(req.target);
      post({ type: 'error', id: req.target, err: { kind: 'cancelled', message: 'cancelled before it started' } });
    } else if (running === req.target) cancelled.add(req.target);
    post({ type: 'result', id: req.id, out: { cancelled: i >= 0 || running === req.target } });
    return;
  }
  if (req.type === 'debug') {
    post({ type: 'result', id: req.id, out: {} });
    if (req.action === 'crash') {
      setTimeout(() => {
        throw new Error('runtime worker crashed (debug)');
      });
    } else {
      setTimeout(() => {
        const end = Date.now() + 3_600_000;
        while (Date.now() < end) {
          /* hang: the client must notice and restart us */
        }
      });
    }
    return;
  }
  arrived.set(req.id, now());
  queue.push(req);
  void pump();
}

// onnxruntime's WASM threads may load this same module in a worker named "em-pthread" when the
// app is bundled; they must not serve requests.
if (self.name !== 'em-pthread') {
  self.addEventListener('message', onMessage);
  post({ type: 'ready' });
}
