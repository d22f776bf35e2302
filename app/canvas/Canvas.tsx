import { applyNodeChanges, Background, Controls, MiniMap, ReactFlow, useReactFlow, useStore, useUpdateNodeInternals, type Connection, type NodeChange, type OnNodeDrag, type Viewport } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { EdgeId, NodeId, OpKind, Position, UserBlockDef } from '../../src/index.ts';
import { useEditor, useEditorStore } from '../store/context.tsx';
import { useTeaching } from '../teaching/context.tsx';
import { locksEditing } from '../teaching/restrictions.ts';
import { BlockNode } from './BlockNode.tsx';
import { DirectionContext } from './direction.ts';
import { createEdgeSelector, createNodeSelector, keepDragged, type FlowEdge, type FlowNode } from './flow-adapter.ts';
import { FrameNode } from './FrameNode.tsx';
import { LayerNode } from './LayerNode.tsx';
import { ShapeEdge } from './ShapeEdge.tsx';
import { useActions } from './useRelayout.ts';
import { markNodes, useDiffMarks } from '../panels/diff/useModelDiff.ts';

const nodeTypes = { block: BlockNode, layer: LayerNode, frame: FrameNode };
const edgeTypes = { shape: ShapeEdge, arc: ShapeEdge };
export const PALETTE_MIME = 'application/x-residual-op';
/** A user-defined block dragged from the palette: its definition as JSON, so a block kept from another document comes with it. */
export const USER_BLOCK_MIME = 'application/x-residual-user-block';
const port = (h: string | null | undefined) => Number(h?.split('-')[1] ?? 0);

/** Below this zoom the card text is a few pixels high: draw plain boxes (see `.lod-low` in styles.css). */
const LOW_ZOOM = 0.2;
/**
 * Below this zoom (a whole network fitted to the screen) the cards show their essentials in
 * larger type, so the overview reads on a projector (see `.lod-mid` in styles.css).
 */
const MID_ZOOM = 0.6;

/**
 * Puts `lod-low` or `lod-mid` on the canvas by zoom. A selector that changes only when a
 * threshold is crossed, and a class on one element, so no card re-renders at all: CSS resizes or
 * hides text rows, handles and edge labels (the elements and their test ids stay).
 */
function ZoomDetail({ el }: { el: HTMLElement | null }) {
  const level = useStore((s) => (s.transform[2] < LOW_ZOOM ? 'low' : s.transform[2] < MID_ZOOM ? 'mid' : 'full'));
  useEffect(() => {
    el?.classList.toggle('lod-low', level === 'low');
    el?.classList.toggle('lod-mid', level === 'mid');
    el?.setAttribute('data-lod', level);
  }, [el, level]);
  return null;
}

/** The React Flow canvas. Nodes and edges are derived from the document; it never edits it itself. */
export function Canvas() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const actions = useActions();
  const rf = useReactFlow();
  const selectNodes = useMemo(() => createNodeSelector(), []);
  const selectEdges = useMemo(() => createEdgeSelector(), []);
  const derivedNodes = useEditor(selectNodes);
  const edges = useEditor(selectEdges);
  const colorMode = useEditor((s) => s.view.theme);
  const direction = useEditor((s) => s.view.direction);
  // Cards carry their measured size, so React Flow keeps their handle bounds; switching between
  // top-down and left-to-right moves every handle, so they are measured again once.
  const updateNodeInternals = useUpdateNodeInternals();
  const firstDirection = useRef(direction);
  useEffect(() => {
    if (firstDirection.current === direction) return;
    firstDirection.current = direction;
    updateNodeInternals(store.getState().doc.nodes.map((n) => n.id));
  }, [direction, store, updateNodeInternals]);
  const defaultViewport = useMemo(() => store.getState().view.viewport, [store]);
  const [canvasEl, setCanvasEl] = useState<HTMLDivElement | null>(null);

  // React Flow owns the live node state: a drag changes only this local array (one new object
  // for the moved node per frame), never the store, so nothing else re-renders while dragging.
  // The document gets the positions once, at drag end (one undo step). Whenever the derived
  // nodes change (an edit, the selection, a commit), they replace the local ones.
  const [nodes, setNodes] = useState(derivedNodes);
  const [synced, setSynced] = useState(derivedNodes);
  if (synced !== derivedNodes) {
    setSynced(derivedNodes);
    setNodes((local) => keepDragged(local, derivedNodes));
  }

  // Diff mode: added and changed cards are marked (a class on React Flow's node), the rest dimmed.
  const marks = useDiffMarks();
  const shown = useMemo(() => (marks ? markNodes(nodes, marks) : nodes), [nodes, marks]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      let sel: Set<NodeId> | undefined;
      const local: NodeChange<FlowNode>[] = [];
      for (const c of changes) {
        if (c.type === 'select') {
          sel ??= new Set(store.getState().selection.nodes);
          if (c.selected) sel.add(c.id as NodeId);
          else sel.delete(c.id as NodeId);
        } else if (c.type === 'position') local.push(c); // sizes are fixed (see sizes.ts)
      }
      if (local.length) setNodes((ns) => applyNodeChanges(local, ns));
      if (sel) store.getState().select([...sel].filter((id) => !id.startsWith('frame:')));
    },
    [store],
  );
  const onEdgeClick = useCallback((_: unknown, e: FlowEdge) => store.getState().select([], e.id as EdgeId), [store]);
  const onNodeDragStop: OnNodeDrag<FlowNode> = useCallback(
    (_e, _n, dragged) => {
      const m = new Map<NodeId, Position>();
      for (const n of dragged) if (!n.id.startsWith('frame:')) m.set(n.id as NodeId, n.position);
      if (m.size) store.getState().commitPositions(m);
    },
    [store],
  );
  // A classroom link that locks the network also stops new connections on the canvas.
  const editingLocked = useTeaching((s) => locksEditing(s.lock));
  const onConnect = useCallback(
    (c: Connection) => {
      const err = store.getState().connectPorts({ source: c.source as NodeId, sourcePort: port(c.sourceHandle), target: c.target as NodeId, targetPort: port(c.targetHandle) });
      if (err) store.getState().toast('toast.refused', 'error', { values: { reason: err } });
    },
    [store],
  );
  const onDrop = useCallback(
    (e: DragEvent) => {
      const file = e.dataTransfer.files[0];
      const fromPalette = e.dataTransfer.types.includes(PALETTE_MIME) || e.dataTransfer.types.includes(USER_BLOCK_MIME);
      if (file && !fromPalette) {
        // A dropped project or ONNX file opens like File › Open.
        e.preventDefault();
        void actions.openFile(file);
        return;
      }
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const at = { x: Math.round(p.x - 100), y: Math.round(p.y - 30) };
      const user = e.dataTransfer.getData(USER_BLOCK_MIME);
      if (user) {
        // Our own palette wrote it (a definition from the document or the kept blocks, both validated).
        e.preventDefault();
        store.getState().addUserBlockAt(JSON.parse(user) as UserBlockDef, at);
        return;
      }
      const op = e.dataTransfer.getData(PALETTE_MIME) as OpKind;
      if (!op) return;
      e.preventDefault();
      store.getState().addNodeAt(op, at);
    },
    [rf, store, actions],
  );
  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(PALETTE_MIME) || e.dataTransfer.types.includes(USER_BLOCK_MIME) || e.dataTransfer.types.includes('Files')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);
  const onMoveEnd = useCallback((_: unknown, v: Viewport) => store.getState().setViewport(v), [store]);
  const onPaneClick = useCallback(() => store.getState().select([]), [store]);

  return (
    <DirectionContext.Provider value={direction}>
    <div ref={setCanvasEl} className={`canvas dir-${direction}${marks ? ' diff-mode' : ''}`} data-testid="canvas" aria-label={t('canvas.label')} onDrop={onDrop} onDragOver={onDragOver}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={shown}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        nodesConnectable={!editingLocked}
        onEdgeClick={onEdgeClick}
        onPaneClick={onPaneClick}
        onMoveEnd={onMoveEnd}
        {...(defaultViewport ? { defaultViewport } : {})}
        colorMode={colorMode}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        minZoom={0.05}
        maxZoom={2.5}
        onlyRenderVisibleElements
        proOptions={{ hideAttribution: true }}
        nodeDragThreshold={2}
      >
        <svg className="defs" aria-hidden>
          <defs>
            <marker id="arc-head" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="arc-head" />
            </marker>
          </defs>
        </svg>
        <ZoomDetail el={canvasEl} />
        <Background gap={24} />
        <MiniMap pannable zoomable nodeStrokeWidth={3} />
        <Controls onFitView={() => actions.fit()} />
        {nodes.length === 0 && <div className="canvas-empty">{t('canvas.empty')}</div>}
      </ReactFlow>
    </div>
    </DirectionContext.Provider>
  );
}
