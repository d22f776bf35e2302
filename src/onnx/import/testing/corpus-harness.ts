/**
 * The import corpus harness: measures, file by file, the rule that every ONNX file that imports
 * runs and exports again to a file that computes the same (onnxruntime, relative difference ≤ 1e-4
 * against the original file on the same input, same parameter count), and that every other file
 * is refused with a clear diagnostic — never a crash, never a hang.
 *
 * Imports and compiles run in worker threads (corpus-worker.ts, bundled with esbuild) with a time
 * limit per step, so a hung import is stopped and reported; both files then run in
 * onnxruntime-node on this thread. With RS_CORPUS_KEEP=1 every re-export is also written to
 * .cache/corpus/reexport/ (for diagnosing a failure with onnx or netron).
 */
import { fromBinary } from '@bufbuild/protobuf';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { DIAGNOSTICS } from '../../../diagnostics/catalogue.ts';
import { TensorProto_DataType as PbType, TensorProtoSchema } from '../../gen/onnx_pb.ts';
import type { CorpusReply, CorpusRequest, DiagnosticSummary } from './corpus-worker.ts';
import { ROOT } from './fixtures.ts';

/** Where the corpus, the worker bundle and report.json live. */
export const CORPUS_DIR = join(ROOT, '.cache/corpus');
/** Debian's libonnx-testdata: ONNX's backend test models, each with test_data_set_0/{input,output}_*.pb. */
export const ONNX_TESTDATA = '/usr/share/libonnx-testdata/data';
/** The rule's tolerance: max |ours − original| over max |original|, per output. */
export const TOLERANCE = 1e-4;

/** A float input (or any ONNX tensor) as onnxruntime takes it. */
export interface Feed {
  readonly name: string;
  readonly tensor: ort.Tensor;
}

/** One file to measure. */
export interface CorpusCase {
  /** Stable id, used in KNOWN_FAILING: `corpus/<name>.onnx` or `onnx-testdata/<dir>/<test>`. */
  readonly id: string;
  readonly source: 'corpus' | 'onnx-testdata';
  readonly path: string;
  /** The input(s) to run both files on. */
  readonly feeds: () => Feed[];
  /** Outputs the test data expects, used only when the original itself cannot run in onnxruntime. */
  readonly expected?: () => Float64Array[];
  /** torch's parameter count (corpus files). */
  readonly torchParams?: number;
}

/** How a file fared. */
export type Status = 'round-trips' | 'refused-clearly' | 'FAILS';

/** The measurement of one file (a row of report.json). */
export interface FileResult {
  readonly id: string;
  readonly source: CorpusCase['source'];
  readonly status: Status;
  /** Why it fails, or how it was refused; for a round trip the largest difference. */
  readonly reason: string;
  readonly bytes: number;
  readonly importMs?: number;
  readonly compileMs?: number;
  /** The first error diagnostic of the import (or of the compile), as `CODE message`. */
  readonly firstDiagnostic?: string;
  /** Opaque ops the import kept (RS605), by op type. */
  readonly opaque?: Readonly<Record<string, number>>;
  readonly docOps?: Readonly<Record<string, number>>;
  readonly maxRelDiff?: number;
  readonly params?: { readonly original: number; readonly reexport?: number; readonly torch?: number };
  readonly reference?: 'original in onnxruntime' | 'expected output_*.pb';
}

// --- the corpus and the test data ---------------------------------------------------------------

const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

/**
 * Exports the corpus with scripts/py/export_corpus.py (it skips what the same script version has
 * already written) and lists its files. Throws — failing the test loudly — when Python or torch is
 * missing or the export fails.
 */
export function corpusCases(dir = CORPUS_DIR): CorpusCase[] {
  mkdirSync(dir, { recursive: true });
  const python = '/usr/bin/python3';
  if (!existsSync(python)) throw new Error(`${python} is missing: the corpus is exported with Debian's python3-torch; run 'bash scripts/ensure-system-deps.sh'`);
  try {
    execFileSync(python, [join(ROOT, 'scripts/py/export_corpus.py'), '--out', dir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000, encoding: 'utf8' });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`scripts/py/export_corpus.py failed (python3-torch, python3-torchvision and python3-onnx are needed; run 'bash scripts/ensure-system-deps.sh'):\n${stderr.split('\n').slice(-15).join('\n')}`, { cause: err });
  }
  const names = execFileSync(python, [join(ROOT, 'scripts/py/export_corpus.py'), '--list'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  return names.map((name) => {
    const path = join(dir, `${name}.onnx`);
    const meta = JSON.parse(readFileSync(`${path}.meta.json`, 'utf8')) as { params: number; inputName: string; inputShape: number[] };
    return {
      id: `corpus/${name}.onnx`,
      source: 'corpus' as const,
      path,
      torchParams: meta.params,
      feeds: () => [{ name: meta.inputName, tensor: new ort.Tensor('float32', f32(readFileSync(`${path}.input.bin`)), meta.inputShape) }],
    };
  });
}

/** Every model.onnx of libonnx-testdata, with its test_data_set_0. Throws when the package is missing. */
export function testdataCases(dir = ONNX_TESTDATA): CorpusCase[] {
  if (!existsSync(dir)) throw new Error(`${dir} is missing: install Debian's libonnx-testdata ('bash scripts/ensure-system-deps.sh')`);
  const cases: CorpusCase[] = [];
  for (const group of readdirSync(dir).sort()) {
    const groupDir = join(dir, group);
    if (!statSync(groupDir).isDirectory()) continue;
    for (const test of readdirSync(groupDir).sort()) {
      const path = join(groupDir, test, 'model.onnx');
      if (!existsSync(path)) continue; // real/ lists download URLs only
      const data = join(groupDir, test, 'test_data_set_0');
      const pbs = (prefix: string) => (existsSync(data) ? readdirSync(data).filter((f) => f.startsWith(prefix) && f.endsWith('.pb')).sort((a, b) => pbIndex(a) - pbIndex(b)) : []).map((f) => join(data, f));
      cases.push({
        id: `onnx-testdata/${group}/${test}`,
        source: 'onnx-testdata',
        path,
        feeds: () => pbs('input_').map((f) => readTensorPb(f)),
        expected: () => pbs('output_').map((f) => toFloat64(readTensorPb(f).tensor)),
      });
    }
  }
  return cases;
}

const pbIndex = (file: string) => Number(/_(\d+)\.pb$/.exec(file)?.[1] ?? 0);

const ORT_TYPES: Partial<Record<number, { type: ort.Tensor.Type; bytes: number; make: (b: ArrayBuffer) => ort.Tensor.DataType }>> = {
  [PbType.FLOAT]: { type: 'float32', bytes: 4, make: (b) => new Float32Array(b) },
  [PbType.DOUBLE]: { type: 'float64', bytes: 8, make: (b) => new Float64Array(b) },
  [PbType.INT32]: { type: 'int32', bytes: 4, make: (b) => new Int32Array(b) },
  [PbType.INT64]: { type: 'int64', bytes: 8, make: (b) => new BigInt64Array(b) },
  [PbType.INT16]: { type: 'int16', bytes: 2, make: (b) => new Int16Array(b) },
  [PbType.INT8]: { type: 'int8', bytes: 1, make: (b) => new Int8Array(b) },
  [PbType.UINT8]: { type: 'uint8', bytes: 1, make: (b) => new Uint8Array(b) },
  [PbType.UINT16]: { type: 'uint16', bytes: 2, make: (b) => new Uint16Array(b) },
  [PbType.UINT32]: { type: 'uint32', bytes: 4, make: (b) => new Uint32Array(b) },
  [PbType.UINT64]: { type: 'uint64', bytes: 8, make: (b) => new BigUint64Array(b) },
  [PbType.BOOL]: { type: 'bool', bytes: 1, make: (b) => new Uint8Array(b) },
  [PbType.FLOAT16]: { type: 'float16', bytes: 2, make: (b) => new Uint16Array(b) },
};

/** Reads a serialised TensorProto (test data) into an onnxruntime tensor. Throws on types it does not know. */
export function readTensorPb(path: string): Feed {
  const t = fromBinary(TensorProtoSchema, new Uint8Array(readFileSync(path)));
  const dims = t.dims.map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dataType === PbType.STRING) return { name: t.name, tensor: new ort.Tensor('string', t.stringData.map((s) => new TextDecoder().decode(s)), dims) };
  const kind = ORT_TYPES[t.dataType];
  if (!kind) throw new Error(`${path}: tensor data type ${t.dataType} is not supported by the harness`);
  let data: ort.Tensor.DataType;
  if (t.rawData.length > 0) {
    data = kind.make(t.rawData.slice().buffer);
  } else {
    const values: (number | bigint)[] = t.floatData.length ? t.floatData : t.doubleData.length ? t.doubleData : t.int64Data.length ? t.int64Data : t.uint64Data.length ? t.uint64Data : t.int32Data;
    const out = kind.make(new ArrayBuffer(n * kind.bytes)) as unknown as { [i: number]: number | bigint };
    const big = kind.type === 'int64' || kind.type === 'uint64';
    values.forEach((v, i) => (out[i] = big ? BigInt(v) : Number(v)));
    data = out as unknown as ort.Tensor.DataType;
  }
  return { name: t.name, tensor: new ort.Tensor(kind.type, data as Float32Array, dims) };
}

function toFloat64(t: ort.Tensor): Float64Array {
  const d = t.data as ArrayLike<number | bigint | string>;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

// --- running in onnxruntime ---------------------------------------------------------------------

interface Outputs {
  readonly names: readonly string[];
  readonly values: readonly Float64Array[];
  readonly dims: readonly (readonly number[])[];
}

/** Runs `bytes` on the feeds: by name where the session has that input name, otherwise by position. */
async function runOrt(bytes: Uint8Array, feeds: readonly Feed[]): Promise<Outputs> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 4 });
  try {
    const input: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, i) => {
      const feed = feeds.find((f) => f.name === name) ?? feeds[i];
      if (feed) input[name] = feed.tensor;
    });
    const out = await session.run(input, { logSeverityLevel: 4 });
    const names = session.outputNames;
    return { names, values: names.map((n) => toFloat64(out[n]!)), dims: names.map((n) => out[n]!.dims) };
  } finally {
    await session.release();
  }
}

/** Largest |a − b| over the largest |b| (NaN where both are NaN counts as equal). */
export function relDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (x === y) {
      if (Number.isFinite(y)) den = Math.max(den, Math.abs(y));
      continue;
    }
    const d = Math.abs(x - y);
    num = Math.max(num, Number.isNaN(d) ? Infinity : d);
    if (Number.isFinite(y)) den = Math.max(den, Math.abs(y));
  }
  return num === 0 ? 0 : num / Math.max(den, 1e-12);
}

// --- the worker pool ----------------------------------------------------------------------------

/** Bundles corpus-worker.ts (and the core it imports) into one file a worker thread can run. */
export async function buildWorker(outfile = join(CORPUS_DIR, 'corpus-worker.mjs')): Promise<string> {
  await build({
    entryPoints: [join(ROOT, 'src/onnx/import/testing/corpus-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}

type Imported = Extract<CorpusReply, { type: 'imported' }>;
type Compiled = Extract<CorpusReply, { type: 'compiled' }>;

/** What the worker said about one file, or how it stopped answering. */
interface WorkerOutcome {
  readonly imported?: Imported;
  readonly compiled?: Compiled;
  readonly failed?: { step: string; error: string };
  readonly timedOut?: { step: 'import' | 'compile'; ms: number };
}

/** A fixed number of workers, each handling one file at a time; a worker that times out or dies is replaced. */
class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 0;
  private readonly all = new Set<Worker>();

  constructor(
    private readonly script: string,
    size: number,
    private readonly stepTimeoutMs: number,
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const w = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: 6144 } });
    w.unref();
    this.all.add(w);
    return w;
  }

  private async acquire(): Promise<Worker> {
    while (this.idle.length === 0) await new Promise<void>((r) => this.waiting.push(r));
    return this.idle.pop()!;
  }

  private release(w: Worker, healthy: boolean): void {
    if (!healthy) {
      this.all.delete(w);
      void w.terminate();
      w = this.spawn();
    }
    this.idle.push(w);
    this.waiting.shift()?.();
  }

  async run(path: string): Promise<WorkerOutcome> {
    const w = await this.acquire();
    const id = this.nextId++;
    return new Promise<WorkerOutcome>((resolve) => {
      let imported: Imported | undefined;
      let step: 'import' | 'compile' = 'import';
      let started = performance.now();
      let timer: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(timer);
        started = performance.now();
        timer = setTimeout(() => finish({ ...(imported ? { imported } : {}), timedOut: { step, ms: performance.now() - started } }, false), this.stepTimeoutMs);
      };
      const onMessage = (reply: CorpusReply) => {
        if (reply.id !== id) return;
        if (reply.type === 'imported') {
          imported = reply;
          if (!reply.hasDoc) finish({ imported }, true);
          else {
            step = 'compile';
            arm();
          }
        } else if (reply.type === 'compiled') finish({ ...(imported ? { imported } : {}), compiled: reply }, true);
        else finish({ ...(imported ? { imported } : {}), failed: { step: reply.step, error: reply.error } }, true);
      };
      const onError = (err: Error) => finish({ ...(imported ? { imported } : {}), failed: { step, error: `worker died: ${err.message}` } }, false);
      const onExit = (code: number) => finish({ ...(imported ? { imported } : {}), failed: { step, error: `worker exited with code ${code}` } }, false);
      const finish = (outcome: WorkerOutcome, healthy: boolean) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        this.release(w, healthy);
        resolve(outcome);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      arm();
      w.postMessage({ id, path } satisfies CorpusRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
  }
}

// --- classification -----------------------------------------------------------------------------

/** Message ids that say the importer itself broke: a refusal with one of them is not clear. */
const NOT_A_REFUSAL = new Set(['import-crashed', 'unknown-problem', 'import-worker-start', 'import-worker-failed']);

const shortText = (s: string, n = 240) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const diagText = (d: DiagnosticSummary) => `${d.code} ${shortText(d.message)}`;

/**
 * Whether a refusal is clear: an error with a code from the catalogue, not the importer's own
 * crash, and a message that says what is wrong and where (it names an op type, a node, a tensor
 * or graph input/output of the file, or a limit/opset, not just "failed").
 */
export function refusalProblem(diagnostics: readonly DiagnosticSummary[]): string | undefined {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return diagnostics.length === 0 ? 'no document and no diagnostic' : `no document and no error diagnostic (${diagnostics.map(diagText).join('; ')})`;
  for (const d of errors) {
    if (!(d.code in DIAGNOSTICS)) return `diagnostic code ${d.code} is not in the catalogue`;
    if (d.messageId && NOT_A_REFUSAL.has(d.messageId)) return `crash: ${diagText(d)}`;
    if (d.message.trim().length < 12) return `refusal message says nothing: ${diagText(d)}`;
  }
  return undefined;
}

const countOpaque = (ds: readonly DiagnosticSummary[]) => {
  const out: Record<string, number> = {};
  for (const d of ds) {
    if (d.code !== 'RS605') continue;
    const op = /: (\S+) is kept as an opaque op/.exec(d.message)?.[1] ?? '?';
    out[op] = (out[op] ?? 0) + 1;
  }
  return out;
};

const sameNames = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Runs `fn` after every earlier one has finished. */
type Serial = <T>(fn: () => Promise<T>) => Promise<T>;

async function measureOne(c: CorpusCase, pool: WorkerPool, stepTimeoutMs: number, serial: Serial): Promise<FileResult> {
  const base = { id: c.id, source: c.source, bytes: statSync(c.path).size };
  const o = await pool.run(c.path);
  const imp = o.imported;
  const common = {
    ...base,
    ...(imp ? { importMs: Math.round(imp.importMs) } : {}),
    ...(o.compiled ? { compileMs: Math.round(o.compiled.compileMs) } : {}),
    ...(imp && Object.keys(countOpaque(imp.diagnostics)).length ? { opaque: countOpaque(imp.diagnostics) } : {}),
    ...(imp?.docOps ? { docOps: imp.docOps } : {}),
  };
  const firstError = imp?.diagnostics.find((d) => d.severity === 'error');
  const withDiag = firstError ? { firstDiagnostic: diagText(firstError) } : {};
  const fails = (reason: string, extra: Partial<FileResult> = {}): FileResult => ({ ...common, ...withDiag, status: 'FAILS', reason, ...extra });

  if (o.timedOut) return fails(`took > ${stepTimeoutMs / 1000} s: ${o.timedOut.step} did not finish (stopped)`);
  if (o.failed) return fails(`crash in ${o.failed.step}: ${shortText(o.failed.error)}`);
  if (!imp) return fails('no answer from the import worker');
  if (!imp.hasDoc) {
    const problem = refusalProblem(imp.diagnostics);
    if (problem) return fails(problem);
    return { ...common, ...withDiag, status: 'refused-clearly', reason: `${firstError!.code} ${firstError!.messageId ?? ''}`.trim() };
  }

  const comp = o.compiled!;
  const params = { original: comp.originalParams, ...(comp.reexportParams !== undefined ? { reexport: comp.reexportParams } : {}), ...(c.torchParams !== undefined ? { torch: c.torchParams } : {}) };
  const compileError = comp.diagnostics.find((d) => d.severity === 'error');
  if (!comp.bytes) return fails(`import ok but compile fails: ${compileError ? diagText(compileError) : 'no bytes and no error diagnostic'}`, { params, ...(compileError ? { firstDiagnostic: diagText(compileError) } : {}) });

  return serial(() => compareRuns(c, comp, params, fails, common));
}

async function compareRuns(
  c: CorpusCase,
  comp: Compiled,
  params: NonNullable<FileResult['params']>,
  fails: (reason: string, extra?: Partial<FileResult>) => FileResult,
  common: Omit<FileResult, 'status' | 'reason'>,
): Promise<FileResult> {
  let feeds: Feed[];
  try {
    feeds = c.feeds();
  } catch (err) {
    return fails(`harness cannot read the test input: ${err instanceof Error ? err.message : String(err)}`, { params });
  }
  const origBytes = new Uint8Array(readFileSync(c.path));
  let reference: Outputs;
  let referenceFrom: FileResult['reference'] = 'original in onnxruntime';
  try {
    reference = await runOrt(origBytes, feeds);
  } catch (err) {
    const expected = c.expected?.();
    if (!expected?.length) return fails(`the original does not run in onnxruntime: ${shortText(String(err))}`, { params });
    reference = { names: comp.originalNames.outputs, values: expected, dims: [] };
    referenceFrom = 'expected output_*.pb';
  }
  if (process.env['RS_CORPUS_KEEP'] === '1') {
    const file = join(CORPUS_DIR, 'reexport', `${c.id.replace(/[/]/g, '__')}.onnx`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, comp.bytes!);
  }
  let ours: Outputs;
  try {
    ours = await runOrt(comp.bytes!, feeds);
  } catch (err) {
    return fails(`import and compile ok, but the re-export does not run in onnxruntime: ${shortText(String(err))}`, { params, reference: referenceFrom });
  }
  if (ours.values.length !== reference.values.length) return fails(`re-export has ${ours.values.length} output(s), the original ${reference.values.length}`, { params, reference: referenceFrom });
  let worst = 0;
  let worstAt = '';
  for (let i = 0; i < reference.values.length; i++) {
    const sameDims = reference.dims.length === 0 || sameNames(reference.dims[i]!.map(String), ours.dims[i]!.map(String));
    if (!sameDims) return fails(`output ${i} ('${reference.names[i]}') has shape [${ours.dims[i]!.join(',')}], the original [${reference.dims[i]!.join(',')}]`, { params, reference: referenceFrom });
    const d = relDiff(ours.values[i]!, reference.values[i]!);
    if (d > worst || i === 0) {
      worst = d;
      worstAt = reference.names[i] ?? String(i);
    }
  }
  const diffs = { maxRelDiff: worst, params, reference: referenceFrom };
  if (!(worst <= TOLERANCE)) {
    const fresh = comp.notImported.length ? `; ${comp.notImported.length} node(s) did not get the file's weights (${comp.notImported.slice(0, 4).join(', ')})` : '';
    return fails(`outputs differ by ${worst.toExponential(2)} (output '${worstAt}')${fresh}`, diffs);
  }
  if (comp.reexportParams !== comp.originalParams) return fails(`params differ: original ${comp.originalParams}, re-export ${comp.reexportParams ?? '?'}`, diffs);
  const names = comp.reexportNames!;
  if (!sameNames(names.inputs, comp.originalNames.inputs) || !sameNames(names.outputs, comp.originalNames.outputs)) {
    return fails(`graph names differ: inputs [${comp.originalNames.inputs.join(', ')}] → [${names.inputs.join(', ')}], outputs [${comp.originalNames.outputs.join(', ')}] → [${names.outputs.join(', ')}]`, diffs);
  }
  return { ...common, status: 'round-trips', reason: `max rel diff ${worst.toExponential(2)}`, ...diffs };
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Worker threads importing at once (default 2: the machines have two cores). */
  readonly workers?: number;
  /** Time limit of the import and, separately, of the compile of one file (default 20 s). */
  readonly stepTimeoutMs?: number;
}

/** Measures every case; results in the order of `cases`. Big files go first so they do not straggle. */
export async function measure(cases: readonly CorpusCase[], opts: MeasureOptions = {}): Promise<FileResult[]> {
  const stepTimeoutMs = opts.stepTimeoutMs ?? 20_000;
  const pool = new WorkerPool(await buildWorker(), opts.workers ?? 2, stepTimeoutMs);
  // onnxruntime runs one pair of models at a time, so at most one pair of sessions is in memory.
  let chain: Promise<unknown> = Promise.resolve();
  const serial: Serial = (fn) => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  try {
    const order = cases.map((c, i) => ({ c, i, size: statSync(c.path).size })).sort((a, b) => b.size - a.size);
    const results: FileResult[] = new Array(cases.length);
    await Promise.all(order.map(async ({ c, i }) => (results[i] = await measureOne(c, pool, stepTimeoutMs, serial))));
    return results;
  } finally {
    await pool.close();
  }
}

// --- the report ---------------------------------------------------------------------------------

/** Counts of each status, per source. */
export function countStatuses(results: readonly FileResult[]): Record<string, Record<Status, number>> {
  const counts: Record<string, Record<Status, number>> = {};
  for (const r of results) {
    const c = (counts[r.source] ??= { 'round-trips': 0, 'refused-clearly': 0, FAILS: 0 });
    c[r.status]++;
  }
  return counts;
}

const seconds = (ms?: number) => (ms === undefined ? '' : (ms / 1000).toFixed(2));

/**
 * The console report: counts per source; every corpus file; for the test data every file that
 * does not fail plainly refused (round trips and failures), and refusals grouped by diagnostic.
 */
export function formatReport(results: readonly FileResult[], knownFailing: ReadonlySet<string>, totalMs: number, stepTimeoutMs: number): string {
  const lines: string[] = [];
  const counts = countStatuses(results);
  lines.push(`Import corpus: ${results.length} files in ${(totalMs / 1000).toFixed(1)} s (rule: round-trips within ${TOLERANCE} with the same params and names, or refused clearly; ${stepTimeoutMs / 1000} s per import and per compile)`);
  lines.push('source          round-trips  refused-clearly  FAILS');
  for (const [source, c] of Object.entries(counts)) lines.push(`${source.padEnd(16)}${String(c['round-trips']).padStart(11)}  ${String(c['refused-clearly']).padStart(15)}  ${String(c.FAILS).padStart(5)}`);
  const row = (r: FileResult) => `${r.status.padEnd(15)} ${(knownFailing.has(r.id) ? 'K' : ' ')} ${seconds(r.importMs).padStart(6)} ${seconds(r.compileMs).padStart(6)}  ${r.id}: ${r.reason}${r.firstDiagnostic && r.status === 'FAILS' && !r.reason.includes(r.firstDiagnostic) ? ` [${r.firstDiagnostic}]` : ''}`;
  lines.push('', 'status          K import compile  file: result   (K = in KNOWN_FAILING; times in s)');
  for (const r of results.filter((x) => x.source === 'corpus')) lines.push(row(r));
  const data = results.filter((x) => x.source !== 'corpus');
  for (const r of data.filter((x) => x.status !== 'refused-clearly')) lines.push(row(r));
  const refusals = new Map<string, number>();
  for (const r of data.filter((x) => x.status === 'refused-clearly')) {
    const d = r.firstDiagnostic ?? r.reason;
    const at = d.indexOf(' ');
    const key = `${d.slice(0, at)} ${d.slice(at + 1).replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N')}`.slice(0, 110);
    refusals.set(key, (refusals.get(key) ?? 0) + 1);
  }
  lines.push('', 'onnx-testdata refusals by first diagnostic (names and numbers elided):');
  for (const [k, n] of [...refusals].sort((a, b) => b[1] - a[1])) lines.push(`${String(n).padStart(5)}  ${k}`);
  return lines.join('\n');
}
