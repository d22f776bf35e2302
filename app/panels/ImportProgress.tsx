import { useTranslation } from 'react-i18next';
import { diag, msg, type Diagnostic, type MessageRef, type ResidualDocument } from '../../src/index.ts';
import type { ImportRequest, ImportResponse } from '../runtime/import.worker.ts';
import { storeWeights } from '../runtime/weights-bytes.ts';

/** What opening an ONNX file gives: the document to load (weights served from an object URL), or why not. */
export type OnnxOpenResult =
  | { readonly ok: true; readonly doc: ResidualDocument; readonly diagnostics: readonly Diagnostic[]; readonly embedded: boolean; readonly ms: number }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Progress of an import, for {@link ImportProgress}. */
export interface ImportProgressState {
  readonly file: string;
  readonly fraction: number;
  readonly phase: string;
  /** Stops the import: the worker is terminated and the open document is left as it was. */
  readonly cancel?: () => void;
}

let nextId = 1;

/** `?testImportDelay=ms` holds the import in the worker for that long (e2e: cancelling mid-import). */
const testDelay = (): { delayMs?: number } => {
  const ms = Number(new URLSearchParams(globalThis.location?.search ?? '').get('testImportDelay') ?? 0);
  return ms > 0 ? { delayMs: Math.min(ms, 60_000) } : {};
};

/**
 * Imports an ONNX file in `import.worker.ts` (off the main thread), reporting progress. On
 * success the imported weights (safetensors) are kept in IndexedDB and the document's
 * `weights.uri` is their `idb:` address, so they survive reloads; if IndexedDB refuses, an object
 * URL serves them for this session and a warning says so. Never rejects: failures are diagnostics.
 */
export function openOnnxFile(file: Blob & { readonly name?: string }, onProgress: (p: ImportProgressState) => void = () => {}): Promise<OnnxOpenResult> {
  const name = file.name ?? 'model.onnx';
  return new Promise((resolve) => {
    const fail = (ref: MessageRef) => resolve({ ok: false, diagnostics: [diag('RS601', ref)] });
    let worker: Worker;
    try {
      worker = new Worker(new URL('../runtime/import.worker.ts', import.meta.url), { type: 'module', name: 'residual-import' });
    } catch (e) {
      fail(msg('import-worker-start', { error: (e as Error).message }));
      return;
    }
    const id = nextId++;
    let finished = false;
    const done = (r: OnnxOpenResult) => {
      if (finished) return;
      finished = true;
      worker.terminate();
      resolve(r);
    };
    // Terminating the worker is what makes cancelling work whatever the importer is doing.
    const cancel = () => done({ ok: false, diagnostics: [diag('RS607', msg('import-cancelled', { name }))] });
    const report = (p: Omit<ImportProgressState, 'cancel'>) => onProgress({ ...p, cancel });
    worker.onerror = (e) => done({ ok: false, diagnostics: [diag('RS601', msg('import-worker-failed', { error: e.message }))] });
    worker.onmessage = (e: MessageEvent<ImportResponse>) => {
      const m = e.data;
      if (m.id !== id) return;
      if (m.type === 'progress') report({ file: name, fraction: m.fraction, phase: m.phase });
      else if (m.type === 'error') done({ ok: false, diagnostics: m.diagnostics });
      else {
        const finish = (weights: ResidualDocument['weights'], extra: Diagnostic[] = []) => {
          onProgress({ file: name, fraction: 1, phase: 'done' });
          done({ ok: true, doc: weights ? { ...m.doc, weights } : m.doc, diagnostics: [...m.diagnostics, ...extra], embedded: m.embedded, ms: m.ms });
        };
        if (!m.weights) return finish(undefined);
        const bytes = new Uint8Array(m.weights);
        storeWeights(bytes).then(
          (w) => finish(w),
          (err: unknown) =>
            finish({ uri: URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' })) }, [
              { ...diag('RS504', msg('weights-memory-only', { error: (err as Error).message })), severity: 'warning' },
            ]),
        );
      }
    };
    report({ file: name, fraction: 0, phase: 'read' });
    file.arrayBuffer().then(
      (bytes) => worker.postMessage({ type: 'import', id, bytes, name, ...testDelay() } satisfies ImportRequest, [bytes]),
      (e: unknown) => done({ ok: false, diagnostics: [diag('RS601', msg('file-unreadable', { name, error: (e as Error).message }))] }),
    );
  });
}

/** The progress bar shown while an ONNX file is being imported. */
export function ImportProgress({ progress }: { progress: ImportProgressState | undefined }) {
  const { t } = useTranslation();
  if (!progress || progress.fraction >= 1) return null;
  const pct = Math.round(progress.fraction * 100);
  return (
    <div className="banner import-progress" role="status" aria-live="polite" data-testid="import.progress">
      <span>
        {progress.file} — {t(`importPhase.${progress.phase}`, { defaultValue: progress.phase })} {pct}%
      </span>
      <progress max={100} value={pct} data-testid="import.progress.bar" />
      {progress.cancel && (
        <button type="button" onClick={progress.cancel} data-testid="import.cancel">
          {t('import.cancel')}
        </button>
      )}
    </div>
  );
}
