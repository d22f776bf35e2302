/// <reference lib="webworker" />
/**
 * The ONNX import worker: reads a dropped or picked `.onnx` file off the main thread so the page
 * stays responsive (ResNet-152 is ~240 MB), reporting progress as it goes. It answers one
 * `import` request with `progress` messages and then exactly one `result` or `error`.
 *
 * The weights come back as safetensors bytes (transferred, not copied), ready to be served to
 * the runtime worker from an object URL as the document's `weights.uri`.
 */
import type { Diagnostic, ResidualDocument } from '../../src/index.ts';
import { importOnnx } from '../../src/onnx/import/index.ts';
import { encodeSafetensors } from '../../src/weights/safetensors.ts';

/** Requests from the page. */
export type ImportRequest = {
  readonly type: 'import';
  readonly id: number;
  readonly bytes: ArrayBuffer;
  readonly name: string;
  /** Test-only: wait this long before importing, so a test can cancel an import in progress. */
  readonly delayMs?: number;
};

/** Messages to the page. */
export type ImportResponse =
  | { readonly type: 'progress'; readonly id: number; readonly fraction: number; readonly phase: string }
  | { readonly type: 'result'; readonly id: number; readonly doc: ResidualDocument; readonly weights?: ArrayBuffer; readonly diagnostics: readonly Diagnostic[]; readonly embedded: boolean; readonly ms: number }
  | { readonly type: 'error'; readonly id: number; readonly diagnostics: readonly Diagnostic[] };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (e: MessageEvent<ImportRequest>) => {
  const req = e.data;
  if (req?.type !== 'import') return;
  if (req.delayMs) await new Promise((r) => setTimeout(r, req.delayMs));
  const post = (m: ImportResponse, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
  const t0 = performance.now();
  const r = importOnnx(new Uint8Array(req.bytes), {
    name: req.name.replace(/\.onnx$/i, ''),
    onProgress: (fraction, phase) => post({ type: 'progress', id: req.id, fraction: fraction * 0.9, phase }),
  });
  if (!r.doc) {
    post({ type: 'error', id: req.id, diagnostics: r.diagnostics });
    return;
  }
  post({ type: 'progress', id: req.id, fraction: 0.92, phase: 'weights' });
  const bytes = r.weights && r.weights.size > 0 ? encodeSafetensors(r.weights) : undefined;
  const weights = !bytes ? undefined : bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
  post({ type: 'result', id: req.id, doc: r.doc, ...(weights ? { weights } : {}), diagnostics: r.diagnostics, embedded: r.embedded === true, ms: performance.now() - t0 }, weights ? [weights] : []);
};
