import { decodeSafetensors, type ResidualDocument, type WeightStore } from '../../src/index.ts';
import type { UiMessage } from '../store/ui-slice.ts';
import { fetchWeights } from './weights-bytes.ts';

/**
 * The document's real weights for an export (ONNX or PyTorch), or a note saying why the export has
 * fresh ones instead. The core has no message for this (its RS504 ones are about opening files),
 * so the note is the app's.
 */
export async function exportWeights(doc: ResidualDocument): Promise<{ weights?: WeightStore; notes: UiMessage[] }> {
  if (!doc.weights) return { notes: [] };
  try {
    const r = decodeSafetensors(await fetchWeights(doc.weights.uri));
    if (r.store) return { weights: r.store, notes: [] };
    return { notes: [{ key: 'export.freshWeights', values: { reason: r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0] ?? { key: 'export.unknown' } } }] };
  } catch (err) {
    return { notes: [{ key: 'export.freshWeights', values: { reason: (err as Error).message } }] };
  }
}
