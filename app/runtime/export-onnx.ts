import type { Diagnostic, ResidualDocument } from '../../src/index.ts';
import type { UiMessage } from '../store/ui-slice.ts';
import type { ExportRequest, ExportResponse } from './export.worker.ts';

/**
 * What an export gives: the ONNX bytes, or the diagnostics that stopped it. `notes` are the app's
 * own messages, shown in the UI language: the worker could not start or crashed (then there are no
 * diagnostics), or the file was exported with fresh weights.
 */
export type ExportResult =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly diagnostics: readonly Diagnostic[]; readonly notes: readonly UiMessage[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly notes: readonly UiMessage[] };

/**
 * Compiles the document to an ONNX file in a worker (with its real weights, and the document
 * embedded so the file re-opens with the same blocks and layout).
 */
export function exportOnnx(doc: ResidualDocument, opts: { opset?: number; foldBatchNorm?: boolean } = {}): Promise<ExportResult> {
  return runExportWorker(() => new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module', name: 'residual-export' }), { type: 'export', id: 1, doc, ...opts } satisfies ExportRequest);
}

/**
 * Runs one request in a fresh export worker that answers with an {@link ExportResponse}, and
 * ends the worker: the ONNX export above, the PyTorch zip (export-pytorch.ts).
 */
export function runExportWorker(start: () => Worker, request: unknown): Promise<ExportResult> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = start();
    } catch (e) {
      resolve({ ok: false, diagnostics: [], notes: [{ key: 'export.workerStart', values: { detail: (e as Error).message } }] });
      return;
    }
    const finish = (r: ExportResult) => {
      worker.terminate();
      resolve(r);
    };
    worker.onmessage = (e: MessageEvent<ExportResponse>) => {
      const m = e.data;
      finish(m.type === 'result' ? { ok: true, bytes: new Uint8Array(m.bytes), diagnostics: m.diagnostics, notes: m.notes } : { ok: false, diagnostics: m.diagnostics, notes: m.notes });
    };
    // The browser's own account of the crash; it is empty when the worker's script failed to load.
    worker.onerror = (e) => finish({ ok: false, diagnostics: [], notes: [{ key: 'export.workerFailed', values: { detail: e.message || { key: 'export.unknown' } } }] });
    worker.postMessage(request);
  });
}

/** Offers bytes as a file download. */
export function downloadBytes(bytes: Uint8Array, filename: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
