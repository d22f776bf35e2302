import type { ResidualDocument } from '../../src/index.ts';
import type { WireError } from './protocol.ts';

/**
 * The typed messages between the page and `signals.worker.ts`, which measures a network's signals
 * at initialisation (`src/train/signals.ts`: every layer's activation standard deviation forward,
 * every parameter's gradient norm backward) on one batch of the shipped Fashion-MNIST test
 * images, in onnxruntime-web on WASM. Answered by `{type:'result', id, out}` or `{type:'error', id, err}`.
 */
export type SignalsRequest =
  | {
      readonly type: 'signals';
      readonly id: number;
      /** Measured with its weights as they are: fresh from its seed unless it has its own. */
      readonly doc: ResidualDocument;
      readonly batch: number;
    }
  | { readonly type: 'cancel'; readonly id: number; readonly target: number };

/** One value per layer (activations) or per parameter (gradients), in forward order. */
export interface SignalPoint {
  /** Flat layer name (`layer1.0.conv1`); for gradients the parameter's state_dict name is `param`. */
  readonly layer: string;
  readonly op: string;
  readonly param?: string;
  readonly value: number;
}

export interface SignalsOut {
  readonly loss: number;
  readonly activations: readonly SignalPoint[];
  readonly gradients: readonly SignalPoint[];
  /** Images the batch held, and how long compile + run took (ms). */
  readonly batch: number;
  readonly ms: number;
}

export interface SignalsOutByType {
  signals: SignalsOut;
  cancel: { readonly cancelled: boolean };
}

export type SignalsResponse =
  | { readonly type: 'result'; readonly id: number; readonly out: SignalsOutByType[keyof SignalsOutByType] }
  | { readonly type: 'error'; readonly id: number; readonly err: WireError }
  | { readonly type: 'ready' };
