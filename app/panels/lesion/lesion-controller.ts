/**
 * The lesion study's controller: one per editor, outside React. It loads the two trained nets
 * (`public/models/lesion-*.project.json`, made by scripts/make-lesion-models.ts from
 * scripts/py/lesion_study.py's training) and the 2,000 held-out Fashion-MNIST test images, then
 * evaluates the intact nets and every single deletion (`lesionPlan`) in a runtime worker of its
 * own (onnxruntime-web on WASM), batch after batch, so the editor and its live run stay
 * responsive. Results stream into a small vanilla store the view reads narrowly. The study never
 * touches the open document.
 */
import { createStore } from 'zustand/vanilla';
import { parseDocument, type ResidualDocument } from '../../../src/index.ts';
import { countCorrect, lesionPlan, pixelsToInput, type LesionVariant } from '../../../src/lesion/study.ts';
import { createRuntimeWorker, RuntimeClient, type WorkerLike } from '../../runtime/client.ts';
import type { EditorStore } from '../../store/editor-store.ts';

export type LesionNet = 'resnet' | 'plain';
export const LESION_NETS: readonly LesionNet[] = ['resnet', 'plain'];

/** Where the two trained nets are served. */
export const LESION_MODELS: Readonly<Record<LesionNet, string>> = {
  resnet: '/models/lesion-resnet20.project.json',
  plain: '/models/lesion-plain20.project.json',
};
/** The held-out images (test images 8000–9999, never used in training) and their labels. */
export const HELD_OUT = { images: '/data/fashion-mnist-test-2000.bin', labels: '/data/fashion-mnist-test-2000-labels.bin' } as const;
/** How many held-out images a study may use: all 2,000, or fewer for a quick look. */
export const LESION_IMAGE_COUNTS = [200, 500, 2000] as const;
export type LesionImageCount = (typeof LESION_IMAGE_COUNTS)[number];
const BATCH = 250;

export type LesionPhase = 'idle' | 'loading' | 'running' | 'done' | 'stopped' | 'error';

/** One deletion's result. */
export interface LesionPoint {
  /** The deleted block (`layer1.1`) or unit (`layer1.0.conv2`). */
  readonly name: string;
  readonly kind: 'block' | 'layer';
  /** Along the depth: the weighted layer it removes (see `LesionVariant.depth`). */
  readonly depth: number;
  readonly correct: number;
  readonly accuracy: number;
}

/** One net's curve: intact accuracy and the accuracy after each deletion so far. */
export interface LesionCurve {
  readonly intact?: number;
  readonly points: readonly LesionPoint[];
  /** How many deletions the study makes for this net (known once its plan is made). */
  readonly planned?: number;
}

export interface LesionState {
  readonly open: boolean;
  readonly phase: LesionPhase;
  readonly images: LesionImageCount;
  readonly results: Readonly<Record<LesionNet, LesionCurve>>;
  /** Networks evaluated / to evaluate (both nets, intact and lesioned). */
  readonly progress: { readonly done: number; readonly total: number };
  readonly error?: string;
  /** Bumped when any curve changes, for the chart. */
  readonly version: number;
}

export interface LesionOpenOptions {
  readonly start?: boolean;
  readonly images?: LesionImageCount;
}

const EMPTY: Readonly<Record<LesionNet, LesionCurve>> = { resnet: { points: [] }, plain: { points: [] } };

/** Fetches and parses one of the study's trained nets (with its weights reference). */
export async function loadLesionNet(net: LesionNet): Promise<ResidualDocument> {
  const res = await fetch(LESION_MODELS[net]);
  if (!res.ok) throw new Error(`${LESION_MODELS[net]}: HTTP ${res.status}`);
  const { doc, diagnostics } = parseDocument(await res.text());
  if (!doc) throw new Error(`${LESION_MODELS[net]}: ${diagnostics[0]?.message ?? 'not a document'}`);
  return doc;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A pause that lets the page paint and handle input between pieces of main-thread work. */
const breathe = () => new Promise<void>((r) => setTimeout(r, 0));

export class LesionController {
  readonly state;
  #client: RuntimeClient | undefined;
  #gen = 0;
  readonly #factory: () => WorkerLike;

  constructor(
    readonly editor: EditorStore,
    opts: { readonly factory?: () => WorkerLike } = {},
  ) {
    this.#factory = opts.factory ?? createRuntimeWorker;
    this.state = createStore<LesionState>()(() => ({ open: false, phase: 'idle', images: 2000, results: EMPTY, progress: { done: 0, total: 0 }, version: 0 }));
  }

  #set(p: Partial<LesionState>) {
    this.state.setState((s) => ({ ...p, version: s.version + 1 }));
  }

  /** Shows the study; `images` picks how many held-out images (not while it runs); `start` runs it. */
  open(opts: LesionOpenOptions = {}): void {
    this.#set({ open: true });
    if (opts.images !== undefined) this.setImages(opts.images);
    if (opts.start) void this.start();
  }

  close(): void {
    this.#set({ open: false });
  }

  setImages(images: LesionImageCount): void {
    if (this.running) return;
    this.#set({ images });
  }

  get running(): boolean {
    const p = this.state.getState().phase;
    return p === 'loading' || p === 'running';
  }

  /** Stops after the batch in flight; what was measured stays on the chart. */
  stop(): void {
    if (!this.running) return;
    this.#gen++;
    this.#set({ phase: 'stopped' });
  }

  #runtime(): RuntimeClient {
    return (this.#client ??= new RuntimeClient(this.#factory));
  }

  /** Runs the whole study: both intact nets, then each single deletion, residual and plain in turn. */
  async start(): Promise<void> {
    if (this.running) return;
    const gen = ++this.#gen;
    const n = this.state.getState().images;
    this.#set({ phase: 'loading', results: EMPTY, progress: { done: 0, total: 0 }, error: undefined });
    try {
      const [resnet, plain, pixels, labels] = await Promise.all([loadLesionNet('resnet'), loadLesionNet('plain'), fetchBytes(HELD_OUT.images), fetchBytes(HELD_OUT.labels)]);
      if (gen !== this.#gen) return;
      const count = Math.min(n, labels.length, Math.floor(pixels.length / 784));
      // Planning analyses every variant: one net at a time, with a pause between, so the page keeps painting.
      const plans: Record<LesionNet, LesionVariant[]> = { resnet: lesionPlan(resnet), plain: [] };
      await breathe();
      plans.plain = lesionPlan(plain);
      if (gen !== this.#gen) return;
      const results: Record<LesionNet, LesionCurve> = { resnet: { points: [], planned: plans.resnet.length - 1 }, plain: { points: [], planned: plans.plain.length - 1 } };
      const total = plans.resnet.length + plans.plain.length;
      this.#set({ phase: 'running', results: { ...results }, progress: { done: 0, total } });
      // Interleaved, so both curves grow together.
      const order: [LesionNet, LesionVariant][] = [];
      for (let i = 0; i < Math.max(plans.resnet.length, plans.plain.length); i++) for (const net of LESION_NETS) if (plans[net][i]) order.push([net, plans[net][i]!]);
      let done = 0;
      for (const [net, v] of order) {
        const correct = await this.#evaluate(v.doc, pixels, labels, count, gen);
        if (correct === undefined) return;
        const r = results[net];
        const accuracy = correct / count;
        results[net] = v.target ? { ...r, points: [...r.points, { name: v.target.name, kind: v.target.kind, depth: v.depth, correct, accuracy }] } : { ...r, intact: accuracy };
        this.#set({ results: { ...results }, progress: { done: ++done, total } });
      }
      this.#set({ phase: 'done' });
    } catch (e) {
      if (gen === this.#gen) this.#set({ phase: 'error', error: (e as Error).message });
    }
  }

  /** Correct top-1 predictions of `doc` on the first `count` images, or undefined when stopped. */
  async #evaluate(doc: ResidualDocument, pixels: Uint8Array, labels: Uint8Array, count: number, gen: number): Promise<number | undefined> {
    const rt = this.#runtime();
    const c = await rt.request({ type: 'compile', doc, expose: [], backend: 'wasm' }).promise;
    const mean = doc.input.mean?.[0] ?? 0;
    const std = doc.input.std?.[0] ?? 1;
    let correct = 0;
    try {
      for (let start = 0; start < count; start += BATCH) {
        if (gen !== this.#gen) return undefined;
        const n = Math.min(BATCH, count - start);
        const data = pixelsToInput(pixels, start, n, mean, std);
        const out = await rt.request({ type: 'run', key: c.key, input: { name: 'input', dims: [n, 1, 28, 28], data } }, [data.buffer]).promise;
        const logits = out.outputs.find((o) => o.name === 'logits') ?? out.outputs[0]!;
        correct += countCorrect(logits.data, logits.dims[1] ?? 10, labels, start);
      }
    } finally {
      // Each lesioned net is used once: free its session rather than let it crowd the cache.
      rt.request({ type: 'dispose', key: c.key }).promise.catch(() => undefined);
    }
    return gen === this.#gen ? correct : undefined;
  }

  dispose(): void {
    this.#gen++;
    this.#client?.dispose();
    this.#client = undefined;
  }
}

const controllers = new WeakMap<EditorStore, LesionController>();

/** The lesion study of an editor (made on first use). */
export function lesionControllerOf(editor: EditorStore): LesionController {
  let c = controllers.get(editor);
  if (!c) controllers.set(editor, (c = new LesionController(editor)));
  return c;
}
