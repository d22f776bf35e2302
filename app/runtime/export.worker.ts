/// <reference lib="webworker" />
/**
 * The ONNX export worker: compiles the document with its real weights (where it has them) off the
 * main thread — a ResNet-152 is 240 MB of weights — and transfers the file's bytes back.
 */
import { compile, type Diagnostic, type ResidualDocument } from '../../src/index.ts';
import type { UiMessage } from '../store/ui-slice.ts';
import { exportWeights } from './export-weights.ts';

/** A request from the page. */
export type ExportRequest = { readonly type: 'export'; readonly id: number; readonly doc: ResidualDocument; readonly opset?: number; readonly foldBatchNorm?: boolean };

/**
 * The answer: the file, or why there is none. `notes` are the app's own messages (by i18n key):
 * that the trained weights could not be loaded and the file has fresh ones.
 */
export type ExportResponse =
  | { readonly type: 'result'; readonly id: number; readonly bytes: ArrayBuffer; readonly diagnostics: readonly Diagnostic[]; readonly notes: readonly UiMessage[] }
  | { readonly type: 'error'; readonly id: number; readonly diagnostics: readonly Diagnostic[]; readonly notes: readonly UiMessage[] };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (e: MessageEvent<ExportRequest>) => {
  const req = e.data;
  if (req?.type !== 'export') return;
  const { weights, notes } = await exportWeights(req.doc);
  const r = compile(req.doc, { ...(req.opset ? { opset: req.opset } : {}), ...(weights ? { weights } : {}), foldBatchNorm: req.foldBatchNorm === true });
  if (!r.bytes) {
    scope.postMessage({ type: 'error', id: req.id, diagnostics: r.diagnostics.filter((d) => d.severity === 'error'), notes } satisfies ExportResponse);
    return;
  }
  const buf = r.bytes.byteOffset === 0 && r.bytes.byteLength === r.bytes.buffer.byteLength ? (r.bytes.buffer as ArrayBuffer) : (r.bytes.slice().buffer as ArrayBuffer);
  scope.postMessage({ type: 'result', id: req.id, bytes: buf, diagnostics: r.diagnostics, notes } satisfies ExportResponse, [buf]);
};
