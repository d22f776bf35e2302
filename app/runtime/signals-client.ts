import { WorkerClient, type ResponseOf, type WorkerLike } from './client.ts';
import type { SignalsOut, SignalsOutByType, SignalsRequest } from './signals-protocol.ts';
import type { ResidualDocument } from '../../src/index.ts';

/** The signals worker's protocol (`signals-protocol.ts`), for {@link WorkerClient}. */
export interface SignalsProtocol {
  readonly request: SignalsRequest;
  readonly out: SignalsOutByType;
}

/** A deep net's signals graph takes a while to compile and run on one thread under load. */
const TIMEOUTS: Readonly<Record<keyof SignalsOutByType, number>> = { signals: 180_000, cancel: 15_000 };

/**
 * The typed client of `signals.worker.ts` (crash and hang recovery as for the runtime worker).
 *
 * @example
 * const out = await signalsClient().measure(doc, 32);
 * out.gradients.map((g) => g.value); // gradient norms at initialisation, forward order
 */
export class SignalsClient extends WorkerClient<SignalsProtocol> {
  constructor(factory: () => WorkerLike<ResponseOf<SignalsProtocol>> = createSignalsWorker) {
    super(factory, TIMEOUTS, {}, 'the signals worker');
  }

  measure(doc: ResidualDocument, batch: number): Promise<SignalsOut> {
    return this.request({ type: 'signals', doc, batch }).promise;
  }
}

export function createSignalsWorker(): WorkerLike<ResponseOf<SignalsProtocol>> {
  return new Worker(new URL('./signals.worker.ts', import.meta.url), { type: 'module', name: 'residual-signals' });
}

let shared: SignalsClient | undefined;
/** The page's one signals client (made on first use). */
export function signalsClient(): SignalsClient {
  return (shared ??= new SignalsClient());
}
