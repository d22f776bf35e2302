/** A mistake in how the command was called or in what it was given: one line, exit code 1. */
export class UsageError extends Error {}

/**
 * Minimal flag parser: `--name value`, `--name=value`, `-o value`, boolean `--flag`. Unknown
 * flags are errors, so a typo never silently does the wrong thing.
 */
export function parseArgs(args: readonly string[], spec: Record<string, 'bool' | 'string'>): { positional: string[]; flags: Record<string, string | boolean> } {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const [rawName, inline] = a.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    const kind = spec[rawName];
    if (!kind) throw new UsageError(`unknown option ${a.split('=')[0]}`);
    if (kind === 'bool') {
      if (inline !== undefined) throw new UsageError(`option --${rawName} takes no value`);
      flags[rawName] = true;
    } else {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
      flags[rawName] = v;
    }
  }
  return { positional, flags };
}
