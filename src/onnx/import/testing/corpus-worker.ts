/**
 * The worker thread of the import corpus harness (corpus-harness.ts): imports one ONNX file and,
 * when a document comes out, compiles it with its imported weights. It runs in a worker so that
 * an import that never ends can be stopped (`worker.terminate()` ends even a busy loop) without
 * hanging the test. Bundled with esbuild before use (Node 20 cannot run TypeScript directly).
 *
 * Speaks {@link CorpusRequest} → {@link CorpusReply}: an `imported` reply as soon as the import
 * returns (so the harness knows which step a timeout hit), then `compiled` or `failed`.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { Diagnostic } from '../../../diagnostics/catalogue.ts';
import { analyze } from '../../../shape/analyze.ts';
import { compile } from '../../compile.ts';
import { decodeModel } from '../../decode.ts';
import type { IrModel } from '../../ir.ts';
import { importOnnx } from '../index.ts';
import { modelParams } from './corpus-params.ts';

/** Asks the worker to import (and compile) the file at `path`. */
export interface CorpusRequest {
  readonly id: number;
  readonly path: string;
}

/** A diagnostic as plain data (what crosses the thread boundary). */
export interface DiagnosticSummary {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly messageId?: string;
}

/** The graph's interface: input and output names, in order. */
export interface GraphNames {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** What the worker answers. */
export type CorpusReply =
  | { readonly type: 'imported'; readonly id: number; readonly importMs: number; readonly diagnostics: readonly DiagnosticSummary[]; readonly hasDoc: boolean; readonly docOps?: Readonly<Record<string, number>> }
  | {
      readonly type: 'compiled';
      readonly id: number;
      readonly compileMs: number;
      readonly diagnostics: readonly DiagnosticSummary[];
      /** The re-exported file; absent when the compile gave none. */
      readonly bytes?: Uint8Array;
      readonly originalParams: number;
      readonly reexportParams?: number;
      readonly originalNames: GraphNames;
      readonly reexportNames?: GraphNames;
      /** Document nodes whose weights did not all come from the file (they would be fresh). */
      readonly notImported: readonly string[];
    }
  | { readonly type: 'failed'; readonly id: number; readonly step: 'read' | 'import' | 'compile'; readonly error: string };

const summary = (d: Diagnostic): DiagnosticSummary => ({ code: d.code, severity: d.severity, message: d.message, ...(d.messageRef ? { messageId: d.messageRef.id } : {}) });
/** Inputs a caller feeds: old files also list their initializers as graph inputs. */
const names = (m: IrModel): GraphNames => {
  const inits = new Set(m.graph.initializers.map((t) => t.name));
  return { inputs: m.graph.inputs.map((v) => v.name).filter((n) => !inits.has(n)), outputs: m.graph.outputs.map((v) => v.name) };
};
const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

function handle(req: CorpusRequest, post: (reply: CorpusReply, transfer?: ArrayBuffer[]) => void): void {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(req.path));
  } catch (err) {
    post({ type: 'failed', id: req.id, step: 'read', error: errorText(err) });
    return;
  }
  let step: 'import' | 'compile' = 'import';
  try {
    const t0 = performance.now();
    const r = importOnnx(bytes, { name: req.path.split('/').pop()!.replace(/\.onnx$/, '') });
    const importMs = performance.now() - t0;
    const docOps: Record<string, number> = {};
    for (const n of r.doc?.nodes ?? []) docOps[n.op] = (docOps[n.op] ?? 0) + 1;
    post({ type: 'imported', id: req.id, importMs, diagnostics: r.diagnostics.map(summary), hasDoc: r.doc !== undefined, ...(r.doc ? { docOps } : {}) });
    if (!r.doc) return;

    step = 'compile';
    const t1 = performance.now();
    const c = compile(r.doc, { weights: r.weights ?? new Map(), analysis: analyze(r.doc) });
    const compileMs = performance.now() - t1;
    const original = decodeModel(bytes).model!;
    const notImported = [...c.weightSources].filter(([, s]) => s !== 'imported').map(([id]) => r.doc!.nodes.find((n) => n.id === id)?.name ?? String(id));
    const out = c.bytes ? new Uint8Array(c.bytes) : undefined;
    post(
      {
        type: 'compiled',
        id: req.id,
        compileMs,
        diagnostics: c.diagnostics.map(summary),
        ...(out ? { bytes: out } : {}),
        originalParams: modelParams(original),
        originalNames: names(original),
        ...(c.model ? { reexportParams: modelParams(c.model), reexportNames: names(c.model) } : {}),
        notImported,
      },
      out ? [out.buffer as ArrayBuffer] : [],
    );
  } catch (err) {
    post({ type: 'failed', id: req.id, step, error: errorText(err) });
  }
}

const port = parentPort;
if (port) port.on('message', (req: CorpusRequest) => handle(req, (reply, transfer) => port.postMessage(reply, transfer ?? [])));
