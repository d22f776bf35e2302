import { buildTemplate, parseDocument, type ResidualDocument } from '../../src/index.ts';

/** Where the trained default document is served (made by scripts/make-default-model.ts). */
export const DEFAULT_MODEL_URL = '/models/fashion-resnet.project.json';

/**
 * The document a new editor opens with: the Fashion-MNIST residual net with its trained weights
 * (`weights.uri` points at the shipped safetensors). If the file cannot be fetched, the same
 * architecture from the template, with fresh weights, so the editor always opens. `laidOut`: the
 * shipped file carries its top-down auto layout already (scripts/make-default-model.ts writes it,
 * a test keeps it equal to the layout's output), so the editor shows it without laying it out.
 */
export async function loadDefaultDocument(): Promise<{ readonly doc: ResidualDocument; readonly laidOut: boolean }> {
  try {
    const res = await fetch(DEFAULT_MODEL_URL);
    if (res.ok) {
      const { doc } = parseDocument(await res.text());
      if (doc) return { doc, laidOut: true };
    }
  } catch {
    // Offline or served without public/: fall through to the untrained template.
  }
  return { doc: buildTemplate('fashion-resnet')!, laidOut: false };
}
