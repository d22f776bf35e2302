import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { TeachingState, TeachingStore } from './teaching-store.ts';

const TeachingContext = createContext<TeachingStore | null>(null);

/** Provides one editor's teaching store (figure view, presenter mode, lesson step, link restrictions). */
export function TeachingProvider({ store, children }: { store: TeachingStore; children: ReactNode }) {
  return <TeachingContext.Provider value={store}>{children}</TeachingContext.Provider>;
}

/** The teaching store, for actions and getState. */
export function useTeachingStore(): TeachingStore {
  const s = useContext(TeachingContext);
  if (!s) throw new Error('useTeachingStore outside <TeachingProvider>');
  return s;
}

/** Subscribes to a slice of the teaching state (pick narrowly). */
export function useTeaching<T>(selector: (s: TeachingState) => T): T {
  return useStore(useTeachingStore(), selector);
}
