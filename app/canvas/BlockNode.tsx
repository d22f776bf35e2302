import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { fmtShape, invertedResidualNoShortcut, isStageKind, userBlockDef } from '../../src/index.ts';
import { fmtCount } from '../format.ts';
import { noShortcutText, shortcutText } from '../i18n/shortcut.ts';
import { useEditor, useEditorStore } from '../store/context.tsx';
import { useVertical } from './direction.ts';
import { DiagnosticPin } from './DiagnosticPin.tsx';
import { VariantChips } from './VariantChips.tsx';
import type { CardNode } from './flow-adapter.ts';
import { opLabel } from './op-label.ts';
import { useRelayoutAfter } from './useRelayout.ts';

/**
 * One residual block (or stage) as one card: kind, name, width, stride, output shape, params and
 * MACs, with the shortcut drawn as an arc beside the main path — solid for the identity, dashed
 * and labelled when it changes dimensions.
 */
export const BlockNode = memo(function BlockNode({ data, selected }: NodeProps<CardNode>) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const vertical = useVertical();
  const relayoutAfter = useRelayoutAfter();
  const { node, info, diagnostics } = data;
  const p = node.params;
  const sc = info?.shortcut;
  const inverted = node.op === 'InvertedResidual';
  // An inverted residual that changes stride or width has no shortcut at all: the card says so, and draws no arc.
  const noShortcut = inverted && !sc && info?.inputShapes[0] ? invertedResidualNoShortcut(p, info.inputShapes[0][0]!) : undefined;
  const out = info?.outputShapes[0];
  const isStage = isStageKind(node.op);
  const library = useEditor((s) => s.doc.blocks);
  const user = userBlockDef(node.op, library);
  const blockKind = p['block'] === 'bottleneck' ? 'Bottleneck' : 'BasicBlock';
  const expand = () => relayoutAfter(() => store.getState().expand(node.id));
  return (
    <div className={`card block-card${selected ? ' selected' : ''}${diagnostics?.some((d) => d.severity === 'error') ? ' has-error' : ''}`} data-testid={`canvas.node.${node.name}`} data-kind={node.op} onDoubleClick={expand}>
      <Handle type="target" position={vertical ? Position.Top : Position.Left} id="in-0" />
      <div className="card-head">
        <span className="card-kind" data-testid="card.kind">{opLabel(t, node.op, library)}</span>
        <span className="card-name" title={node.name}>{node.name}</span>
        <button className="card-btn nodrag" data-testid={`canvas.expand.${node.name}`} title={t('card.expand')} aria-label={t('card.expand')} onClick={expand}>
          ⤢
        </button>
      </div>
      <div className="card-row">
        {isStage && <span className="chip">{t('card.stageOf', { block: t(`op.${blockKind}`), n: p['count'] })}</span>}
        <VariantChips params={p} />
        {user ? (
          user.params.map((spec) => (
            <span key={spec.name} data-testid={`card.${spec.name}`}>
              {t(`card.${spec.name}`, { v: String(p[spec.name] ?? spec.default), defaultValue: `${t(`param.${spec.name}`, { defaultValue: spec.name })} ${String(p[spec.name] ?? spec.default)}` })}
            </span>
          ))
        ) : (
          <>
            {inverted ? <span data-testid="card.outChannels">{t('card.outChannels', { v: p['outChannels'] })}</span> : <span data-testid="card.width">{t('card.width', { v: p['width'] })}</span>}
            {/* A ConvNeXt block has no stride: its stage downsamples outside it. */}
            {p['stride'] !== undefined && <span data-testid="card.stride">{t('card.stride', { v: p['stride'] })}</span>}
            {inverted && <span data-testid="card.expansion">{t('card.expansionT', { v: p['expansion'] })}</span>}
          </>
        )}
      </div>
      <div className="card-shape" data-testid="card.shape">
        → {out ? fmtShape(out) : t('card.noShape')}
      </div>
      <div className="card-cost">
        <span data-testid="card.cost.params">{t('card.params', { v: fmtCount(info?.cost.params ?? 0) })}</span>
        <span data-testid="card.cost.macs">{t('card.macs', { v: fmtCount(info?.cost.macs ?? 0) })}</span>
      </div>
      {sc && (
        <svg className={`arc arc-${vertical ? 'tb' : 'lr'}`} data-testid={sc.keepsDimensions ? 'canvas.arc.identity' : 'canvas.arc.projection'} data-kind={sc.kind} aria-label={t(`shortcut.${sc.kind}`)} role="img">
          <title>{`${t(`shortcut.${sc.kind}`)}: ${shortcutText(t, sc)}`}</title>
          {vertical ? (
            <path d="M 0 8 C 34 8, 34 8, 34 40 L 34 78 C 34 110, 34 110, 0 110" className={sc.keepsDimensions ? 'arc-solid' : 'arc-dashed'} markerEnd="url(#arc-head)" />
          ) : (
            <path d="M 8 0 C 8 30, 8 30, 40 30 L 210 30 C 242 30, 242 30, 242 0" className={sc.keepsDimensions ? 'arc-solid' : 'arc-dashed'} markerEnd="url(#arc-head)" />
          )}
        </svg>
      )}
      {sc && (
        <span className={`arc-label arc-label-${vertical ? 'tb' : 'lr'}${sc.keepsDimensions ? ' identity' : ''}`} data-testid="canvas.arc.label">
          {shortcutText(t, sc)}
        </span>
      )}
      {noShortcut && (
        <div className="card-note" data-testid="card.noShortcut">
          {t('card.noShortcut')} · {noShortcutText(t, noShortcut, 'card')}
        </div>
      )}
      {diagnostics && <DiagnosticPin diagnostics={diagnostics} testName={node.name} />}
      <Handle type="source" position={vertical ? Position.Bottom : Position.Right} id="out-0" />
    </div>
  );
});
