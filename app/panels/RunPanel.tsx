import type { Analysis, EdgeId, NodeId, ResidualDocument } from '../../src/index.ts';

/** Props the editor passes to the run panel (owned by the live-execution work). */
export interface RunPanelProps {
  readonly doc: ResidualDocument;
  readonly analysis: Analysis;
  readonly selection: { readonly nodeId?: NodeId; readonly edgeId?: EdgeId };
}

/** Placeholder until live execution lands: the editor mounts this in its right column. */
export function RunPanel(_props: RunPanelProps) {
  return <section data-testid="run.panel" />;
}
