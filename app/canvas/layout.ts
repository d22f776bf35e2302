import type { ElkNode } from 'elkjs/lib/elk-api';
import type { NodeId, Position, ResidualDocument } from '../../src/index.ts';
import type { LayoutDirection } from '../store/view-slice.ts';
import { fromElkGraph, toElkGraph, type LayoutResponse } from './layout-graph.ts';

let worker: Worker | undefined;
let seq = 0;
const pending = new Map<number, { resolve: (g: ElkNode) => void; reject: (e: Error) => void }>();

function getWorker(): Worker | undefined {
  if (worker) return worker;
  if (typeof Worker === 'undefined') return undefined;
  worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<LayoutResponse>) => {
    const p = pending.get(ev.data.id);
    if (!p) return;
    pending.delete(ev.data.id);
    if ('err' in ev.data) p.reject(new Error(ev.data.err));
    else p.resolve(ev.data.out);
  };
  return worker;
}

async function runElk(graph: ElkNode): Promise<ElkNode> {
  const w = getWorker();
  if (!w) {
    const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
    return new ELK().layout(graph);
  }
  const id = ++seq;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ type: 'layout', id, graph });
  });
}

/** Lays a document out with ELK (layered, top-down or left-to-right) in a worker. */
export async function layoutDocument(doc: ResidualDocument, direction: LayoutDirection): Promise<Map<NodeId, Position>> {
  return fromElkGraph(await runElk(toElkGraph(doc, direction)));
}

// The layout worker starts as the app's code loads: loading and warming ELK (a large script) then
// overlaps fetching and building the document, instead of following it on the first layout.
if (typeof window !== 'undefined') getWorker();
