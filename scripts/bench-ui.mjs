#!/usr/bin/env node
// UI benchmark: builds the app (plus the bare React Flow baseline page), serves it with vite
// preview and drives headless Chromium with playwright-core. Prints numbers; never fails on timing.
import { build, preview } from 'vite';
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/bench-ui`;
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const ms = (x) => `${x.toFixed(1)} ms`;

await build({
  configFile: `${root}vite.config.ts`,
  logLevel: 'warn',
  build: { outDir, emptyOutDir: true, rollupOptions: { input: { main: `${root}app/index.html`, bare: `${root}app/bench-bare.html` } } },
});
const server = await preview({ configFile: `${root}vite.config.ts`, build: { outDir }, preview: { port: 4179, strictPort: false }, logLevel: 'warn' });
const base = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu-vsync', '--disable-frame-rate-limit'] });

async function open(path) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const t0 = Date.now();
  await page.goto(base + path);
  await page.waitForFunction(() => window.__rsBench && window.__rsBench.ready !== undefined, null, { timeout: 180_000 });
  return { page, loadMs: Date.now() - t0 };
}

/**
 * Drags one node for ~120 frames and returns per-frame times measured by requestAnimationFrame.
 * The node is the visible one nearest the middle of the canvas (on both pages), so the drag never
 * comes within React Flow's auto-pan margin: that would pan the whole view on every frame, which
 * is a different interaction from moving a card.
 */
async function dragFrames(page, selector) {
  const box = await page.evaluate((sel) => {
    const pane = document.querySelector('.react-flow')?.getBoundingClientRect();
    if (!pane) return undefined;
    const cx = pane.left + pane.width * 0.4;
    const cy = pane.top + pane.height / 2;
    let best;
    for (const el of document.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width < 4 || r.left < pane.left + 60 || r.right > pane.right - 60 || r.top < pane.top + 60 || r.bottom > pane.bottom - 100) continue;
      const d = Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy);
      if (!best || d < best.d) best = { d, x: r.left, y: r.top, width: r.width, height: r.height };
    }
    return best;
  }, selector);
  if (!box) return [];
  const x = box.x + Math.min(40, box.width / 2);
  const y = box.y + Math.min(12, box.height / 2);
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__frames.length < 100000) window.__rafId = requestAnimationFrame(tick);
    };
    window.__rafId = requestAnimationFrame(tick);
  });
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 0; i < 120; i++) {
    await page.mouse.move(x + 3 * i, y + 2 * (i % 40));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    cancelAnimationFrame(window.__rafId);
    return window.__frames.slice(2);
  });
  return frames;
}

/** Waits until the live run (compile + inference in the worker) has settled, so the drag does
 * not compete with a background ResNet compile for the CPU. Returns the phase it ended in. */
async function settleLiveRun(page) {
  const busy = ['waiting', 'compiling', 'running'];
  await page
    .waitForFunction(
      (b) => {
        const p = document.querySelector('[data-testid="run.panel"]');
        return !b.includes(p?.getAttribute('data-phase') ?? 'idle') && p?.getAttribute('data-busy') !== 'true';
      },
      busy,
      { timeout: 240_000, polling: 250 },
    )
    .catch(() => {});
  return page.evaluate(() => document.querySelector('[data-testid="run.panel"]')?.getAttribute('data-phase') ?? 'none');
}

const rows = [];
const drags = [];
try {
  // 1. Load → interactive, ResNet-50 (collapsed).
  {
    const { page, loadMs } = await open('?template=resnet50&persist=0');
    rows.push(['load → interactive ResNet-50', ms(loadMs)]);
    // Inspector edit → shapes updated on the canvas: five edits, each once the live run of the
    // previous one has settled (as when a person edits, looks at the result, edits again).
    await page.getByTestId('canvas.node.layer1.1').locator('.card-head').click();
    const field = page.getByTestId('inspector.field.width');
    await field.waitFor();
    const edits = [];
    for (const width of ['96', '80', '112', '72', '64']) {
      await settleLiveRun(page);
      edits.push(
        await page.evaluate(async (value) => {
          const input = document.querySelector('[data-testid="inspector.field.width"]');
          const shape = () => document.querySelector('[data-testid="canvas.node.layer1.1"] [data-testid="card.shape"]')?.textContent;
          const before = shape();
          const t0 = performance.now();
          const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
          setter.call(input, value);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          while (shape() === before && performance.now() - t0 < 5000) await new Promise((r) => requestAnimationFrame(r));
          await new Promise((r) => requestAnimationFrame(r));
          return performance.now() - t0;
        }, width),
      );
    }
    const t = q(edits, 0.5);
    rows.push(['inspector edit → updated shapes (ResNet-50)', `median ${ms(t)}, max ${ms(Math.max(...edits))} of ${edits.length} edits, to the next painted frame   (target ≤ 50 ms)`]);
    await page.close();
  }
  // 2. Drag on the fully expanded nets, each followed at once by the bare React Flow page with the
  //    same node count (interleaved, so both see the same load on a shared machine).
  for (const [name, tpl, target] of [['ResNet-50', 'resnet50', 16.7], ['ResNet-152', 'resnet152', 33]]) {
    const { page, loadMs } = await open(`?template=${tpl}&expand=all&persist=0`);
    const total = await page.evaluate(() => document.querySelector('[data-testid="statusbar"]')?.textContent ?? '');
    const n = Number(/(\d+) nodes/.exec(total)?.[1] ?? (await page.locator('.react-flow__node').count()));
    rows.push([`load → interactive ${name} expanded (${n} nodes)`, ms(loadMs)]);
    const phase = await settleLiveRun(page);
    const f = await dragFrames(page, '.react-flow__node-layer');
    await page.close();
    const bare = await open(`bench-bare.html?n=${n}`);
    await bare.page.waitForSelector('.react-flow__node');
    const g = await dragFrames(bare.page, '.react-flow__node');
    await bare.page.close();
    drags.push({ name, n, target, phase, e50: q(f, 0.5), e95: q(f, 0.95), b50: q(g, 0.5), b95: q(g, 0.95), frames: f.length });
  }
} catch (e) {
  rows.push(['error', String(e?.message ?? e).split('\n')[0]]);
} finally {
  await browser.close();
  await server.close();
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log('\nResidual Studio UI benchmark (numbers only; timings depend on machine load)');
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
console.log('\nDrag frame times (requestAnimationFrame intervals while dragging the layer node nearest the canvas middle; live run settled first)');
console.log('net (nodes)              editor p50 / p95        bare React Flow p50 / p95   ratio p50, p95   target p95 / ratio');
for (const d of drags) {
  console.log(
    `${`${d.name} expanded (${d.n})`.padEnd(25)}${`${ms(d.e50)} / ${ms(d.e95)}`.padEnd(24)}${`${ms(d.b50)} / ${ms(d.b95)}`.padEnd(28)}${`${(d.e50 / d.b50).toFixed(2)}x, ${(d.e95 / d.b95).toFixed(2)}x`.padEnd(17)}≤ ${d.target} ms / ≤ 1.2x   (${d.frames} frames, run panel: ${d.phase})`,
  );
}
