/**
 * Test support: whether the PyTorch cross-checks run. They need Debian's `/usr/bin/python3` with
 * torch, torchvision and onnx. Without them the suites using this fail with the reason; a developer
 * may leave them out with `RS_SKIP_TORCH=1` outside CI (they then show as skipped). On CI (`CI` set
 * to anything but `false` or `0`) `RS_SKIP_TORCH=1` fails the run too, instead of silently
 * dropping the cross-checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Python, the one with torch 1.13 (a pyenv `python3` earlier on PATH lacks it). */
export const PYTHON = '/usr/bin/python3';

let cached: boolean | undefined;

/** True on a CI run: `CI` set, and not to `false` or `0`. */
export function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Why the torch cross-checks cannot run here, or undefined when they can. Looks the modules up
 * without importing them (importing torch takes seconds).
 */
export function torchMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['RS_SKIP_TORCH'] === '1') return 'RS_SKIP_TORCH=1 is set';
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import importlib.util as u, sys; m = [n for n in ("torch", "torchvision", "onnx") if u.find_spec(n) is None]; print(" ".join(m)); sys.exit(1 if m else 0)'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return `${PYTHON} lacks ${r.stdout.trim() || `its modules (${r.stderr.trim() || r.error?.message || 'no answer'})`}`;
  return undefined;
}

/**
 * True when the torch cross-checks can run in `env`; false (the caller skips) for `RS_SKIP_TORCH=1`
 * outside CI. Throws with the reason and the fix when torch is missing, and on CI when
 * `RS_SKIP_TORCH=1` is set.
 */
export function torchGate(env: NodeJS.ProcessEnv): boolean {
  const why = torchMissing(env);
  if (why === undefined) return true;
  const skipped = env['RS_SKIP_TORCH'] === '1';
  if (skipped && !onCi(env)) return false;
  const fix = skipped ? 'do not set RS_SKIP_TORCH on CI' : "install python3-torch, python3-torchvision and python3-onnx with 'bash scripts/ensure-system-deps.sh', or set RS_SKIP_TORCH=1 to leave them out outside CI";
  throw new Error(`the PyTorch cross-checks cannot run${onCi(env) ? ' on CI' : ''}: ${why} (${fix})`);
}

/**
 * {@link torchGate} for this process (looked up once).
 *
 * @example
 * ```ts
 * describe.skipIf(!torchAvailable())('matches torch', () => { ... });
 * ```
 */
export function torchAvailable(): boolean {
  cached ??= torchGate(process.env);
  return cached;
}
