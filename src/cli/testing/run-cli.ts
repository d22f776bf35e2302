import { main } from '../main.ts';

/** Runs the CLI in-process with the given arguments and returns its exit code and what it wrote. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}
