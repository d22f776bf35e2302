import { createContext, useContext } from 'react';
import type { LayoutDirection } from '../store/view-slice.ts';

/**
 * The layout direction, provided once by the canvas: cards and edges read it from context
 * instead of each holding its own store subscription (hundreds of them on an expanded net).
 */
export const DirectionContext = createContext<LayoutDirection>('TB');

/** True when the canvas is laid out top-down. */
export const useVertical = () => useContext(DirectionContext) === 'TB';
