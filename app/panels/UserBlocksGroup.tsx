import { useRef, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { parseBlockLibrary, serializeBlockLibrary, type UserBlockDef } from '../../src/index.ts';
import { USER_BLOCK_MIME } from '../canvas/Canvas.tsx';
import { downloadBytes } from '../runtime/export-onnx.ts';
import { useEditorStore } from '../store/context.tsx';
import { useKeptBlocks } from '../store/kept-blocks.ts';

/** The file name an exported block library is saved under. */
export const LIBRARY_FILE_NAME = 'blocks.rsblocks.json';

/**
 * The palette's "Your blocks": the user-defined blocks of this document and those kept from
 * others, each added by double-click, Enter or drag (a kept block joins the document's library
 * with its first instance, in the same undo step); the library is exported and opened as a block library file here.
 */
export function UserBlocksGroup({ needle }: { needle: string }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const { all } = useKeptBlocks();
  const file = useRef<HTMLInputElement>(null);
  const shown = all.filter((b) => !needle || b.name.toLowerCase().includes(needle));
  const add = (def: UserBlockDef) => {
    const n = store.getState().doc.nodes;
    const maxY = n.reduce((m, x) => Math.max(m, x.position.y), 0);
    store.getState().addUserBlockAt(def, { x: n[0]?.position.x ?? 0, y: maxY + 160 });
  };
  const onDragStart = (e: DragEvent, def: UserBlockDef) => {
    // The definition travels with the drag: a block kept from another document joins this one's library on drop.
    e.dataTransfer.setData(USER_BLOCK_MIME, JSON.stringify(def));
    e.dataTransfer.effectAllowed = 'copy';
  };
  const exportLibrary = () => {
    downloadBytes(new TextEncoder().encode(serializeBlockLibrary(all)), LIBRARY_FILE_NAME, 'application/json');
    store.getState().toast('toast.exported', 'info', { values: { file: LIBRARY_FILE_NAME } });
  };
  const openLibrary = async (f: File) => {
    const r = parseBlockLibrary(await f.text());
    // A refused file changes nothing and says why, like a refused project file.
    if (!r.blocks) return store.getState().setFileError({ file: f.name, messages: r.diagnostics });
    store.getState().setFileError(undefined);
    const added = store.getState().addLibraryBlocks(r.blocks);
    store.getState().toast(added.length ? 'ublock.added' : 'ublock.nothingAdded', 'info', { values: { names: added.join(', ') } });
  };
  if (needle && shown.length === 0) return null;
  return (
    <section className="palette-group" data-testid="palette.group.user">
      <h3 className="with-actions">
        <span>{t('ublock.group')}</span>
        <span className="actions">
          <button className="link-btn" onClick={exportLibrary} disabled={all.length === 0} title={t('ublock.exportHint')} data-testid="palette.user.export">
            {t('ublock.exportLibrary')}
          </button>
          <button className="link-btn" onClick={() => file.current?.click()} title={t('ublock.openHint')} data-testid="palette.user.open">
            {t('ublock.openLibrary')}
          </button>
        </span>
      </h3>
      <input
        ref={file}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="palette.user.file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void openLibrary(f);
        }}
      />
      {shown.length === 0 ? (
        <p className="hint">{t('ublock.none')}</p>
      ) : (
        <ul>
          {shown.map((b) => (
            <li
              key={b.name}
              className="palette-item cat-block cat-user"
              draggable
              onDragStart={(e) => onDragStart(e, b)}
              onDoubleClick={() => add(b)}
              onKeyDown={(e) => e.key === 'Enter' && add(b)}
              tabIndex={0}
              title={t('ublock.itemHint', { name: b.name, n: b.nodes.length })}
              data-testid={`palette.user.${b.name}`}
            >
              {b.name}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
