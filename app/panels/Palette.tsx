import { Fragment, useMemo, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { OPS, type OpCategory, type OpKind } from '../../src/index.ts';
import { PALETTE_MIME } from '../canvas/Canvas.tsx';
import { useEditorStore } from '../store/context.tsx';
import { UserBlocksGroup } from './UserBlocksGroup.tsx';

const ORDER: OpCategory[] = ['block', 'io', 'convolution', 'normalization', 'activation', 'pooling', 'reshape', 'merge', 'other'];
/** Short, stable test ids for the palette entries. */
const TEST_ID: Partial<Record<OpKind, string>> = { BasicBlock: 'block.basic', Bottleneck: 'block.bottleneck', Stage: 'block.stage' };
const HIDDEN = new Set<OpKind>(['Opaque']);

/** Ops grouped by category, searchable (English and current-language names), draggable onto the canvas. */
export function Palette() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const [q, setQ] = useState('');
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return ORDER.map((cat) => ({
      cat,
      ops: Object.values(OPS).filter(
        (o) => o.category === cat && !HIDDEN.has(o.kind) && (!needle || o.kind.toLowerCase().includes(needle) || t(`op.${o.kind}`).toLowerCase().includes(needle) || o.summary.toLowerCase().includes(needle)),
      ),
    })).filter((g) => g.ops.length > 0);
  }, [q, t]);
  const onDragStart = (e: DragEvent, kind: OpKind) => {
    e.dataTransfer.setData(PALETTE_MIME, kind);
    e.dataTransfer.effectAllowed = 'copy';
  };
  const addAtCentre = (kind: OpKind) => {
    const n = store.getState().doc.nodes;
    const maxY = n.reduce((m, x) => Math.max(m, x.position.y), 0);
    store.getState().addNodeAt(kind, { x: n[0]?.position.x ?? 0, y: maxY + 160 });
  };
  return (
    <aside className="palette" data-testid="palette">
      <h2>{t('palette.title')}</h2>
      <input className="search" type="search" placeholder={t('palette.search')} value={q} onChange={(e) => setQ(e.target.value)} data-testid="palette.search" aria-label={t('palette.search')} />
      <p className="hint">{t('palette.hint')}</p>
      {groups.length === 0 && <p className="muted">{t('palette.empty')}</p>}
      {groups.map((g) => (
        <Fragment key={g.cat}>
        <section className="palette-group" data-testid={`palette.group.${g.cat}`}>
          <h3>{t(`category.${g.cat}`)}</h3>
          <ul>
            {g.ops.map((o) => (
              <li
                key={o.kind}
                className={`palette-item cat-${g.cat}`}
                draggable
                onDragStart={(e) => onDragStart(e, o.kind)}
                onDoubleClick={() => addAtCentre(o.kind)}
                title={o.summary}
                data-testid={`palette.${TEST_ID[o.kind] ?? `op.${o.kind}`}`}
                tabIndex={0}
                onKeyDown={(e) => e.key === 'Enter' && addAtCentre(o.kind)}
              >
                {t(`op.${o.kind}`)}
              </li>
            ))}
          </ul>
        </section>
        {g.cat === 'block' && <UserBlocksGroup needle={q.trim().toLowerCase()} />}
        </Fragment>
      ))}
    </aside>
  );
}
