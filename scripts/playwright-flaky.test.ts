import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The project's Playwright configuration, run as CI runs it (CI=true) over one spec that fails
 * on its first attempt and passes on the retry: the run must fail and name the test as flaky.
 * The spec needs no browser page, and the dev server is not started.
 */
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(root, '.cache', 'flaky-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runPlaywright(env: NodeJS.ProcessEnv) {
  mkdirSync(join(dir, 'specs'), { recursive: true });
  writeFileSync(
    join(dir, 'specs', 'probe.spec.ts'),
    `import { expect, test } from '@playwright/test';\n` +
      `test('passes only on its retry', ({}, info) => { expect(info.retry).toBeGreaterThan(0); });\n` +
      `test('always passes', () => { expect(1).toBe(1); });\n`,
  );
  writeFileSync(
    join(dir, 'probe.config.ts'),
    `import config from '${join(root, 'playwright.config.ts')}';\n` +
      `export default { ...config, testDir: 'specs', outputDir: 'out', webServer: undefined };\n`,
  );
  const { CI: _ci, ...rest } = process.env;
  return spawnSync(join(root, 'node_modules', '.bin', 'playwright'), ['test', '-c', join(dir, 'probe.config.ts')], {
    cwd: dir,
    env: { ...rest, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('Playwright on CI', () => {
  it('fails the run when a test passed only on its retry, and names that test', () => {
    const r = runPlaywright({ CI: 'true' });
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/1 flaky\s+specs[/\\]probe\.spec\.ts:\d+:\d+ › passes only on its retry/);
    expect(out).toMatch(/1 passed/);
    expect(r.status).not.toBe(0);
  });
});
