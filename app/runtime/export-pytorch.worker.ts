/// <reference lib="webworker" />
/**
 * The PyTorch export worker: writes the document as `model.py` plus the weights it loads (the
 * document's real weights where it has them) and zips the two into one folder, off the main
 * thread — a ResNet-152's weights are 240 MB — then transfers the zip's bytes back.
 */
import { strToU8, zipSync } from 'fflate';
import { exportPyTorch, PYTORCH_WEIGHTS_FILE } from '../../src/export/pytorch/model-py.ts';
import type { ExportResponse } from './export.worker.ts';
import { exportWeights } from './export-weights.ts';
import type { ResidualDocument } from '../../src/index.ts';

/** A request from the page: the document, and the folder name the zip holds its files in. */
export type ExportPyTorchRequest = { readonly type: 'export-pytorch'; readonly id: number; readonly doc: ResidualDocument; readonly folder: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (e: MessageEvent<ExportPyTorchRequest>) => {
  const req = e.data;
  if (req?.type !== 'export-pytorch') return;
  const { weights, notes } = await exportWeights(req.doc);
  const r = exportPyTorch(req.doc, weights ? { weights } : {});
  if (!r.modelPy) {
    scope.postMessage({ type: 'error', id: req.id, diagnostics: r.diagnostics.filter((d) => d.severity === 'error'), notes } satisfies ExportResponse);
    return;
  }
  // The weights are float32 noise to a compressor: stored, not deflated.
  const zip = zipSync({ [req.folder]: { 'model.py': strToU8(r.modelPy), [PYTORCH_WEIGHTS_FILE]: [r.weights!, { level: 0 }] } });
  const buf = zip.byteOffset === 0 && zip.byteLength === zip.buffer.byteLength ? (zip.buffer as ArrayBuffer) : (zip.slice().buffer as ArrayBuffer);
  scope.postMessage({ type: 'result', id: req.id, bytes: buf, diagnostics: r.diagnostics, notes } satisfies ExportResponse, [buf]);
};
