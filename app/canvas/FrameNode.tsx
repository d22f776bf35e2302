import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { userBlockDef, type OpKind } from '../../src/index.ts';
import { useEditor, useEditorStore } from '../store/context.tsx';
import { opLabel } from './op-label.ts';
import { useUpdateDefinition } from './useUpdateDefinition.ts';
import type { FrameNode as FrameNodeType } from './flow-adapter.ts';
import { useRelayoutAfter } from './useRelayout.ts';

/** A subtle frame around the layers of an expanded block or stage, with its collapse button. */
export const FrameNode = memo(function FrameNode({ data }: NodeProps<FrameNodeType>) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const relayoutAfter = useRelayoutAfter();
  const library = useEditor((s) => s.doc.blocks);
  const user = userBlockDef(data.kind as OpKind, library);
  const update = useUpdateDefinition();
  return (
    <div className={`frame frame-${user ? 'user' : data.kind}`} data-testid={`canvas.group.${data.name}`}>
      <div className="frame-head">
        <span>
          {opLabel(t, data.kind as OpKind, library)} · {data.name}
        </span>
        {user && (
          <button className="card-btn nodrag" data-testid={`canvas.update.${data.name}`} title={t('ublock.update')} aria-label={t('ublock.update')} onClick={() => update(data.groupId)}>
            ✓ {t('ublock.updateShort')}
          </button>
        )}
        <button className="card-btn nodrag" data-testid={`canvas.collapse.${data.name}`} onClick={() => relayoutAfter(() => store.getState().collapse(data.groupId))}>
          ⤡ {t('card.collapse')}
        </button>
      </div>
    </div>
  );
});
