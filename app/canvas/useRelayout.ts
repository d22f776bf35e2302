import { createContext, useContext } from 'react';

/** Editor actions that need the React Flow instance (fit) or the async layout. */
export interface EditorActions {
  /** Runs ELK on the whole document and applies the positions; `history: false` folds it into the previous edit. */
  relayout(opts?: { history?: boolean; fit?: boolean }): Promise<void>;
  /** Runs an edit (expand, collapse, template) and lays the result out as part of the same step. */
  relayoutAfter(edit: () => void): void;
  fit(): void;
  saveFile(): void;
  /** Opens a project `.json` or an `.onnx` file (imported in a worker, with a progress bar). */
  openFile(file: File): Promise<void>;
  /** Compiles the document with its weights in a worker and downloads the `.onnx` file. */
  exportOnnx(): Promise<void>;
  loadTemplate(id: string): void | Promise<void>;
}

export const ActionsContext = createContext<EditorActions | null>(null);

export function useActions(): EditorActions {
  const a = useContext(ActionsContext);
  if (!a) throw new Error('useActions outside ActionsContext');
  return a;
}

export const useRelayoutAfter = () => useActions().relayoutAfter;
