#!/usr/bin/env -S npx tsx
// The Train panel's part of `npm run bench:train` (also runnable alone: npx tsx scripts/bench-train-app.mts):
// the default net trained in the app itself (Train tab, fresh weights, batch 64, WASM, in the
// training worker with the core's loop), its images/s as the panel reports them (steps only), and
// the editor's frame times (requestAnimationFrame intervals, p50/p95; goal p95 ≤ 33 ms) and long
// main-thread tasks (PerformanceObserver 'longtask', > 50 ms) while a card is dragged during training.
// Headless Chromium on a Vite dev server of its own; prints numbers, never fails.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};

/** Options: how many training steps to run, and how many drag frames to record. */
export async function benchTrainApp(o: { steps?: number; frames?: number } = {}): Promise<void> {
  const steps = o.steps ?? 60;
  const frames = o.frames ?? 150;
  const { createServer } = await import('vite');
  const { chromium } = await import('playwright-core');
  const server = await createServer({ configFile: join(root, 'vite.config.ts'), server: { port: 5194, strictPort: false }, logLevel: 'warn' });
  await server.listen();
  const base = server.resolvedUrls!.local[0]!;
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu-vsync', '--disable-frame-rate-limit'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}?persist=0&backend=wasm`);
    await page.waitForFunction(() => (window as unknown as { __rsBench?: { ready?: unknown } }).__rsBench?.ready !== undefined, null, { timeout: 180_000 });
    await page.getByTestId('tab.train').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="train.data.name"]')?.getAttribute('data-train')) > 0, null, { timeout: 120_000 });
    await page.getByTestId('train.input.fresh').setChecked(true);
    await page.getByTestId('train.input.batch').fill('64');
    await page.getByTestId('train.input.epochs').fill('1');
    await page.getByTestId('train.input.limit').fill(String(64 * steps));
    await page.getByTestId('train.input.backend').selectOption('wasm');
    await page.evaluate(() => {
      const w = window as unknown as { __long: number[] };
      w.__long = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.__long.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    await page.getByTestId('train.start').click();
    const stepOf = () => page.evaluate(() => Number(document.querySelector('[data-testid="train.progress"]')?.getAttribute('data-step') ?? 0));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="train.progress"]')?.getAttribute('data-step') ?? 0) >= 5, null, { timeout: 300_000 });
    await page.evaluate(() => ((window as unknown as { __long: number[] }).__long.length = 0));
    const threads = await page.getByTestId('train.backend').textContent();

    // Drag conv1's card while the worker trains.
    const card = page.getByTestId('canvas.node.conv1').locator('.card-head');
    const box = (await card.boundingBox())!;
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    const s0 = await stepOf();
    // A string, not a function: tsx would name the inner function with a helper the page lacks.
    await page.evaluate(`(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (t) => { window.__frames.push(t - last); last = t; window.__raf = requestAnimationFrame(tick); };
      window.__raf = requestAnimationFrame(tick);
    })()`);
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 0; i < frames; i++) {
      await page.mouse.move(x + 2 * (i % 60), y + (i % 30));
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
    }
    await page.mouse.up();
    const ft = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __raf: number; __long: number[] };
      cancelAnimationFrame(w.__raf);
      return { frames: w.__frames.slice(2), long: [...w.__long] };
    });
    const s1 = await stepOf();
    await page.waitForFunction(() => document.querySelector('[data-testid="train.panel"]')?.getAttribute('data-phase') === 'done', null, { timeout: 900_000 });
    const ips = await page.evaluate(() => Number(document.querySelector('[data-testid="train.progress"]')?.getAttribute('data-ips')));
    console.log('\nTrain panel (the app: default net, fresh weights, batch 64, WASM, training worker + src/train/loop.ts)');
    console.log(`  ${threads?.trim()}`);
    console.log(`  images/s over ${steps} steps: ${ips.toFixed(1)} (${(64_000 / ips).toFixed(0)} ms a step)`);
    console.log(`  dragging a card during training (${ft.frames.length} frames, steps ${s0} → ${s1}): frame p50 ${quantile(ft.frames, 0.5).toFixed(1)} ms, p95 ${quantile(ft.frames, 0.95).toFixed(1)} ms (goal p95 ≤ 33 ms: ${quantile(ft.frames, 0.95) <= 33 ? 'met' : 'not met'})`);
    console.log(`  main-thread tasks over 50 ms meanwhile: ${ft.long.length}${ft.long.length ? ` (longest ${Math.max(...ft.long).toFixed(0)} ms)` : ''}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchTrainApp();
