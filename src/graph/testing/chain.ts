/** Test support: documents built op by op. */
import { createDocument } from '../../document/document.ts';
import { addNode, connect } from '../edit.ts';
import type { NodeId } from '../ids.ts';
import type { InputSpec, OpKind, Params, ResidualDocument } from '../types.ts';

/** A straight chain of the given ops, each fed by the one before, top to bottom. */
export function chain(ops: [OpKind, Params?][], input: InputSpec = { channels: 3, height: 32, width: 32 }): { doc: ResidualDocument; ids: NodeId[] } {
  let doc = createDocument({ input });
  const ids: NodeId[] = [];
  for (const [op, params] of ops) {
    const r = addNode(doc, op, { position: { x: 0, y: ids.length * 90 }, params: params ?? {} });
    doc = r.doc;
    if (ids.length) doc = connect(doc, { source: ids.at(-1)!, sourcePort: 0, target: r.id, targetPort: 0 }).doc;
    ids.push(r.id);
  }
  return { doc, ids };
}
