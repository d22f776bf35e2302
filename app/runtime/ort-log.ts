/**
 * Reading onnxruntime's own session log (verbose, as onnxruntime-web prints it to the console):
 * where it placed each node, and which nodes the preferred execution provider had no kernel
 * for. That is how a WebGPU session tells which of its ops run on the CPU instead.
 */

/** A node of the graph, as the log names it. */
export interface LoggedNode {
  readonly opType: string;
  readonly name: string;
}

// Colour escapes around warning lines.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Node placements: a header per execution provider ("Node(s) placed on [CPUExecutionProvider].
 * Number of nodes: 7", or "All nodes placed on [...]"), then one line per node ("  LogSoftmax
 * (loss/LogSoftmax)"). Undefined when the log has no placement (not verbose enough).
 */
export function parsePlacement(lines: readonly string[]): Record<string, LoggedNode[]> | undefined {
  const out: Record<string, LoggedNode[]> = {};
  let current: LoggedNode[] | undefined;
  let any = false;
  for (const raw of lines) {
    const line = raw.replace(ANSI, '');
    const head = /(?:All nodes|Node\(s\)) placed on \[(\w+)\]/.exec(line);
    if (head) {
      any = true;
      current = out[head[1]!] ??= [];
      continue;
    }
    const node = current && /\]\s{2,}([A-Za-z][\w.]*) \(([^()]*)\)\s*$/.exec(line);
    if (node && current) current.push({ opType: node[1]!, name: node[2]! });
    else current = undefined;
  }
  return any ? out : undefined;
}

/**
 * Nodes the execution provider found no kernel for ("webgpu kernel not found in registries for
 * Op type: LogSoftmax node name: loss/LogSoftmax"), each once. Nodes placed on the CPU that are
 * not among these went there by onnxruntime's choice (small integer and shape ops), not for want
 * of a kernel.
 */
export function parseMissingKernels(lines: readonly string[]): LoggedNode[] {
  const seen = new Map<string, LoggedNode>();
  for (const raw of lines) {
    const m = /kernel not found in registries for Op type: (\S+) node name: (.*?)\s*$/.exec(raw.replace(ANSI, ''));
    if (m && !seen.has(m[2]!)) seen.set(m[2]!, { opType: m[1]!, name: m[2]! });
  }
  return [...seen.values()];
}

/** The warning lines (`[W:onnxruntime:...]`), without colour escapes. */
export const warningLines = (lines: readonly string[]): string[] => lines.map((l) => l.replace(ANSI, '')).filter((l) => /\[W:onnxruntime/.test(l));
