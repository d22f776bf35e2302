import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { useEditorStore } from '../store/context.tsx';
import type { FrameNode as FrameNodeType } from './flow-adapter.ts';
import { useRelayoutAfter } from './useRelayout.ts';

/** A subtle frame around the layers of an expanded block or stage, with its collapse button. */
export const FrameNode = memo(function FrameNode({ data }: NodeProps<FrameNodeType>) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const relayoutAfter = useRelayoutAfter();
  return (
    <div className={`frame frame-${data.kind}`} data-testid={`canvas.group.${data.name}`}>
      <div className="frame-head">
        <span>
          {t(`op.${data.kind}`)} · {data.name}
        </span>
        <button className="card-btn nodrag" data-testid={`canvas.collapse.${data.name}`} onClick={() => relayoutAfter(() => store.getState().collapse(data.groupId))}>
          ⤡ {t('card.collapse')}
        </button>
      </div>
    </div>
  );
});
