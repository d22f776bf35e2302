/// <reference lib="webworker" />
/**
 * The signals worker: compiles a network's signals graph (`compileSignals`, src/train/signals.ts:
 * forward in training mode, loss, backward) with the document's weights — fresh from its seed for
 * a new network — and runs it once on the first images of the shipped Fashion-MNIST test set in
 * onnxruntime-web (WASM, one thread), answering per layer the activation standard deviation and per
 * parameter the gradient norm at initialisation. Requests are served one at a time.
 */
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { datasetFromIdx, inputAdapter, makeBatch, type ImageDataset } from '../../src/data/dataset.ts';
import { readIdx } from '../../src/data/idx.ts';
import { compileSignals, SIGNAL } from '../../src/train/signals.ts';
import { decodeSafetensors } from '../../src/weights/safetensors.ts';
import type { WireError } from './protocol.ts';
import { configureOrt } from './ort-builds.ts';
import type { SignalsOut, SignalsOutByType, SignalsRequest, SignalsResponse } from './signals-protocol.ts';
import { fetchWeights } from './weights-bytes.ts';

declare const self: DedicatedWorkerGlobalScope;

configureOrt(ort, wasmUrl);
// One thread: the signals run beside training (the lab's two workers) and the editor.
ort.env.wasm.numThreads = 1;

const fail = (kind: WireError['kind'], message: string): WireError & Error => Object.assign(new Error(message), { kind });

/** The shipped test images (2,000, made by scripts/py/make_train_subset.py). */
const TEST = { images: '/data/train/t10k-images-idx3-ubyte.gz', labels: '/data/train/t10k-labels-idx1-ubyte.gz' };
let test: Promise<ImageDataset> | undefined;
function testSet(): Promise<ImageDataset> {
  test ??= (async () => {
    const [img, lab] = await Promise.all(
      [TEST.images, TEST.labels].map(async (u) => {
        const res = await fetch(new URL(u, self.location.href));
        if (!res.ok) throw fail('run', `${u}: HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      }),
    );
    const ri = readIdx(img!, { name: 't10k-images-idx3-ubyte.gz' });
    const rl = readIdx(lab!, { name: 't10k-labels-idx1-ubyte.gz' });
    if (!ri.ok) throw fail('run', ri.problem.message);
    if (!rl.ok) throw fail('run', rl.problem.message);
    const d = datasetFromIdx(ri.value, rl.value);
    if (!d.ok) throw fail('run', d.problem.message);
    return d.value;
  })();
  test.catch(() => (test = undefined));
  return test;
}

async function measure(req: Extract<SignalsRequest, { type: 'signals' }>): Promise<SignalsOut> {
  const t0 = performance.now();
  const data = await testSet();
  const batch = Math.min(req.batch, data.count);
  const weights = req.doc.weights ? decodeSafetensors(await fetchWeights(req.doc.weights.uri)).store : undefined;
  const s = compileSignals({ ...req.doc, weights: undefined }, { batch, ...(weights ? { weights } : {}) });
  if (!s.bytes) {
    const d = s.diagnostics.find((x) => x.severity === 'error');
    throw Object.assign(fail('compile', `the signals cannot be measured for this network: ${d ? `${d.code} ${d.message}` : 'no graph'}`), { diagnostics: s.diagnostics });
  }
  const b = makeBatch(data, Array.from({ length: batch }, (_, i) => i), inputAdapter(data, req.doc.input));
  const session = await ort.InferenceSession.create(s.bytes, { graphOptimizationLevel: 'all', executionProviders: ['wasm'] });
  try {
    const out = await session.run({
      input: new ort.Tensor('float32', b.input.data, [...b.input.dims]),
      target: new ort.Tensor('int64', b.target.data, [...b.target.dims]),
    });
    const value = (name: string) => Number((out[name]!.data as Float32Array)[0]);
    return {
      loss: value(SIGNAL.loss),
      activations: s.activations.map((a) => ({ layer: a.layer, op: a.op, value: value(a.output) })),
      gradients: s.gradients.map((g) => ({ layer: g.layer, op: g.op, param: g.param, value: value(g.output) })),
      batch,
      ms: performance.now() - t0,
    };
  } finally {
    await session.release();
  }
}

const post = (msg: SignalsResponse) => self.postMessage(msg);
const cancelled = new Set<number>();
const waiting = new Set<number>();
let chain = Promise.resolve();

function onMessage(ev: MessageEvent<SignalsRequest>) {
  const req = ev.data;
  if (req.type === 'cancel') {
    const hit = waiting.has(req.target);
    if (hit) cancelled.add(req.target);
    post({ type: 'result', id: req.id, out: { cancelled: hit } satisfies SignalsOutByType['cancel'] });
    return;
  }
  waiting.add(req.id);
  chain = chain.then(async () => {
    try {
      if (cancelled.has(req.id)) throw fail('cancelled', 'cancelled before it started');
      post({ type: 'result', id: req.id, out: await measure(req) });
    } catch (e) {
      const err = e as Partial<WireError> & Error;
      post({ type: 'error', id: req.id, err: { kind: err.kind ?? 'internal', message: err.message || String(e), ...(err.diagnostics ? { diagnostics: err.diagnostics } : {}) } });
    } finally {
      waiting.delete(req.id);
      cancelled.delete(req.id);
    }
  });
}

if (self.name !== 'em-pthread') {
  self.addEventListener('message', onMessage);
  post({ type: 'ready' });
}
