import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { shortcutText } from '../i18n/shortcut.ts';
import { useVertical } from './direction.ts';
import { DiagnosticPin } from './DiagnosticPin.tsx';
import { SKIP_BULGE } from './sizes.ts';
import type { FlowEdge } from './flow-adapter.ts';

/**
 * An edge labelled with its tensor shape. Edges on a hand-built or expanded shortcut are drawn
 * by the paper's rule: solid for the identity, dashed (and labelled) when it changes dimensions;
 * a direct skip bulges beside the main path.
 */
export const ShapeEdge = memo(function ShapeEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected, markerEnd }: EdgeProps<FlowEdge>) {
  const vertical = useVertical();
  const { t } = useTranslation();
  const arc = data?.arc;
  let path: string;
  let lx: number;
  let ly: number;
  if (arc?.direct) {
    const bulge = SKIP_BULGE;
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
  const arcText = arc && arc.last && !arc.shortcut.keepsDimensions ? ` · ${shortcutText(t, arc.shortcut)}` : '';
  const shape = data?.shape ?? '';
  // The label is SVG inside the edge (no HTML portal per edge): monospace, so its box is known
  // without measuring. Only an edge with a pinned diagnostic adds an HTML overlay (for the fix).
  const w = (columns(shape) + columns(arcText)) * LABEL_CHAR + 2 * LABEL_PAD;
  return (
    <>
      <BaseEdge id={id} path={path} className={`${cls}${selected ? ' selected' : ''}`} {...(markerEnd ? { markerEnd } : {})} />
      {testId && <path d={path} data-testid={testId} data-kind={arc!.shortcut.kind} className="arc-hit" />}
      <g className={`edge-label${arc ? (arc.shortcut.keepsDimensions ? ' on-arc identity' : ' on-arc') : ''}${selected ? ' selected' : ''}`} transform={`translate(${lx} ${ly})`} data-testid={`canvas.edge.${id}`}>
        <g className="edge-label-body">
          <rect x={-w / 2} y={-LABEL_H / 2} width={w} height={LABEL_H} rx={4} />
          <text textAnchor="middle" dominantBaseline="central">
            {shape}
            {arcText && <tspan className="edge-arc-label">{arcText}</tspan>}
          </text>
        </g>
      </g>
      {data?.diagnostics && (
        <EdgeLabelRenderer>
          <div className="edge-diag nodrag nopan" style={{ transform: `translate(-50%, 0) translate(${lx}px, ${ly + LABEL_H / 2}px)` }}>
            <DiagnosticPin diagnostics={data.diagnostics} testName={id} placement="edge" />
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});

/** Monospace columns of a label: CJK characters and full-width punctuation take two. */
function columns(s: string): number {
  let n = 0;
  for (const ch of s) n += ch.codePointAt(0)! >= 0x2e80 ? 2 : 1;
  return n;
}

/** Edge label metrics (CSS draws the text in a monospace font at 12px). */
const LABEL_CHAR = 7.25;
const LABEL_PAD = 5;
const LABEL_H = 18;
