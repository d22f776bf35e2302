import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { useEditor } from '../store/context.tsx';
import { DiagnosticPin } from './DiagnosticPin.tsx';
import type { FlowEdge } from './flow-adapter.ts';

/**
 * An edge labelled with its tensor shape. Edges on a hand-built or expanded shortcut are drawn
 * by the paper's rule: solid for the identity, dashed (and labelled) when it changes dimensions;
 * a direct skip bulges beside the main path.
 */
export const ShapeEdge = memo(function ShapeEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected, markerEnd }: EdgeProps<FlowEdge>) {
  const vertical = useEditor((s) => s.view.direction === 'TB');
  const arc = data?.arc;
  let path: string;
  let lx: number;
  let ly: number;
  if (arc?.direct) {
    const bulge = 190;
    if (vertical) {
      path = `M ${sourceX} ${sourceY} C ${sourceX + bulge} ${sourceY + 30}, ${targetX + bulge} ${targetY - 30}, ${targetX} ${targetY}`;
      lx = (sourceX + targetX) / 2 + bulge * 0.75;
      ly = (sourceY + targetY) / 2;
    } else {
      path = `M ${sourceX} ${sourceY} C ${sourceX + 30} ${sourceY + bulge}, ${targetX - 30} ${targetY + bulge}, ${targetX} ${targetY}`;
      lx = (sourceX + targetX) / 2;
      ly = (sourceY + targetY) / 2 + bulge * 0.75;
    }
  } else {
    [path, lx, ly] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  }
  const cls = arc ? (arc.shortcut.keepsDimensions ? 'edge-arc arc-solid' : 'edge-arc arc-dashed') : 'edge-main';
  const testId = arc ? (arc.last ? (arc.shortcut.keepsDimensions ? 'canvas.arc.identity' : 'canvas.arc.projection') : 'canvas.arc.segment') : undefined;
  return (
    <>
      <BaseEdge id={id} path={path} className={`${cls}${selected ? ' selected' : ''}`} {...(markerEnd ? { markerEnd } : {})} />
      {testId && <path d={path} data-testid={testId} data-kind={arc!.shortcut.kind} className="arc-hit" />}
      <EdgeLabelRenderer>
        <div className={`edge-label nodrag nopan${arc ? ' on-arc' : ''}${selected ? ' selected' : ''}`} style={{ transform: `translate(-50%, -50%) translate(${lx}px, ${ly}px)` }} data-testid={`canvas.edge.${id}`}>
          {data?.shape}
          {arc && arc.last && !arc.shortcut.keepsDimensions && <span className="edge-arc-label"> · {arc.shortcut.label}</span>}
          {data?.diagnostics && <DiagnosticPin diagnostics={data.diagnostics} testName={id} />}
        </div>
      </EdgeLabelRenderer>
    </>
  );
});
