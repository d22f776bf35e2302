import { buildTemplate, parseDocument, type ResidualDocument } from '../../src/index.ts';

/** Where the trained default document is served (made by scripts/make-default-model.ts). */
export const DEFAULT_MODEL_URL = '/models/fashion-resnet.project.json';

/**
 * The document a new editor opens with: the Fashion-MNIST residual net with its trained weights
 * (`weights.uri` points at the shipped safetensors). If the file cannot be fetched, the same
 * architecture from the template, with fresh weights, so the editor always opens.
 */
export async function loadDefaultDocument(): Promise<ResidualDocument> {
  try {
    const res = await fetch(DEFAULT_MODEL_URL);
    if (res.ok) {
      const { doc } = parseDocument(await res.text());
      if (doc) return doc;
    }
  } catch {
    // Offline or served without public/: fall through to the untrained template.
  }
  return buildTemplate('fashion-resnet')!;
}
