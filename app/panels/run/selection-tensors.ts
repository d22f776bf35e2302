import type { Analysis, EdgeId, NodeId, ResidualDocument } from '../../../src/index.ts';

/** One tensor to show for the selection, with the role it plays. */
export interface ShownTensor {
  readonly role: 'output' | 'mainPath' | 'shortcut' | 'sum';
  /** Caption: F(x), x, F(x)+x or the tensor's name. */
  readonly title: string;
  /** ONNX tensor name (`input` and `logits` are the graph's own). */
  readonly name: string;
}

/**
 * The tensors the activation view shows for a selected node or edge. A residual block shows its
 * main path F(x), the shortcut's x and the sum F(x)+x; any other node its output; an edge the
 * tensor it carries.
 */
export function tensorsForSelection(doc: ResidualDocument, analysis: Analysis, sel: { nodeId?: NodeId; edgeId?: EdgeId }): { label: string; tensors: ShownTensor[] } | undefined {
  let nodeId = sel.nodeId;
  let via = '';
  if (!nodeId && sel.edgeId) {
    const e = doc.edges.find((x) => x.id === sel.edgeId);
    if (!e) return undefined;
    nodeId = e.source;
    const t = doc.nodes.find((n) => n.id === e.target);
    via = t ? ` → ${t.name}` : '';
  }
  if (!nodeId) return undefined;
  const node = doc.nodes.find((n) => n.id === nodeId);
  const info = analysis.nodes.get(nodeId);
  if (!node || !info) return undefined;
  const t = info.tensors;
  const label = `${node.name}${via}`;
  if (!sel.edgeId && t.mainPath && t.sum) {
    return {
      label,
      tensors: [
        { role: 'mainPath', title: 'F(x)', name: t.mainPath },
        ...(t.shortcut ? [{ role: 'shortcut' as const, title: 'x (shortcut)', name: t.shortcut }] : []),
        { role: 'sum', title: 'F(x) + x', name: t.sum },
      ],
    };
  }
  const name = node.op === 'Output' ? 'logits' : t.output;
  return name ? { label, tensors: [{ role: 'output', title: name, name }] } : undefined;
}

/** Names to ask the compiler to expose: everything shown except the graph's own input and logits. */
export function exposeFor(shown: readonly ShownTensor[] | undefined): string[] {
  return [...new Set((shown ?? []).map((s) => s.name).filter((n) => n !== 'input' && n !== 'logits'))];
}
