/**
 * What both workers that load onnxruntime-web (`runtime.worker.ts`, `train.worker.ts`) set up the
 * same way: the WASM threads they ask for, a build's configuration, and the adapter fields read.
 */
import type * as ort from 'onnxruntime-web/wasm';

/** One onnxruntime-web build: its module, with its own `env` and WASM instance. */
export type Ort = typeof ort;

/** WASM threads: up to 4 where the page is cross-origin isolated (SharedArrayBuffer), else 1. */
export const ORT_THREADS = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;

/** Points a build at its WASM binary (by URL) and sets threads, no proxy worker, errors-only logging. */
export function configureOrt(m: Ort, url: string): Ort {
  m.env.wasm.wasmPaths = { wasm: new URL(url, self.location.href).href };
  m.env.wasm.numThreads = ORT_THREADS;
  m.env.wasm.proxy = false;
  m.env.logLevel = 'error';
  return m;
}

/** The parts of a GPUAdapter we read (older Chromium has `isFallbackAdapter` on the adapter, newer on `info`). */
export interface GpuAdapterLike {
  readonly info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}
