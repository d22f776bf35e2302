import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { downloadBytes } from '../runtime/export-onnx.ts';
import { exportPyTorchZip, pytorchFolder } from '../runtime/export-pytorch.ts';
import { useEditorStore } from '../store/context.tsx';

/**
 * "Export PyTorch": downloads `<name>-pytorch.zip` holding `model.py` (the network as PyTorch
 * source) and the `weights.safetensors` it loads. A network PyTorch cannot express (an opaque
 * imported op) is a toast with the diagnostic, and nothing is downloaded.
 */
export function ExportPyTorchButton() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    const doc = store.getState().doc;
    const file = `${pytorchFolder(doc)}.zip`;
    setBusy(true);
    const r = await exportPyTorchZip(doc).finally(() => setBusy(false));
    const ui = store.getState();
    if (!r.ok) {
      const first = r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0];
      if (first) ui.toast('toast.exportFailed', 'error', { values: { code: first.code, message: first } });
      else ui.toast('toast.exportCrashed', 'error', { values: { message: r.notes[0] ?? { key: 'export.unknown' } } });
      return;
    }
    downloadBytes(r.bytes, file, 'application/zip');
    ui.toast('toast.exported', 'info', { values: { file } });
    for (const n of r.notes) ui.toast(n.key, 'error', { values: { ...n.values } });
  };
  return (
    <button onClick={() => void run()} disabled={busy} aria-busy={busy} title={t('top.exportPyTorchHint')} data-testid="topbar.exportPyTorch">
      {t('top.exportPyTorch')}
    </button>
  );
}
