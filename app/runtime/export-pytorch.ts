import type { ResidualDocument } from '../../src/index.ts';
import { runExportWorker, type ExportResult } from './export-onnx.ts';
import type { ExportPyTorchRequest } from './export-pytorch.worker.ts';

/** The zip's file name and the folder inside it, from the document's name: `ResNet-18-pytorch`. */
export const pytorchFolder = (doc: ResidualDocument): string => `${doc.name.replace(/[^\w.-]+/g, '-') || 'network'}-pytorch`;

/**
 * Writes the document as PyTorch code in a worker: a zip holding `<folder>/model.py` and
 * `<folder>/weights.safetensors` (its real weights where it has them, as the ONNX export).
 */
export function exportPyTorchZip(doc: ResidualDocument): Promise<ExportResult> {
  return runExportWorker(
    () => new Worker(new URL('./export-pytorch.worker.ts', import.meta.url), { type: 'module', name: 'residual-export-pytorch' }),
    { type: 'export-pytorch', id: 1, doc, folder: pytorchFolder(doc) } satisfies ExportPyTorchRequest,
  );
}
