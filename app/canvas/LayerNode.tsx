import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { fmtShape, getOp, resolveParams, type GraphNode } from '../../src/index.ts';
import { fmtCount } from '../format.ts';
import { useVertical } from './direction.ts';
import { DiagnosticPin } from './DiagnosticPin.tsx';
import type { CardNode } from './flow-adapter.ts';

const summary = (n: GraphNode): string => {
  const p = n.params;
  switch (n.op) {
    case 'Conv2d':
      return `${p['kernel']}×${p['kernel']}, ${p['outChannels']}${Number(p['stride']) > 1 ? `, /${p['stride']}` : ''}`;
    case 'Linear':
      return String(p['outFeatures']);
    case 'MaxPool2d':
    case 'AvgPool2d':
      return `${p['kernel']}×${p['kernel']}${Number(p['stride']) > 1 ? `, /${p['stride']}` : ''}`;
    case 'Opaque':
      return `${p['domain'] && p['domain'] !== 'ai.onnx' ? `${String(p['domain'])}.` : ''}${String(p['opType'])}`;
    default:
      return '';
  }
};

/** One layer: op, name, a short param summary, output shape, params and MACs. */
export const LayerNode = memo(function LayerNode({ data, selected }: NodeProps<CardNode>) {
  const { t } = useTranslation();
  const vertical = useVertical();
  const { node, info, diagnostics } = data;
  const nIn = getOp(node.op).inputCount(resolveParams(node).params);
  const nOut = node.op === 'Output' ? 0 : 1;
  const out = info?.outputShapes[0] ?? (node.op === 'Output' ? info?.inputShapes[0] : undefined);
  return (
    <div className={`card layer-card op-${node.op}${selected ? ' selected' : ''}${node.group ? ' grouped' : ''}${diagnostics?.some((d) => d.severity === 'error') ? ' has-error' : ''}`} data-testid={`canvas.node.${node.name}`} data-kind={node.op}>
      {Array.from({ length: nIn }, (_, i) => (
        <Handle key={i} type="target" position={vertical ? Position.Top : Position.Left} id={`in-${i}`} style={nIn > 1 ? (vertical ? { left: `${((i + 1) / (nIn + 1)) * 100}%` } : { top: `${((i + 1) / (nIn + 1)) * 100}%` }) : undefined} />
      ))}
      <div className="card-head">
        <span className="card-kind">{t(`op.${node.op}`)}</span>
        <span className="card-name" title={node.name}>{node.name}</span>
        <span className="card-sum">{summary(node)}</span>
      </div>
      {node.op === 'Opaque' && (
        <div className="card-opaque" data-testid="card.opaque" title={t('card.opaqueWhy')}>
          {t('card.opaqueReason')}
        </div>
      )}
      <div className="card-foot">
        <span className="card-shape" data-testid="card.shape">{out ? fmtShape(out) : '—'}</span>
        <span className="card-cost-inline">
          {fmtCount(info?.cost.params ?? 0)}p · {fmtCount(info?.cost.macs ?? 0)}
        </span>
      </div>
      {diagnostics && <DiagnosticPin diagnostics={diagnostics} testName={node.name} />}
      {nOut > 0 && <Handle type="source" position={vertical ? Position.Bottom : Position.Right} id="out-0" />}
    </div>
  );
});
