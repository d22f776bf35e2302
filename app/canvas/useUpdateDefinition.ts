import type { NodeId } from '../../src/index.ts';
import { useEditorStore } from '../store/context.tsx';
import { useRelayoutAfter } from './useRelayout.ts';

/**
 * Update definition of an expanded user block instance, laid out in the same undo step; a
 * refusal (the edited layers no longer read one x and give one output, say) is told as an error.
 */
export function useUpdateDefinition(): (groupId: NodeId) => void {
  const store = useEditorStore();
  const relayoutAfter = useRelayoutAfter();
  return (groupId) =>
    relayoutAfter(() => {
      const refusal = store.getState().redefineBlock(groupId);
      if (refusal) store.getState().toast('ublock.updateRefused', 'error', { values: { message: refusal } });
    });
}
