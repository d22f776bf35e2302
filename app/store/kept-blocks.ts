import { get as idbGet, update as idbUpdate } from 'idb-keyval';
import { useEffect, useState } from 'react';
import { parseBlockLibrary, serializeBlockLibrary, type UserBlockDef } from '../../src/index.ts';
import { useEditor } from './context.tsx';

/** IndexedDB key of the blocks kept across documents (a block library file's text). */
export const KEPT_BLOCKS_KEY = 'residual-studio.blocks';

/** `kept` with `newer` laid over it by name: a block of the same name in `newer` replaces the kept one. */
export function unionByName(kept: readonly UserBlockDef[], newer: readonly UserBlockDef[]): UserBlockDef[] {
  const byName = new Map(kept.map((b) => [b.name, b]));
  for (const b of newer) byName.set(b.name, b);
  return [...byName.values()];
}

/** The blocks of a kept library's text; a damaged or foreign entry keeps nothing rather than failing. */
export function readKept(text: unknown): UserBlockDef[] {
  return typeof text === 'string' ? (parseBlockLibrary(text).blocks ?? []) : [];
}

/**
 * The user's blocks, kept across documents like autosave: every block a document holds is added
 * to the kept library (a newer definition of the same name replaces the older), and the palette
 * offers them all. Stored as a block library file, so it is validated when read back. Each write
 * merges into what is stored in one IndexedDB transaction, so a tab that opens with blocks of its
 * own (or another tab keeping blocks meanwhile) never drops blocks kept before.
 */
export function useKeptBlocks(): { kept: readonly UserBlockDef[]; all: readonly UserBlockDef[] } {
  const docBlocks = useEditor((s) => s.doc.blocks);
  const [kept, setKept] = useState<readonly UserBlockDef[]>([]);
  useEffect(() => {
    let live = true;
    void idbGet<string>(KEPT_BLOCKS_KEY)
      .then((text) => {
        if (live) setKept((k) => unionByName(readKept(text), k));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  useEffect(() => {
    if (!docBlocks?.length) return;
    setKept((k) => unionByName(k, docBlocks));
    let merged: UserBlockDef[] = [];
    void idbUpdate<string>(KEPT_BLOCKS_KEY, (text) => serializeBlockLibrary((merged = unionByName(readKept(text), docBlocks))))
      .then(() => setKept((k) => unionByName(merged, k)))
      .catch(() => undefined);
  }, [docBlocks]);
  return { kept, all: unionByName(kept, docBlocks ?? []) };
}
