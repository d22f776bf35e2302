/**
 * The CLI's weight worker (bundled alone into `dist/weights-worker.mjs` by scripts/build-cli.mjs):
 * told where each fresh tensor goes in the file and its recipe ({@link FreshInit}: InitSpec,
 * document seed, stream key) as plain data, it claims tensors from the shared table, generates
 * them with `src/weights`' own `initTensorInto` and writes them at their offsets. It loads no
 * document, compiler or protobuf code, so it is generating within milliseconds of starting.
 */
import { parentPort } from 'node:worker_threads';
import type { FreshInit } from '../onnx/ir.ts';
import { initTensorInto } from '../weights/init.ts';
import { generateClaimed, type ClaimStats } from './fresh-claims.ts';

/** What the main thread tells a weight worker: the file, the tensors and the shared claim table. */
export interface WeightJob {
  readonly type: 'job';
  readonly fd: number;
  /** Claim order (largest first): offset, size and recipe of each fresh tensor (none: the main thread makes it). */
  readonly tensors: readonly { readonly offset: number; readonly elements: number; readonly freshInit?: FreshInit }[];
  /** Int32 per tensor: 0 unclaimed, else the claiming thread's number (main = 1). */
  readonly owner: SharedArrayBuffer;
  /** Int32 per tensor: 1 once its bytes are in the file. */
  readonly done: SharedArrayBuffer;
  /** This worker's thread number (2, 3, ...). */
  readonly me: number;
}

/** A weight worker's answer when it finds nothing left to claim, or fails. */
export type WeightReport = ({ readonly type: 'done' } & ClaimStats) | { readonly type: 'error'; readonly message: string };

/** A worker's life: one job, then a report. */
function runWorker(port: NonNullable<typeof parentPort>): void {
  port.once('message', (job: WeightJob) => {
    try {
      const fillOf = (i: number) => {
        const r = job.tensors[i]!.freshInit;
        return r ? (out: Float32Array) => initTensorInto(r.spec, out, r.seed, r.key) : undefined;
      };
      const stats = generateClaimed(job.fd, job.tensors, fillOf, new Int32Array(job.owner), new Int32Array(job.done), job.me);
      port.postMessage({ type: 'done', ...stats } satisfies WeightReport);
    } catch (e) {
      port.postMessage({ type: 'error', message: (e as Error).message } satisfies WeightReport);
    }
    port.close();
  });
}

if (parentPort) runWorker(parentPort);
