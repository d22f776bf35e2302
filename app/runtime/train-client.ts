import { WorkerClient, type WorkerClientOptions, type ResponseOf, type WorkerLike } from './client.ts';
import { batchTransferables, type TrainOutByType, type TrainRequest, type WireBatch } from './train-protocol.ts';

/** The training worker's protocol (`train-protocol.ts`), for {@link WorkerClient}. */
export interface TrainProtocol {
  readonly request: TrainRequest;
  readonly out: TrainOutByType;
}

/**
 * How long a training request may go unanswered before the worker counts as hung (ms). A
 * `steps` request of many steps of a large net needs more: pass its own timeout.
 */
export const TRAIN_TIMEOUTS: Readonly<Record<keyof TrainOutByType, number>> = {
  open: 180_000,
  steps: 300_000,
  state: 60_000,
  close: 30_000,
  cancel: 15_000,
};

/**
 * The typed client of `train.worker.ts`: request ids, timeouts, crash and hang recovery as for
 * the runtime worker (a crashed or hung worker is replaced and the request fails with
 * `crash`/`timeout`; the open step file is then gone and must be opened again).
 *
 * @example
 * const t = new TrainClient();
 * await t.request({ type: 'open', bytes, backend: 'wasm', state }).promise;
 * const { losses, state: trained } = await t.steps({ batches, steps: 5, lr: 0.05, returnState: true });
 */
export class TrainClient extends WorkerClient<TrainProtocol> {
  constructor(factory: () => WorkerLike<ResponseOf<TrainProtocol>> = createTrainWorker, opts: WorkerClientOptions<TrainProtocol> = {}) {
    super(factory, TRAIN_TIMEOUTS, opts, 'the training worker');
  }

  /** Runs steps, transferring the batches' buffers (the caller must not reuse them). */
  steps(body: { readonly batches: readonly WireBatch[]; readonly steps: number; readonly lr: number | readonly number[]; readonly returnState?: boolean }, timeoutMs?: number): Promise<TrainOutByType['steps']> {
    return this.request({ type: 'steps', ...body }, batchTransferables(body.batches), timeoutMs).promise;
  }
}

/** The training worker: a module worker built by Vite from `train.worker.ts`. */
export function createTrainWorker(): WorkerLike<ResponseOf<TrainProtocol>> {
  return new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'residual-train' });
}
