import { analysisOf } from '../store/derived.ts';
import { RuntimeClient, createRuntimeWorker, type RuntimeEvent } from './client.ts';
import { CompilePrefetch } from './prefetch.ts';

/** The page's single runtime client, created on first use and shared by every panel. */
let client: RuntimeClient | undefined;
const listeners = new Set<(e: RuntimeEvent) => void>();

/** The shared runtime client (one worker for the page). */
export function getRuntime(): RuntimeClient {
  client ??= new RuntimeClient(createRuntimeWorker, { onEvent: (e) => listeners.forEach((f) => f(e)) });
  return client;
}

/** Subscribes to worker restarts (crash or hang); returns the unsubscribe function. */
export function onRuntimeEvent(f: (e: RuntimeEvent) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** The page's compile prefetch: the live loop tells it what it compiles, the run panel what changes. */
export const compilePrefetch = new CompilePrefetch(getRuntime, analysisOf);
