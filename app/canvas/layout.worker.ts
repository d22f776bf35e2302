/// <reference lib="webworker" />
import ELK from 'elkjs/lib/elk.bundled.js';
import { warmupGraph, type LayoutRequest, type LayoutResponse } from './layout-graph.ts';

/** Runs ELK off the main thread so a large layout never blocks dragging or typing. */
const elk = new ELK();
/** One small layout as the worker starts (see `warmupGraph`); requests wait for it. */
const warm = elk.layout(warmupGraph()).catch(() => undefined);

self.onmessage = async (ev: MessageEvent<LayoutRequest>) => {
  const { id, graph } = ev.data;
  let res: LayoutResponse;
  try {
    await warm;
    res = { type: 'layout', id, out: await elk.layout(graph) };
  } catch (e) {
    res = { type: 'layout', id, err: (e as Error).message };
  }
  (self as unknown as Worker).postMessage(res);
};
