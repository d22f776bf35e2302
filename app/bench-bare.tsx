import { ReactFlow, useEdgesState, useNodesState, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { createRoot } from 'react-dom/client';

/** Baseline for scripts/bench-ui.mjs: default React Flow nodes in a column, same count as the editor's. */
const n = Number(new URLSearchParams(location.search).get('n') ?? 500);
const initialNodes: Node[] = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, position: { x: (i % 4) * 260, y: Math.floor(i / 4) * 110 }, data: { label: `node ${i}` } }));
const initialEdges: Edge[] = Array.from({ length: n - 1 }, (_, i) => ({ id: `e${i}`, source: `n${i}`, target: `n${i + 1}`, label: 'N×64×56×56' }));

function Bare() {
  const [nodes, , onNodesChange] = useNodesState(initialNodes);
  const [edges, , onEdgesChange] = useEdgesState(initialEdges);
  return <ReactFlow nodes={nodes} edges={edges} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} fitView onlyRenderVisibleElements />;
}

createRoot(document.getElementById('root')!).render(<Bare />);
(window as unknown as { __rsBench: { ready: number } }).__rsBench = { ready: performance.now() };
