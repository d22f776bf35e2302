import type { TFunction } from 'i18next';
import type { Diagnostic, Fix, MessageArg, MessageRef } from '../../src/index.ts';

/**
 * Translating the core's diagnostics. A diagnostic carries its message as an id and arguments
 * (`messageRef`, see `src/diagnostics/messages.ts`); the English table is the core's own and the
 * Chinese one is `diagnostics.zh-CN.ts`, both under the `diagnostics` key. Nested arguments are
 * phrases translated on their own; an argument named `param` or `op` is a param or op name, shown
 * by its label in the `diagTerms` namespace where the language has one (zh-CN), else as is. An id
 * the resources do not know falls back to the core's English `message`.
 */
export function translateMessage(t: TFunction, ref: MessageRef, fallback?: string): string {
  const args: Record<string, string> = {};
  for (const [name, v] of Object.entries(ref.args)) args[name] = translateArg(t, name, v);
  return t(`diagnostics.${ref.id}`, { ...args, defaultValue: fallback ?? ref.id });
}

function translateArg(t: TFunction, name: string, v: MessageArg): string {
  if (typeof v === 'object') return translateMessage(t, v);
  const s = String(v);
  if ((name === 'param' || name === 'op') && s) return t(`${name}.${s}`, { ns: 'diagTerms', defaultValue: s });
  return s;
}

/** A diagnostic's message in the UI language (the core's English `message` when it has no id). */
export const diagnosticText = (t: TFunction, d: Pick<Diagnostic, 'message' | 'messageRef'>): string => (d.messageRef ? translateMessage(t, d.messageRef, d.message) : d.message);

/** A fix's label in the UI language. */
export const fixText = (t: TFunction, fix: Fix): string => (fix.labelRef ? translateMessage(t, fix.labelRef, fix.label) : fix.label);
