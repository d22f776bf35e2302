import { useMemo } from 'react';
import { analyze, diffDocuments, diffMarks, removedMarks, type Analysis, type DiffStatus, type ModelDiff, type NodeId } from '../../../src/index.ts';
import { useAnalysis, useEditor, useEditorStore } from '../../store/context.tsx';
import type { EditorStore } from '../../store/editor-store.ts';
import type { CompareTarget } from '../../store/ui-slice.ts';

interface Memo {
  compare: CompareTarget;
  other: Analysis;
  open: Analysis;
  diff: ModelDiff;
  marks: CanvasMarks;
}

/** What the canvas marks: each added or changed node, and the names missing right before a node. */
export interface CanvasMarks {
  readonly status: ReadonlyMap<NodeId, DiffStatus>;
  readonly removedBefore: ReadonlyMap<NodeId, readonly string[]>;
}

/** One diff per editor, shared by the canvas and the panel; recomputed when either side's structure changes. */
const memos = new WeakMap<EditorStore, Memo>();

function diffOf(store: EditorStore, compare: CompareTarget, open: Analysis): Memo {
  const m = memos.get(store);
  if (m && m.compare === compare && m.open === open) return m;
  // The compared document does not change while it is compared: analysed once.
  const other = m && m.compare === compare ? m.other : analyze(compare.doc);
  // The analysis is memoised on the document's structure, so the document read with it is current in all that matters.
  const diff = diffDocuments(compare.doc, store.getState().doc, { a: other, b: open });
  const next = { compare, other, open, diff, marks: { status: diffMarks(diff, 'b'), removedBefore: removedMarks(diff, 'b') } };
  memos.set(store, next);
  return next;
}

/** The diff from the compared document to the open one, or undefined outside diff mode. */
export function useModelDiff(): ModelDiff | undefined {
  const store = useEditorStore();
  const compare = useEditor((s) => s.compare);
  const open = useAnalysis();
  return useMemo(() => (compare ? diffOf(store, compare, open).diff : undefined), [store, compare, open]);
}

/** How each node of the open document is marked (added, changed, removed ones before it), or undefined outside diff mode. */
export function useDiffMarks(): CanvasMarks | undefined {
  const store = useEditorStore();
  const compare = useEditor((s) => s.compare);
  const open = useAnalysis();
  return useMemo(() => (compare ? diffOf(store, compare, open).marks : undefined), [store, compare, open]);
}

/**
 * React Flow nodes with the diff's marks as classes (`diff-added`, `diff-changed`, and `diff-gap`
 * with a "−N" badge where N blocks or layers of the compared network are missing right before the
 * card): only marked nodes become new objects, so the rest of the canvas does not re-render.
 */
export function markNodes<N extends { id: string; className?: string; style?: object }>(nodes: N[], marks: CanvasMarks): N[] {
  return nodes.map((n) => {
    const m = marks.status.get(n.id as NodeId);
    const gap = marks.removedBefore.get(n.id as NodeId);
    if (!m && !gap) return n;
    const classes = [n.className, m && `diff-${m}`, gap && 'diff-gap'].filter(Boolean).join(' ');
    return gap ? { ...n, className: classes, style: { ...n.style, '--diff-gap-label': `"\u2212${gap.length}"` } } : { ...n, className: classes };
  });
}
