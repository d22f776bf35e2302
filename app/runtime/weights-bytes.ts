import { get, set } from 'idb-keyval';

/**
 * Real weights live apart from the JSON document, as safetensors bytes, addressed by
 * `doc.weights.uri`:
 * - `idb:<sha256>` — stored in this browser's IndexedDB (imported or trained here); survives reloads;
 * - anything else — a URL on this origin (the shipped default model under `models/`) or a `blob:` URL.
 * Used by the page, the runtime worker and the export worker alike (IndexedDB works in workers).
 */
const PREFIX = 'idb:';
const keyOf = (uri: string) => `rs:weights:${uri.slice(PREFIX.length)}`;

/** Stores safetensors bytes in IndexedDB under their content hash; returns the `idb:` URI and the hash. */
export async function storeWeights(bytes: Uint8Array): Promise<{ uri: string; sha256: string }> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const uri = `${PREFIX}${sha256}`;
  await set(keyOf(uri), bytes);
  return { uri, sha256 };
}

/** Reads the safetensors bytes a `weights.uri` points to. Throws with a clear message when they are gone. */
export async function fetchWeights(uri: string): Promise<Uint8Array> {
  if (uri.startsWith(PREFIX)) {
    const bytes = await get<Uint8Array>(keyOf(uri));
    if (!bytes) throw new Error(`the weights ${uri.slice(0, 16)}… are not stored in this browser`);
    return bytes;
  }
  const base = typeof location !== 'undefined' ? location.href : undefined;
  const res = await fetch(new URL(uri, base));
  if (!res.ok) throw new Error(`weights ${uri}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
