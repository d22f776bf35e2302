#!/usr/bin/env -S npx tsx
// npm run bench:train — training throughput of our step file (src/train/compile-training.ts) next
// to PyTorch eager on this CPU, and the training compiler's own time. Prints numbers; never fails.
//
//   (a) PyTorch eager: scripts/py/bench_train.py (torch.set_num_threads(2), SGD momentum 0.9,
//       weight decay 5e-4, cross-entropy), the same architectures by residual_models.build_model;
//   (b) onnxruntime-node running our step file (graphOptimizationLevel 'all', 2 intra-op threads),
//       then the same file profiled (enableProfiling) to say which ops take the step's time;
//   (c) onnxruntime-web WASM in headless Chromium, in the training worker (app/runtime/
//       train.worker.ts) through the test-only page app/train-step.html on a Vite dev server
//       (cross-origin isolated, so WASM gets min(4, cores) threads);
//   plus compileTraining's time for ResNet-18 and ResNet-50 (median of 3, per pass).
//
// Batch 64 for fashion-resnet (1×28×28) and cifar-resnet20 (3×32×32); a few warm-up steps, then
// the median of the timed ones (--rounds N repeats everything, interleaved, and keeps each
// runtime's fastest round: on a shared machine). Each measurement of (a), (b) and the compile times runs in a
// process of its own, whose peak RSS is reported. Options: --steps N (timed, default 10),
// --warmup N (default 3), --only fashion-resnet|cifar-resnet20, --no-browser, --no-torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const STEPS = opt('--steps', 10);
/** Rounds of every measurement, interleaved; each runtime's fastest round is reported (a shared machine's load only ever slows one down). */
const ROUNDS = Math.max(1, opt('--rounds', 1));
const WARMUP = opt('--warmup', 3);
/** The step file's target (TrainingOptions.target): `cpu` unless `--target any`. */
const TARGET: 'any' | 'cpu' = args.includes('--target') && args[args.indexOf('--target') + 1] === 'any' ? 'any' : 'cpu';
const BATCH = 64;
const NETS = ['fashion-resnet', 'cifar-resnet20'].filter((n) => !args.includes('--only') || args[args.indexOf('--only') + 1] === n);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;

/** What one throughput measurement reports. */
interface Throughput {
  readonly medianMs: number;
  readonly stepMs: readonly number[];
  readonly peakRssMB?: number;
  readonly note?: string;
  /** CPU the rest of the machine used meanwhile, in cores (another busy process slows torch's OpenMP threads most). */
  others?: number;
}
interface OpShare {
  readonly op: string;
  readonly ms: number;
  readonly share: number;
  readonly nodes: number;
}
interface OrtResult extends Throughput {
  readonly compileMs: number;
  readonly sessionMs: number;
  readonly nodes: number;
  readonly byOp: readonly OpShare[];
  readonly byPhase: readonly OpShare[];
  readonly convs: readonly OpShare[];
  readonly topNodes: readonly { readonly node: string; readonly op: string; readonly ms: number }[];
  readonly profiledStepMs: number;
}

/* ---------- children: each measurement in a process of its own (its peak RSS is its own) ---------- */

async function childCompile(template: string): Promise<void> {
  const { buildTemplate } = await import('../src/templates/templates.ts');
  const { compileTraining } = await import('../src/train/compile-training.ts');
  const doc = buildTemplate(template)!;
  const runs: { totalMs: number; timings: readonly { pass: string; ms: number }[]; bytes: number; nodes: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = compileTraining(doc, { batch: BATCH, stateInitializers: false });
    const totalMs = performance.now() - t0;
    if (!r.bytes) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    runs.push({ totalMs, timings: r.timings, bytes: r.bytes.byteLength, nodes: r.model?.graph.nodes.length ?? 0 });
  }
  const passes = runs[0]!.timings.map((t) => ({ pass: t.pass, ms: median(runs.map((r) => r.timings.find((u) => u.pass === t.pass)?.ms ?? NaN)) }));
  console.log(JSON.stringify({ template, totalMs: runs.map((r) => r.totalMs), medianMs: median(runs.map((r) => r.totalMs)), passes, bytes: runs[0]!.bytes, nodes: runs[0]!.nodes, peakRssMB: peakRssMB() }));
}

/** A step file, its start state and a seeded batch (the same for every runtime). */
async function stepFile(template: string) {
  const { buildTemplate } = await import('../src/templates/templates.ts');
  const { compileTraining } = await import('../src/train/compile-training.ts');
  const doc = buildTemplate(template)!;
  const t0 = performance.now();
  // Both runtimes measured here are onnxruntime's CPU EP, so the step is compiled for it (--target any: the portable forms).
  const r = compileTraining(doc, { batch: BATCH, stateInitializers: false, target: TARGET });
  const compileMs = performance.now() - t0;
  if (!r.bytes) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const inputDims = [BATCH, doc.input.channels, doc.input.height, doc.input.width];
  return { doc, r, compileMs, inputDims, classes: r.classes ?? 10 };
}

/** The page's synthetic batch, made here too (xorshift32 in [-1, 1), labels i mod classes). */
function syntheticBatch(inputDims: readonly number[], classes: number, seed: number) {
  const n = inputDims.reduce((p, q) => p * q, 1);
  const input = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    input[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return { input, target: BigInt64Array.from({ length: inputDims[0]! }, (_, i) => BigInt(i % classes)) };
}

async function childOrt(template: string): Promise<void> {
  const ort = await import('onnxruntime-node');
  const { r, compileMs, inputDims, classes } = await stepFile(template);
  const b = syntheticBatch(inputDims, classes, 7);
  const options = { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential' } as const;
  const start = r.initialState();
  const run = async (session: InferenceSession, steps: number) => {
    const feeds: Record<string, Tensor> = {
      input: new ort.Tensor('float32', b.input, inputDims),
      target: new ort.Tensor('int64', b.target, [BATCH]),
      lr: new ort.Tensor('float32', Float32Array.of(0.1), []),
    };
    for (const s of r.state) feeds[s.name] = new ort.Tensor('float32', start.get(s.name)!, [...s.dims]);
    const ms: number[] = [];
    for (let k = 0; k < steps; k++) {
      const t0 = performance.now();
      const out = await session.run(feeds);
      ms.push(performance.now() - t0);
      for (const s of r.state) feeds[s.name] = out[`${s.name}.next`]!;
    }
    return ms;
  };
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(r.bytes!, options);
  const sessionMs = performance.now() - t0;
  const all = await run(session, WARMUP + STEPS);
  await session.release();
  const stepMs = all.slice(WARMUP);
  const rss = peakRssMB();

  // The same file profiled: onnxruntime's per-node kernel times, from the second run on.
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-train-prof-'));
  const profiled = await ort.InferenceSession.create(r.bytes!, { ...options, enableProfiling: true, profileFilePrefix: join(dir, 'step') });
  const PROFILED = 4;
  const profiledMs = await run(profiled, PROFILED);
  profiled.endProfiling();
  await profiled.release();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  type Ev = { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } };
  const events: Ev[] = file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Ev[]) : [];
  rmSync(dir, { recursive: true, force: true });
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((p, q) => p.ts - q.ts);
  const from = runs[1]?.ts ?? 0;
  const counted = Math.max(1, runs.length - 1);
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= from);
  const total = kernels.reduce((s, e) => s + e.dur, 0) || 1;
  const stateNames = new Set(r.state.map((s) => s.name));
  const phaseOf = (node: string) => {
    const head = node.split('/')[0]!;
    if (node.startsWith('loss/')) return 'loss';
    if (stateNames.has(head)) return 'optimiser update';
    if (node.includes('/grad/') || head.endsWith('.grad') || node.includes('/grad')) return 'backward';
    return 'forward (training mode)';
  };
  const group = (key: (e: Ev, node: string) => string): OpShare[] => {
    const m = new Map<string, { us: number; nodes: Set<string> }>();
    for (const e of kernels) {
      const node = e.name.slice(0, -'_kernel_time'.length);
      const k = key(e, node);
      const g = m.get(k) ?? { us: 0, nodes: new Set<string>() };
      g.us += e.dur;
      g.nodes.add(node);
      m.set(k, g);
    }
    return [...m].map(([op, g]) => ({ op, ms: g.us / 1000 / counted, share: g.us / total, nodes: g.nodes.size })).sort((p, q) => q.ms - p.ms);
  };
  // BatchNorm in training mode is lowered to primitives: its nodes are named after the BN layer.
  const bnLayers = new Set(r.model!.graph.nodes.filter((n) => n.opType === 'ReduceMean').map((n) => n.name?.split('/')[0] ?? ''));
  const byOp = group((e) => e.args?.op_name ?? '?');
  const byPhase = [
    ...group((_e, node) => phaseOf(node)),
    ...group((_e, node) => (bnLayers.has(node.split('/')[0]!) ? 'BatchNorm layers (forward + backward, as primitives)' : '')).filter((g) => g.op),
  ];
  // Convolutions by role: the forward ones, their weight gradients (a Conv of the transposed
  // input with dy as the kernel) and their input gradients (ConvTranspose).
  const convs = group((e, node) => {
    const op = e.args?.op_name ?? '';
    if (!/^(Fused)?Conv(Transpose)?$/.test(op)) return '';
    if (op === 'ConvTranspose') return 'input gradients (ConvTranspose)';
    return node.includes('/grad/') ? 'weight gradients (Conv)' : 'forward (Conv)';
  }).filter((g) => g.op);
  const perNode = group((e, node) => `${node}\t${e.args?.op_name ?? '?'}`);
  const result: OrtResult = {
    medianMs: median(stepMs),
    stepMs,
    peakRssMB: rss,
    compileMs,
    sessionMs,
    nodes: r.model!.graph.nodes.length,
    byOp,
    byPhase,
    convs,
    topNodes: perNode.slice(0, 8).map((g) => ({ node: g.op.split('\t')[0]!, op: g.op.split('\t')[1]!, ms: g.ms })),
    profiledStepMs: median(profiledMs.slice(1)),
  };
  console.log(JSON.stringify(result));
}

/* ---------- the parent ---------- */

/**
 * CPU time (in clock ticks) of the whole machine, and of this process with everything it started:
 * itself, its reaped children (cutime/cstime), and its live descendants (Chromium's processes).
 */
function cpuTicks(): { busy: number; total: number; ours: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      const x = f.slice(f.lastIndexOf(')') + 2).split(' ').map(Number);
      // After the name: state, ppid, …; utime, stime, cutime, cstime are fields 14–17 of the line.
      stats.set(Number(d), { ppid: x[1]!, ticks: x[11]! + x[12]! + x[13]! + x[14]! });
    } catch {
      /* gone meanwhile */
    }
  }
  let ours = 0;
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, st] of stats) {
      if (mine.has(pid) || !mine.has(st.ppid)) continue;
      mine.add(pid);
      grew = true;
    }
  }
  for (const pid of mine) ours += stats.get(pid)?.ticks ?? 0;
  return { busy, total: busy + idle! + iowait!, ours };
}
/** Starts watching the machine; the returned function says how many cores others used since. */
function watchOthers(): () => number {
  const a = cpuTicks();
  return () => {
    const b = cpuTicks();
    const cores = availableParallelism();
    return Math.max(0, (b.busy - a.busy - (b.ours - a.ours)) / Math.max(1, b.total - a.total)) * cores;
  };
}
/** Runs `f`, noting what the rest of the machine did meanwhile. */
function loaded<T extends { others?: number }>(f: () => T): T {
  const others = watchOthers();
  const r = f();
  r.others = others();
  return r;
}

function child<T>(what: string, ...rest: string[]): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', what, ...rest], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`${what} ${rest.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(last) as T;
}

function torch(template: string): Throughput & { profile?: { op: string; ms: number; share: number }[]; params?: number } {
  const r = spawnSync('/usr/bin/python3', ['scripts/py/bench_train.py', '--arch', template, '--batch', String(BATCH), '--warmup', String(WARMUP), '--steps', String(STEPS), '--profile'], { cwd: root, encoding: 'utf8' });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error((r.stderr || 'no output').trim().split('\n').slice(-2).join(' | '));
  return JSON.parse(last);
}

async function browser(nets: readonly string[]): Promise<Record<string, Throughput & { threads?: number }>> {
  const out: Record<string, Throughput & { threads?: number }> = {};
  const { createServer } = await import('vite');
  const { chromium } = await import('playwright-core');
  const server = await createServer({ configFile: join(root, 'vite.config.ts'), server: { port: 5193, strictPort: false }, logLevel: 'warn' });
  await server.listen();
  const base = server.resolvedUrls!.local[0]!;
  const b = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await b.newPage();
    await page.goto(`${base}train-step.html`);
    await page.waitForFunction(() => Boolean((window as unknown as { __rsTrainStep?: unknown }).__rsTrainStep), null, { timeout: 120_000 });
    for (const net of nets) {
      const others = watchOthers();
      try {
        const { r, inputDims, classes } = await stepFile(net);
        const start = r.initialState();
        const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
        const opened = await page.evaluate(
          (o) => (window as unknown as { __rsTrainStep: import('../app/train-step.ts').TrainStepPage }).__rsTrainStep.open(o),
          { bytes: Buffer.from(r.bytes!).toString('base64'), backend: 'wasm' as const, state: r.state.map((s) => ({ name: s.name, dims: s.dims, data: b64(start.get(s.name)!) })) },
        );
        const steps = (n: number) =>
          page.evaluate((s) => (window as unknown as { __rsTrainStep: import('../app/train-step.ts').TrainStepPage }).__rsTrainStep.steps(s), {
            batches: { kind: 'synthetic' as const, count: 1, inputDims, classes, seed: 7 },
            steps: n,
            lr: 0.1,
          });
        await steps(WARMUP);
        const timed = await steps(STEPS);
        await page.evaluate(() => (window as unknown as { __rsTrainStep: import('../app/train-step.ts').TrainStepPage }).__rsTrainStep.close());
        out[net] = {
          medianMs: median(timed.stepMs),
          stepMs: timed.stepMs,
          threads: opened.threads,
          note: `${opened.threads} WASM threads, session ${opened.sessionMs.toFixed(0)} ms, wall ${(timed.wallMs / STEPS).toFixed(1)} ms/step incl. messages`,
          others: others(),
        };
      } catch (e) {
        out[net] = { medianMs: NaN, stepMs: [], note: `error: ${String((e as Error).message ?? e).split('\n')[0]}` };
      }
    }
  } finally {
    await b.close();
    await server.close();
  }
  return out;
}

async function main() {
  console.log(`Residual Studio training bench — batch ${BATCH}, ${WARMUP} warm-up + ${STEPS} timed steps, medians${ROUNDS > 1 ? `, fastest of ${ROUNDS} rounds` : ''}; ${new Date().toISOString()}; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`);
  console.log('Numbers only; goals are printed beside them, nothing fails on them. They depend on what else runs: the "others"');
  console.log('column is the CPU other processes used during the measurement, in cores; on 2 cores that slows torch\'s OpenMP threads most.\n');
  const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const rows: string[][] = [];
  const torchBy: Record<string, ReturnType<typeof torch>> = {};
  const ortBy: Record<string, OrtResult> = {};
  const web: Awaited<ReturnType<typeof browser>> = {};
  const errors: string[] = [];
  /** Every round's median per (runtime, net), and the round kept: the fastest, the least disturbed by other load. */
  const rounds: Record<string, string[]> = {};
  const keep = <T extends Throughput>(by: Record<string, T>, key: string, net: string, t: T) => {
    (rounds[`${key} ${net}`] ??= []).push(`${fmt(t.medianMs, 0)}${t.others !== undefined ? ` (others ${fmt(t.others, 1)})` : ''}`);
    const had = by[net];
    if (!had || (Number.isFinite(t.medianMs) && !(had.medianMs <= t.medianMs))) by[net] = t;
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const net of NETS) {
      if (!args.includes('--no-torch')) {
        try {
          keep(torchBy, 'torch', net, loaded(() => torch(net)));
        } catch (e) {
          errors.push(`PyTorch ${net}: ${(e as Error).message}`);
        }
      }
      try {
        keep(ortBy, 'ort', net, loaded(() => child<OrtResult>('ort', net)));
      } catch (e) {
        errors.push(`onnxruntime-node ${net}: ${(e as Error).message}`);
      }
    }
    if (!args.includes('--no-browser')) {
      try {
        const w = await browser(NETS);
        for (const [net, t] of Object.entries(w)) keep(web, 'web', net, t);
      } catch (e) {
        errors.push(`browser: ${String((e as Error).message ?? e).split('\n')[0]}`);
      }
    }
  }
  const roundsOf = (key: string, net: string) => (ROUNDS > 1 ? `rounds ${(rounds[`${key} ${net}`] ?? []).join(', ')} ms; ` : '');
  const line = (net: string, who: string, t: Throughput | undefined, extra = '') => {
    if (!t) return;
    rows.push([net, who, `${fmt(t.medianMs)} ms`, fmt(1000 / t.medianMs, 2), fmt((BATCH * 1000) / t.medianMs, 0), t.peakRssMB !== undefined ? fmt(t.peakRssMB, 0) : '—', t.others !== undefined ? fmt(t.others, 2) : '', extra || t.note || '']);
  };
  /** A goal's verdict, unless other processes took a noticeable share of the CPU during either measurement. */
  const BUSY = 0.25;
  const verdict = (met: boolean, ...ts: Throughput[]) =>
    ts.some((x) => (x.others ?? 0) > BUSY) ? `not judged: other processes used > ${BUSY} core` : met ? 'met' : 'not met';
  for (const net of NETS) {
    const t = torchBy[net];
    const o = ortBy[net];
    const w = web[net];
    line(net, 'PyTorch eager (CPU, 2 threads)', t, t ? `${roundsOf('torch', net)}torch ${(t as { torch?: string }).torch ?? ''}` : '');
    if (o) {
      const ratio = t ? o.medianMs / t.medianMs : NaN;
      line(net, 'ours: onnxruntime-node', o, [roundsOf('ort', net) + (t ? `${fmt(1 / ratio, 2)}× PyTorch's speed (goal ≥ 1×: ${verdict(ratio <= 1, o, t)})` : ''), `${o.nodes} nodes, session ${fmt(o.sessionMs, 0)} ms`].filter(Boolean).join('; '));
    }
    if (w) {
      const ratio = t ? t.medianMs / w.medianMs : NaN;
      line(net, 'ours: onnxruntime-web WASM (Chromium)', w, `${roundsOf('web', net)}${t && Number.isFinite(ratio) ? `${fmt(ratio, 2)}× PyTorch's speed (goal ≥ 0.33×: ${verdict(ratio >= 1 / 3, w, t)}); ` : ''}${w.note ?? ''}`);
    }
  }
  console.log('Training step throughput');
  const head = ['net', 'runtime', 'step', 'steps/s', 'images/s', 'peak RSS MB', 'others', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log(head.map((h, i) => h.padEnd(widths[i]!)).join('  '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));

  console.log('\nStep compile time (compileTraining, batch 64, median of 3, in a process of its own)');
  for (const tpl of ['resnet18', 'resnet50']) {
    try {
      const c = child<{ medianMs: number; passes: { pass: string; ms: number }[]; bytes: number; nodes: number; peakRssMB: number }>('compile', tpl);
      const goal = tpl === 'resnet50' ? `   (goal < 2000 ms: ${c.medianMs < 2000 ? 'met' : 'not met'})` : '';
      console.log(`${tpl.padEnd(9)} ${fmt(c.medianMs, 0).padStart(6)} ms  ${c.passes.map((p) => `${p.pass} ${fmt(p.ms, 0)}`).join(', ')}; ${c.nodes} nodes, file ${fmt(c.bytes / 1e6, 1)} MB, peak RSS ${fmt(c.peakRssMB, 0)} MB${goal}`);
    } catch (e) {
      console.log(`${tpl}: error: ${(e as Error).message}`);
    }
  }

  for (const net of NETS) {
    const o = ortBy[net];
    const t = torchBy[net];
    if (!o) continue;
    console.log(`\nWhere the step's time goes: ${net}, onnxruntime-node profile (kernel time per step, ${fmt(o.profiledStepMs)} ms/step while profiling)`);
    console.log(`  by phase: ${o.byPhase.map((g) => `${g.op} ${fmt(g.ms)} ms (${fmt(g.share * 100, 0)}%)`).join('; ')}`);
    console.log(`  convolutions: ${o.convs.map((g) => `${g.op} ${fmt(g.ms)} ms (${fmt(g.share * 100, 0)}%, ${g.nodes} nodes)`).join('; ')}`);
    console.log('  by op (after onnxruntime\'s fusions):');
    for (const g of o.byOp.slice(0, 10)) console.log(`    ${g.op.padEnd(22)} ${fmt(g.ms).padStart(7)} ms  ${fmt(g.share * 100, 1).padStart(5)}%  ${g.nodes} nodes`);
    console.log(`  slowest nodes: ${o.topNodes.map((n) => `${n.node} (${n.op}) ${fmt(n.ms)} ms`).join('; ')}`);
    if (t?.profile) console.log(`  PyTorch's own profile (self CPU per step): ${t.profile.slice(0, 6).map((p) => `${p.op} ${fmt(p.ms)} ms`).join('; ')}`);
  }
  if (errors.length) {
    console.log('\nNot measured:');
    for (const e of errors) console.log(`  ${e}`);
  }
}

const at = args.indexOf('--child');
if (at >= 0) {
  const [what, arg] = [args[at + 1], args[at + 2]!];
  await (what === 'compile' ? childCompile(arg) : childOrt(arg));
} else {
  await main().catch((e) => console.log(`bench:train stopped: ${(e as Error).message}`));
  // The Train panel in the app: images/s and frame times while dragging (scripts/bench-train-app.mts).
  if (!args.includes('--no-browser') && !args.includes('--no-app')) await (await import('./bench-train-app.mts')).benchTrainApp().catch((e) => console.log(`Train panel not measured: ${(e as Error).message}`));
}
