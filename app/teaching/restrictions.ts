import type { ControlId, LinkRefusal } from '../links/classroom-link.ts';
import type { Notice } from '../store/ui-slice.ts';

/** Where each control a classroom link can hide or lock lives in the page. */
export const CONTROL_SELECTORS: Record<ControlId, string> = {
  palette: '[data-testid="palette"]',
  inspector: '[data-testid="inspector"]',
  run: '[data-testid="run.panel"]',
  templates: '[data-testid="topbar.templates"]',
  open: '[data-testid="topbar.open"]',
  save: '[data-testid="topbar.save"]',
  export: '[data-testid="topbar.export"]',
  exportPyTorch: '[data-testid="topbar.exportPyTorch"]',
  compare: '[data-testid="topbar.compare"]',
  plainToggle: '[data-testid="teach.plainToggle"]',
  figure: '[data-testid="teach.figure"]',
  presenter: '[data-testid="teach.presenter"]',
  share: '[data-testid="teach.share"]',
};

/**
 * True when a link's locks lock the network itself: with the palette or the inspector locked the
 * class is not to change the network, so nothing else may change it either — not the canvas's
 * Delete, paste, duplicate or connecting ports, and not undo/redo (keys or buttons), which would
 * take back or replay edits. Selecting, moving cards and expanding a block still work.
 */
export const locksEditing = (lock: readonly ControlId[]): boolean => lock.includes('palette') || lock.includes('inspector');

/** The top bar's undo and redo: locked together with the network (see {@link locksEditing}). */
export const EDITING_SELECTORS: readonly string[] = ['[data-testid="topbar.undo"]', '[data-testid="topbar.redo"]'];

/** Every selector a link's locks make inert: the locked controls, and undo/redo when the network is locked. */
const lockedSelectors = (lock: readonly ControlId[]) => [...lock.map((c) => CONTROL_SELECTORS[c]), ...(locksEditing(lock) ? EDITING_SELECTORS : [])];

/** A style sheet hiding the hidden controls (a locked one stays visible, made inert by {@link lockControls}). */
export function restrictionCss(hide: readonly ControlId[], lock: readonly ControlId[]): string {
  const rules = hide.map((c) => `${CONTROL_SELECTORS[c]} { display: none !important; }`);
  for (const sel of lockedSelectors(lock)) rules.push(`${sel} { opacity: 0.5; filter: grayscale(0.6); cursor: not-allowed; }`);
  return rules.join('\n');
}

/** Marks the locked controls under `root` inert (no clicks, no focus, no keys); returns how many. */
export function lockControls(root: ParentNode, lock: readonly ControlId[]): number {
  let n = 0;
  for (const sel of lockedSelectors(lock)) {
    for (const el of root.querySelectorAll<HTMLElement>(sel)) {
      if (!el.inert) el.inert = true;
      if (el.dataset['locked'] !== 'true') el.dataset['locked'] = 'true';
      n++;
    }
  }
  return n;
}

/** A refused link's reason as a message in the UI language. */
export function refusalNotice(r: LinkRefusal): Notice {
  switch (r.kind) {
    case 'notALink':
      return { key: 'teach.refused.notALink' };
    case 'newer':
      return { key: 'teach.refused.newer', values: { version: r.version } };
    case 'document':
      return { key: 'teach.refused.document', values: { message: r.diagnostic } };
    default:
      return { key: `teach.refused.${r.kind}`, values: { detail: r.detail } };
  }
}
