#!/usr/bin/env -S npx tsx
// The degradation lab's budget timed in the app (npx tsx scripts/bench-lab.mts [--depth 56] [--steps N]):
// headless Chromium opens the lab, trains its plain and residual net of that depth side by side
// (two training workers, WASM, the lab's default budget or N steps of 64 images), and prints each
// net's time, images/s, final training and test error, and the load average before and after
// (the machine is shared: the time scales with the load). Uses the Vite dev server at $BASE
// (default http://localhost:5173/). Prints numbers, never fails a build.
import { loadavg } from 'node:os';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const depth = Number(arg('depth') ?? 56);
const steps = arg('steps');
const base = process.env['BASE'] ?? 'http://localhost:5173/';

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${base}?persist=0&backend=wasm${steps ? `&labSteps=${steps}` : ''}`);
  await page.waitForFunction(() => (window as unknown as { __rsBench?: { ready?: unknown } }).__rsBench?.ready !== undefined, null, { timeout: 180_000 });
  await page.getByTestId('tab.train').click();
  await page.getByTestId('train.lab.open').click();
  await page.getByTestId('lab.depth').selectOption(String(depth));
  const budget = await page.getByTestId('lab.budget').textContent();
  const load0 = loadavg().map((x) => x.toFixed(1)).join(' ');
  const t0 = Date.now();
  await page.getByTestId('lab.start').click();
  // Progress every 30 s (a deep pair on a loaded machine takes minutes).
  const tick = setInterval(() => {
    void page
      .evaluate(() => ['plain', 'residual'].map((n) => document.querySelector(`[data-testid="lab.run.${n}"]`)?.getAttribute('data-step') ?? '?').join(' / '))
      .then((s) => console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: steps plain / residual ${s}; load ${loadavg()[0]!.toFixed(1)}`))
      .catch(() => undefined);
  }, 30_000);
  await page.waitForFunction(() => /done|stopped|error/.test(document.querySelector('[data-testid="lab"]')?.getAttribute('data-phase') ?? ''), null, { timeout: 3_600_000, polling: 1000 });
  clearInterval(tick);
  const wall = (Date.now() - t0) / 1000;
  const load1 = loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`degradation lab, depth ${depth}: ${budget}`);
  for (const net of ['plain', 'residual']) {
    const text = await page.getByTestId(`lab.run.${net}`).textContent();
    console.log(`  ${net.padEnd(8)} ${text}`);
  }
  console.log(`  result: ${(await page.getByTestId('lab.result').textContent()) ?? '(none)'}`);
  console.log(`  wall time from Start to both done: ${wall.toFixed(0)} s; load average (1/5/15 min) before ${load0}, after ${load1}; ${(await import('node:os')).cpus().length} cores`);
} finally {
  await browser.close();
}
