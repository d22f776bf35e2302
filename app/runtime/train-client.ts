import { WorkerClient, type WorkerClientOptions, type ResponseOf, type WorkerLike } from './client.ts';
import type { WireTensor } from './protocol.ts';
import { batchTransferables, type DataInfo, type DataSource, type TrainBackend, type TrainEvent, type TrainOutByType, type TrainRequest, type TrainRunOut, type TrainRunSpec, type WireBatch } from './train-protocol.ts';

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
  data: 120_000,
  // A run lasts as long as it lasts: a crash still ends it (the worker's error event).
  train: 7 * 24 * 3600_000,
  control: 15_000,
  crash: 15_000,
};

/**
 * The typed client of `train.worker.ts`: request ids, timeouts, crash and hang recovery as for
 * the runtime worker (a crashed or hung worker is replaced and the request fails with
 * `crash`/`timeout`; the open step file is then gone and must be opened again).
 *
 * @example
 * const t = new TrainClient();
 * await t.open({ bytes, backend: 'wasm', state });
 * const { losses, state: trained } = await t.steps({ batches, steps: 5, lr: 0.05, returnState: true });
 */
export class TrainClient extends WorkerClient<TrainProtocol> {
  constructor(factory: () => WorkerLike<ResponseOf<TrainProtocol>> = createTrainWorker, opts: WorkerClientOptions<TrainProtocol> = {}) {
    super(factory, TRAIN_TIMEOUTS, opts, 'the training worker');
  }

  /** Opens a step file, transferring its bytes and the state's buffers (the caller must not reuse them). */
  open(body: { readonly bytes: Uint8Array; readonly backend: TrainBackend; readonly state: readonly WireTensor[]; readonly placement?: boolean }, timeoutMs?: number): Promise<TrainOutByType['open']> {
    const buffers = new Set<ArrayBuffer>();
    for (const d of [body.bytes, ...body.state.map((t) => t.data)]) if (d.buffer instanceof ArrayBuffer) buffers.add(d.buffer);
    return this.request({ type: 'open', ...body }, [...buffers], timeoutMs).promise;
  }

  /** Loads a data set into the worker (a bad file fails it; the data set loaded before stays). */
  data(source: DataSource): Promise<DataInfo> {
    return this.request({ type: 'data', source }).promise;
  }

  /**
   * Trains the document with the core's loop in the worker; `onEvent` gets its progress, epochs
   * and checkpoints. Resolves when the run ends (done, stopped or diverged).
   */
  train(run: TrainRunSpec, onEvent: (e: TrainEvent) => void): Promise<TrainRunOut> {
    const channel = new MessageChannel();
    channel.port1.onmessage = (ev: MessageEvent<TrainEvent>) => onEvent(ev.data);
    // The port is left open: its last events (the final epoch's checkpoint) may arrive after the answer.
    return this.request({ type: 'train', run, port: channel.port2 }, [channel.port2]).promise;
  }

  /** Pause, resume or stop the run in flight. */
  control(action: 'pause' | 'resume' | 'stop'): Promise<{ readonly applied: boolean }> {
    return this.request({ type: 'control', action }).promise;
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
