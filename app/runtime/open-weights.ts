import { decodeSafetensors, diag, encodeSafetensors, msg, type StoredTensor } from '../../src/index.ts';
import { adoptStateDict, stateDictShapes } from '../../src/export/pytorch/state-dict.ts';
import type { EditorStore } from '../store/editor-store.ts';
import { fetchWeights, storeWeights } from './weights-bytes.ts';

/** True for a weights file rather than a project or a model: by name. */
export const isWeightsFile = (file: File): boolean => /\.safetensors$/i.test(file.name);

/**
 * Opens a safetensors file as the open document's weights: a state_dict saved from PyTorch (an
 * exported model.py's `save_weights`, or the `safetensors` package) or one Residual Studio wrote.
 * Tensors land on the layers of the same names and shapes; the layers the file has nothing for
 * keep the weights they had. One undoable change (the document's `weights`); a file that fits no
 * layer changes nothing and says so.
 */
export async function openWeightsFile(store: EditorStore, file: File): Promise<void> {
  const ui = () => store.getState();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    ui().setFileError({ file: file.name, messages: [diag('RS501', msg('file-unreadable', { name: file.name, error: (e as Error).message }))] });
    return;
  }
  const decoded = decodeSafetensors(bytes);
  if (!decoded.store) {
    ui().setFileError({ file: file.name, messages: decoded.diagnostics.filter((d) => d.severity === 'error') });
    return;
  }
  const doc = ui().doc;
  const { weights, diagnostics } = adoptStateDict(doc, decoded.store);
  const shapes = stateDictShapes(doc);
  const used = [...decoded.store.keys()].filter((k) => shapes.has(k) && weights.get(k)!.owner !== '');
  if (used.length === 0) {
    const why = diagnostics.find((d) => d.messageRef?.id === 'state-dict-unexpected') ?? diagnostics[0];
    ui().toast('toast.weightsNone', 'error', { values: { file: file.name, message: why ?? { key: 'export.unknown' } } });
    return;
  }
  // What the document had stays where the file has nothing (fresh layers stay fresh).
  let before = new Map<string, StoredTensor>();
  if (doc.weights) {
    try {
      before = new Map(decodeSafetensors(await fetchWeights(doc.weights.uri)).store ?? []);
    } catch {
      // The old weights are gone from this browser: only the file's are kept.
    }
  }
  const merged = new Map([...before, ...used.map((k) => [k, weights.get(k)!] as const)]);
  const ref = await storeWeights(encodeSafetensors(merged));
  ui().setFileError(undefined);
  store.setState({ doc: { ...ui().doc, weights: { uri: ref.uri, sha256: ref.sha256 } } });
  ui().toast('toast.weightsOpened', 'info', { values: { file: file.name, n: used.length } });
  for (const d of diagnostics.slice(0, 3)) ui().toast('toast.importNote', 'info', { values: { code: d.code, message: d } });
}
