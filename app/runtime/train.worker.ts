/// <reference lib="webworker" />
/**
 * The training worker: runs a training step file (one ONNX graph doing forward, loss, backward
 * and the optimiser's update; see `src/train/options.ts`) in onnxruntime-web as an inference
 * session, step after step, feeding every `<name>.next` back as `<name>`. WASM by default; on
 * WebGPU the state tensors stay in GPU buffers between steps (`preferredOutputLocation:
 * 'gpu-buffer'` for the `.next` outputs, those tensors fed back as they are), so a step moves
 * only the batch in and the loss out. Protocol in `train-protocol.ts`; one session at a time.
 *
 * It loads onnxruntime-web the way `runtime.worker.ts` does (plain WASM build statically, the
 * JSEP build only when WebGPU is asked for, binaries by `?url`); see app/runtime/README.md.
 */
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { WireError, WireTensor } from './protocol.ts';
import { configureOrt, ORT_THREADS, type GpuAdapterLike, type Ort } from './ort-builds.ts';
import { parseMissingKernels, parsePlacement, warningLines } from './ort-log.ts';
import type { AdapterInfo, TrainBackend, TrainOpenOut, TrainOutByType, TrainRequest, TrainResponse, TrainStepsOut } from './train-protocol.ts';
import { TrainDriver } from './train-run.ts';

declare const self: DedicatedWorkerGlobalScope;

/* ---------- onnxruntime's log, captured when asked (where it says it placed each node) ---------- */

// Installed before onnxruntime's WASM module starts: Emscripten binds console's functions then.
const captured: string[] = [];
let capturing = false;
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    if (capturing) captured.push(args.map(String).join(' '));
    else original(...args);
  };
}

/* ---------- the two onnxruntime-web builds ---------- */

configureOrt(ort, wasmUrl);

let gpuOrt: Promise<{ ort: Ort; adapter: AdapterInfo }> | undefined;
/** The JSEP build (WebGPU-capable), handed the adapter we asked for ourselves, so what we report is what runs. */
function loadGpuOrt(): Promise<{ ort: Ort; adapter: AdapterInfo }> {
  gpuOrt ??= (async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(o?: object): Promise<GpuAdapterLike | null> } }).gpu;
    if (!gpu) throw fail('session', 'this browser offers no WebGPU');
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw fail('session', 'no WebGPU adapter');
    const info = adapter.info ?? {};
    const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
    const fallback = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || /swiftshader/i.test(description);
    const [m, u] = await Promise.all([import('onnxruntime-web'), import('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url')]);
    const g = configureOrt(m as unknown as Ort, u.default);
    (g.env.webgpu as { adapter: unknown }).adapter = adapter;
    return { ort: g, adapter: { description, fallback } };
  })();
  gpuOrt.catch(() => (gpuOrt = undefined));
  return gpuOrt;
}

/* ---------- the open step ---------- */

interface Open {
  readonly ort: Ort;
  readonly session: ort.InferenceSession;
  readonly backend: TrainBackend;
  /** State tensor names in input order, with their dims. */
  readonly names: readonly { readonly name: string; readonly dims: readonly number[] }[];
  /** The current value of every state tensor: the start values, then the last step's outputs. */
  state: Map<string, ort.Tensor>;
  steps: number;
}
let open: Open | undefined;

const fail = (kind: WireError['kind'], message: string): WireError & Error => Object.assign(new Error(message), { kind });

/** Frees the session's GPU-resident state tensors (the start values are the page's, on the CPU). */
function disposeState(state: Iterable<ort.Tensor>) {
  for (const t of state) if (t.location === 'gpu-buffer') t.dispose();
}

async function closeOpen(): Promise<boolean> {
  const o = open;
  open = undefined;
  if (!o) return false;
  disposeState(o.state.values());
  await o.session.release();
  return true;
}

async function handleOpen(req: Extract<TrainRequest, { type: 'open' }>): Promise<TrainOpenOut> {
  await closeOpen();
  const t0 = performance.now();
  let m: Ort = ort;
  let adapter: AdapterInfo | undefined;
  const next = (name: string) => `${name}.next`;
  const opts: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', executionProviders: ['wasm'] };
  if (req.backend === 'webgpu') {
    ({ ort: m, adapter } = await loadGpuOrt());
    // WebGPU alone: a failure is reported, not replaced by WASM. Nodes the WebGPU EP lacks still
    // run on onnxruntime's CPU provider; `placement` shows which.
    Object.assign(opts, {
      executionProviders: ['webgpu'],
      preferredOutputLocation: Object.fromEntries(req.state.map((s) => [next(s.name), 'gpu-buffer' as const])),
    });
  }
  if (req.placement) Object.assign(opts, { logSeverityLevel: 0, logVerbosityLevel: 0 });
  let session: ort.InferenceSession;
  captured.length = 0;
  capturing = Boolean(req.placement);
  const level = m.env.logLevel;
  if (req.placement) m.env.logLevel = 'verbose';
  try {
    session = await m.InferenceSession.create(req.bytes, opts);
  } catch (e) {
    throw fail('session', `onnxruntime could not load the step file: ${(e as Error).message}`);
  } finally {
    capturing = false;
    m.env.logLevel = level ?? 'error';
  }
  if (req.backend === 'webgpu') {
    const device = await Promise.race([m.env.webgpu.device, new Promise((r) => setTimeout(() => r(undefined), 5000))]);
    if (!device) {
      await session.release();
      throw fail('session', 'the WebGPU backend did not initialise a device');
    }
  }
  const inputs = new Set(session.inputNames);
  const outputs = new Set(session.outputNames);
  for (const s of req.state) {
    if (!inputs.has(s.name) || !outputs.has(next(s.name))) {
      await session.release();
      throw fail('session', `the step file has no state tensor '${s.name}' (input '${s.name}' and output '${next(s.name)}'); compile it with stateInitializers: false`);
    }
  }
  const missing = session.inputNames.filter((n) => !['input', 'target', 'lr'].includes(n) && !req.state.some((s) => s.name === n));
  if (missing.length) {
    await session.release();
    throw fail('session', `no start value for state input${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }
  open = {
    ort: m,
    session,
    backend: req.backend,
    names: req.state.map((s) => ({ name: s.name, dims: s.dims })),
    state: new Map(req.state.map((s) => [s.name, new m.Tensor('float32', s.data, [...s.dims])])),
    steps: 0,
  };
  const placement = req.placement ? parsePlacement(captured) : undefined;
  const log = req.placement ? { missingKernels: parseMissingKernels(captured), warnings: warningLines(captured).slice(0, 20) } : {};
  captured.length = 0;
  return {
    backend: req.backend,
    ...(adapter ? { adapter } : {}),
    threads: ORT_THREADS,
    inputs: session.inputNames,
    outputs: session.outputNames,
    sessionMs: performance.now() - t0,
    ...(placement ? { placement } : {}),
    ...log,
  };
}

/**
 * Resolves in a task of its own, after the messages already waiting: a posted message rather
 * than `setTimeout(0)`, which browsers clamp to 4 ms once timers nest.
 */
const tick = new MessageChannel();
const ticks: (() => void)[] = [];
tick.port1.onmessage = () => ticks.shift()?.();
const nextTask = () =>
  new Promise<void>((r) => {
    ticks.push(r);
    tick.port2.postMessage(0);
  });

/** Requests whose `steps` should stop after the step in flight. */
const cancelled = new Set<number>();

async function handleSteps(req: Extract<TrainRequest, { type: 'steps' }>): Promise<TrainStepsOut> {
  const o = open;
  if (!o) throw fail('run', 'no step file is open (send open first)');
  if (!req.batches.length) throw fail('run', 'no batches');
  if (!(Number.isInteger(req.steps) && req.steps >= 0)) throw fail('run', `steps must be a whole number ≥ 0, got ${req.steps}`);
  const rates = typeof req.lr === 'number' ? undefined : req.lr;
  if (rates && rates.length < req.steps) throw fail('run', `${rates.length} learning rates for ${req.steps} steps`);
  const T = o.ort.Tensor;
  const batches = req.batches.map((b) => ({ input: new T('float32', b.input, [...b.inputDims]), target: new T('int64', b.target, [b.target.length]) }));
  const losses: number[] = [];
  const correct: number[] = [];
  const stepMs: number[] = [];
  let yielded = performance.now();
  for (let k = 0; k < req.steps; k++) {
    // A WASM run does its work without returning to the event loop, so a `cancel` message would
    // wait for the whole request: let messages in every 50 ms.
    if (performance.now() - yielded > 50) {
      await nextTask();
      yielded = performance.now();
    }
    if (cancelled.has(req.id)) throw fail('cancelled', `stopped after ${k} steps`);
    const t0 = performance.now();
    const b = batches[k % batches.length]!;
    const feeds: Record<string, ort.Tensor> = { input: b.input, target: b.target, lr: new T('float32', Float32Array.of(rates ? rates[k]! : (req.lr as number)), []) };
    for (const [name, t] of o.state) feeds[name] = t;
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await o.session.run(feeds);
    } catch (e) {
      throw fail('run', `step ${o.steps + 1} failed: ${(e as Error).message}`);
    }
    const state = new Map<string, ort.Tensor>();
    for (const { name } of o.names) state.set(name, out[`${name}.next`]!);
    // The previous step's outputs are no longer needed once this step has read them.
    disposeState(o.state.values());
    o.state = state;
    o.steps++;
    for (const [name, t] of Object.entries(out)) if (!name.endsWith('.next') && t.location === 'gpu-buffer') t.dispose();
    losses.push(Number((out['loss']!.data as Float32Array)[0]));
    correct.push(Number((out['correct']!.data as BigInt64Array)[0]));
    stepMs.push(performance.now() - t0);
  }
  const where = new Set([...o.state.values()].map((t) => t.location));
  const stateLocation = where.size === 1 ? ([...where][0] === 'gpu-buffer' ? 'gpu-buffer' : 'cpu') : 'mixed';
  return { losses, correct, stepMs, totalSteps: o.steps, stateLocation, ...(req.returnState ? { state: await download(o) } : {}) };
}

/** The current state as page-owned float32 arrays (copies: the worker keeps feeding its own). */
async function download(o: Open): Promise<WireTensor[]> {
  const out: WireTensor[] = [];
  for (const { name, dims } of o.names) {
    const t = o.state.get(name)!;
    const data = t.location === 'gpu-buffer' ? ((await t.getData()) as Float32Array) : (t.data as Float32Array).slice();
    out.push({ name, dims: [...dims], data });
  }
  return out;
}

/* ---------- requests, one at a time ---------- */

/** The Train panel's runs: the data set and the core's training loop, in this worker. */
const driver = new TrainDriver({ wasm: ort, gpu: loadGpuOrt, nextTask });

async function serve(req: TrainRequest): Promise<TrainOutByType[keyof TrainOutByType]> {
  switch (req.type) {
    case 'open':
      return handleOpen(req);
    case 'steps':
      return handleSteps(req);
    case 'state': {
      if (!open) throw fail('run', 'no step file is open');
      return { state: await download(open) };
    }
    case 'close':
      return { closed: await closeOpen() };
    case 'data':
      return driver.data(req.source);
    case 'train':
      return driver.train(req.run, req.port);
    default:
      throw fail('internal', `unknown request ${(req as { type: string }).type}`);
  }
}

const stateBuffers = (out: unknown): ArrayBuffer[] => {
  const { state: s, weights: w } = out as { state?: readonly WireTensor[]; weights?: Uint8Array };
  const buffers = [...(s ?? []).map((t) => t.data.buffer), ...(w ? [w.buffer] : [])];
  return buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
};

const post = (msg: TrainResponse, transfer: Transferable[] = []) => self.postMessage(msg, transfer);
let chain = Promise.resolve();
/** Requests received and not yet answered (queued or running). */
const waiting = new Set<number>();

function onMessage(ev: MessageEvent<TrainRequest>) {
  const req = ev.data;
  if (req.type === 'cancel') {
    // A queued request is dropped when its turn comes; a running `steps` stops after its step in flight.
    const hit = waiting.has(req.target);
    if (hit) cancelled.add(req.target);
    post({ type: 'result', id: req.id, out: { cancelled: hit } });
    return;
  }
  if (req.type === 'crash') {
    setTimeout(() => {
      throw new Error('the training worker crashed (test hook)');
    });
    return;
  }
  if (req.type === 'control') {
    // Not queued: the run it controls is the request in flight.
    post({ type: 'result', id: req.id, out: { applied: driver.control(req.action) } });
    return;
  }
  waiting.add(req.id);
  chain = chain.then(async () => {
    try {
      if (cancelled.has(req.id)) throw fail('cancelled', 'cancelled before it started');
      const out = await serve(req);
      post({ type: 'result', id: req.id, out }, stateBuffers(out));
    } catch (e) {
      const err = e as Partial<WireError> & Error;
      post({ type: 'error', id: req.id, err: { kind: err.kind ?? 'internal', message: err.message || String(e) } });
    } finally {
      waiting.delete(req.id);
      cancelled.delete(req.id);
    }
  });
}

// onnxruntime's WASM threads may load this module in a worker named "em-pthread" when the app
// is bundled; they must not serve requests.
if (self.name !== 'em-pthread') {
  self.addEventListener('message', onMessage);
  post({ type: 'ready' });
}
