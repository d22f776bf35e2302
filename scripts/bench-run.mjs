#!/usr/bin/env node
// Live-execution benchmark. Builds the app, serves it with vite preview, and drives headless
// Chromium (WASM backend) through the editor: edit → new result latency for CIFAR ResNet-20 and
// ResNet-18 at 224×224, session creation and first-run times, and ResNet-18's steady inference
// latency next to onnxruntime-node running the same compiled model natively. Prints numbers;
// never fails on timing. Options: --runs N (measured edits per model, default 12), --warmup N
// (edits before those, default 10), --no-build (reuse dist), --only cifar|resnet18 (one model).
//
// "Warm" means what a user has after editing for a little while: the worker's JavaScript and
// onnxruntime's WebAssembly have been optimised by V8 (both start in baseline tiers, and the first
// edits after loading are two to three times slower), caches hold the model's tensors. So the
// measured edits follow `--warmup` unmeasured ones; the first edits after load are printed too.
import { build, preview } from 'vite';
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/bench-run`;
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const runs = opt('--runs', 12);
const warmup = opt('--warmup', 10);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const f = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');

if (!args.includes('--no-build') || !existsSync(outDir)) {
  await build({ configFile: `${root}vite.config.ts`, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}
const server = await preview({ configFile: `${root}vite.config.ts`, build: { outDir }, preview: { port: 4181, strictPort: false }, logLevel: 'warn' });
const base = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

const timing = async (page, which) => Number(await page.getByTestId(`run.timings.${which}`).getAttribute('data-ms'));

/**
 * Waits for a finished, current result (optionally of a different model than `notModel`).
 * Returns its model and `seenAt`: the page's clock in the animation frame that first has it in
 * the DOM (that frame then paints it).
 */
async function settled(page, notModel, timeout = 600_000) {
  const seen = await page.waitForFunction(
    (prev) => {
      const p = document.querySelector('[data-testid="run.panel"]');
      const r = document.querySelector('[data-testid="run.result"]');
      const ok = p?.getAttribute('data-phase') === 'done' && r?.getAttribute('data-stale') === 'false' && (!prev || r.getAttribute('data-model') !== prev);
      return ok && { model: r.getAttribute('data-model'), seenAt: performance.now() };
    },
    notModel ?? null,
    { timeout, polling: 'raf' },
  );
  return seen.jsonValue();
}

/** The live loop's stage measures of the last result (`rs.live.*`, see app/runtime/live-trace.ts). */
const liveStages = (page) =>
  page.evaluate(() => Object.fromEntries(performance.getEntriesByType('measure').filter((m) => m.name.startsWith('rs.live.')).map((m) => [m.name.slice(8), { ms: m.duration, at: m.startTime }])));

/** Stage labels in print order, with what each covers. */
const STAGES = [
  ['input', 'input event → live loop sees the new document (inspector commit, store, React render of the editor)'],
  ['wait', 'debounce'],
  ['compile.post', 'compile request → worker (message, structured clone of the document; after a prefetch, mostly the wait while the worker was busy with it)'],
  ['compile.queue', 'waiting in the worker queue: behind the prefetched compile of this same edit (whose stages the next lines show), or the previous steady rerun'],
  ['compile.key', 'session cache key'],
  ['compile.lower', 'analyse + lower to IR'],
  ['compile.serialize', 'serialise incl. generating fresh weights'],
  ['compile.session', 'ORT session creation'],
  ['compile.other', 'rest of the compile request (weights lookup, module load)'],
  ['compile.reply', 'compile answer → page (off the critical path: the run is already queued)'],
  ['run.start', 'the compile\'s end in the worker (the run request is already queued behind it) → the run starts'],
  ['run.infer', 'first inference (worker, incl. tensor wrapping)'],
  ['run.reply', 'run answer → page'],
  ['handover', 'page: building the result'],
  ['render', 'React render + commit of the result'],
  ['detect', 'commit → the frame that has it (bench polling by requestAnimationFrame)'],
];

async function benchModel(template, label) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${base}?template=${template}&persist=0&backend=wasm`);
  const t0 = Date.now();
  await page.getByTestId('run.input.synthetic.gradient').click();
  let model = (await settled(page)).model;
  const cold = { loadToResultMs: Date.now() - t0, compile: await timing(page, 'compile'), session: await timing(page, 'session'), first: await timing(page, 'first') };
  const backend = await page.getByTestId('run.backend.actual').innerText();
  // Edits: change the seed (every weight changes, so the model really recompiles).
  const seed = page.getByTestId('inspector.field.seed');
  const edits = [];
  const editsFromCall = [];
  const parts = { compile: [], session: [], first: [] };
  const stages = Object.fromEntries(STAGES.map(([k]) => [k, []]));
  for (let i = 1; i <= warmup + runs; i++) {
    // The field commits on input: filling it is the edit. Its moment is the input event's
    // timestamp (Playwright's checks before it are not the user's wait).
    const tCall = await page.evaluate(() => {
      const el = document.querySelector('[data-testid="inspector.field.seed"]');
      el.addEventListener('input', (e) => (window.__benchEditAt = e.timeStamp), { once: true, capture: true });
      return performance.now();
    });
    await seed.fill(String(1000 + i));
    const seen = await settled(page, model);
    model = seen.model;
    const t = await page.evaluate(() => window.__benchEditAt);
    edits.push(seen.seenAt - t);
    editsFromCall.push(seen.seenAt - tCall);
    parts.compile.push(await timing(page, 'compile'));
    parts.session.push(await timing(page, 'session'));
    parts.first.push(await timing(page, 'first'));
    const st = await liveStages(page);
    for (const [k] of STAGES) {
      const v = k === 'input' ? (st.total ? st.total.at - t : NaN) : k === 'detect' ? (st.total ? seen.seenAt - (st.total.at + st.total.ms) : NaN) : (st[k]?.ms ?? 0);
      stages[k].push(v);
    }
  }
  // Steady inference: new inputs on the warm session.
  const steady = [];
  for (let i = 0; i < runs + 3; i++) {
    const before = await page.getByTestId('run.logits').getAttribute('data-values');
    await page.getByTestId(i % 2 ? 'run.input.synthetic.noise' : 'run.input.synthetic.constant').click();
    await page.waitForFunction((b) => {
      const el = document.querySelector('[data-testid="run.logits"]');
      return el && el.getAttribute('data-values') !== b && document.querySelector('[data-testid="run.panel"]')?.getAttribute('data-phase') === 'done';
    }, before, { timeout: 600_000 });
    steady.push(await timing(page, 'steady'));
  }
  await page.close();
  // Measured edits: the ones after the warm-up (per stage as well).
  const measured = (xs) => xs.slice(warmup);
  const warm = measured(edits);
  const early = edits.slice(0, Math.min(5, warmup));
  console.log(`\n${label} (${backend})`);
  console.log(`  cold: page → first result ${f(cold.loadToResultMs)} (compile ${f(cold.compile)}, session ${f(cold.session)}, first run ${f(cold.first)})`);
  if (early.length) console.log(`  edit → new result, first ${early.length} edits after load: p50 ${f(q(early, 0.5))}  max ${f(Math.max(...early))}  (V8 still optimising)`);
  console.log(`  edit → new result, warm: p50 ${f(q(warm, 0.5))}  p90 ${f(q(warm, 0.9))}  (n=${warm.length}, after ${warmup} warm-up edits; the input event → the first frame with the result in the DOM)`);
  console.log(`    (from before Playwright's fill() call instead of the input event: p50 ${f(q(measured(editsFromCall), 0.5))})`);
  console.log(`    of which compile p50 ${f(q(measured(parts.compile), 0.5))}, session p50 ${f(q(measured(parts.session), 0.5))}, first run p50 ${f(q(measured(parts.first), 0.5))}`);
  console.log('    stages, p50 of each (they need not add up to the p50 total):');
  for (const [k, what] of STAGES) console.log(`      ${k.padEnd(18)} ${f(q(measured(stages[k]), 0.5)).padStart(9)}  ${what}`);
  console.log(`  steady inference in the app: p50 ${f(q(steady.slice(2), 0.5))}  min ${f(Math.min(...steady.slice(2)))}`);
  return { steadyP50: q(steady.slice(2), 0.5) };
}

/** onnxruntime-node on the same compiled document (the compiler is deterministic: same bytes). */
async function nativeSteady(template) {
  const ort = await import('onnxruntime-node');
  const { compile } = await tsImport('../src/onnx/compile.ts', import.meta.url);
  const { buildTemplate } = await tsImport('../src/index.ts', import.meta.url);
  const doc = buildTemplate(template);
  const t0 = performance.now();
  const { bytes } = compile(doc, {});
  const compileMs = performance.now() - t0;
  const t1 = performance.now();
  const s = await ort.InferenceSession.create(bytes);
  const sessionMs = performance.now() - t1;
  const { channels: c, height: h, width: w } = doc.input;
  const input = new ort.Tensor('float32', new Float32Array(c * h * w).map((_, i) => Math.sin(i)), [1, c, h, w]);
  const times = [];
  for (let i = 0; i < 12; i++) {
    const t = performance.now();
    await s.run({ input });
    times.push(performance.now() - t);
  }
  await s.release();
  return { compileMs, sessionMs, first: times[0], p50: q(times.slice(2), 0.5) };
}

console.log(`bench:run — ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; headless Chromium, WASM backend`);
try {
  if (only !== 'resnet18') await benchModel('cifar-resnet20', 'CIFAR ResNet-20 (32×32)');
  if (only !== 'cifar') {
    const app = await benchModel('resnet18', 'ResNet-18 (224×224)');
    const nat = await nativeSteady('resnet18');
    console.log(`\nResNet-18 on onnxruntime-node (native, same compiled model): compile in Node ${f(nat.compileMs)}, session ${f(nat.sessionMs)}, first run ${f(nat.first)}, steady p50 ${f(nat.p50)}`);
    console.log(`ResNet-18 steady latency, app (WASM) / native: ${(app.steadyP50 / nat.p50).toFixed(2)}x  (goal ≤ 3x)`);
  }
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
