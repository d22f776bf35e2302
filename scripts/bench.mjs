// npm run bench: compile time and peak memory for each ImageNet template, and the whole
// `residual-studio export resnet50` process next to building torchvision's resnet50 and running
// torch.onnx.export on this machine. Prints numbers; never fails on timing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'rs-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIMINGS = 'residual-studio timings ';

function timeProcess(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stderr: r.stderr };
}

console.log(`Residual Studio bench — ${RUNS} runs each, medians; ${new Date().toISOString()}; ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}`);
console.log('\nWhole `residual-studio export <template>` process (node startup + analyse + weights + serialise + write):');
console.log('template     wall ms   in-process ms   peak RSS MB   file MB   threads');
const results = {};
const stageRows = [];
for (const t of ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'vgg19']) {
  const walls = [];
  const inner = [];
  const stages = [];
  let rss = 0;
  const out = join(dir, `${t}.onnx`);
  for (let i = 0; i < RUNS; i++) {
    // A fresh file each run, as for a first export: truncating the last run's file would be timed too.
    rmSync(out, { force: true });
    const r = timeProcess('node', ['scripts/bench-child.mjs', 'export', t, '-o', out, '--timings']);
    const lines = r.stderr.trim().split('\n');
    const j = JSON.parse(lines.at(-1));
    const s = JSON.parse(lines.find((l) => l.startsWith(TIMINGS)).slice(TIMINGS.length));
    walls.push(r.ms);
    inner.push(j.ms);
    // What the child process spent outside main(): node's startup, loading the bundle, and exit.
    stages.push({ ...s, startupMs: j.startupMs, importMs: j.importMs, exitMs: r.ms - j.startupMs - j.ms });
    rss = Math.max(rss, j.maxRssMB);
  }
  const size = spawnSync('stat', ['-c', '%s', out], { encoding: 'utf8' }).stdout.trim() / 2 ** 20;
  results[t] = median(walls);
  const threads = median(stages.map((s) => s.threads));
  console.log(`${t.padEnd(12)} ${median(walls).toFixed(0).padStart(7)}   ${median(inner).toFixed(0).padStart(13)}   ${rss.toFixed(0).padStart(11)}   ${size.toFixed(1).padStart(7)}   ${String(threads).padStart(7)}`);
  stageRows.push([t, stages]);
  rmSync(out, { force: true });
}

// Where the time goes, stage by stage (medians of each stage, so they need not add up to the wall
// time). weights and write are summed over threads; generate+write is the wall time of that
// overlapped part.
const STAGES = [
  ['node', 'startupMs'],
  ['import', 'importMs'],
  ['load', 'loadMs'],
  ['analyse', 'analyseMs'],
  ['lower', 'lowerMs'],
  ['serialise', 'serialiseMs'],
  ['weights*', 'weightsMs'],
  ['write*', 'writeMs'],
  ['gen+write', 'generateAndWriteMs'],
  ['exit', 'exitMs'],
];
console.log('\nStages, ms (medians; * summed over threads, gen+write is their wall time):');
console.log(`template    ${STAGES.map(([n]) => n.padStart(10)).join('')}`);
for (const [t, stages] of stageRows) console.log(`${t.padEnd(12)}${STAGES.map(([, k]) => median(stages.map((s) => s[k])).toFixed(0).padStart(10)).join('')}`);

const py = `
import time, torch, torchvision
t = time.time()
m = torchvision.models.resnet50().eval()
torch.onnx.export(m, torch.randn(1, 3, 224, 224), ${JSON.stringify(join(dir, 'torch-r50.onnx'))}, opset_version=17,
                  input_names=['input'], output_names=['logits'], dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}})
`;
const torchRuns = [];
for (let i = 0; i < RUNS; i++) {
  rmSync(join(dir, 'torch-r50.onnx'), { force: true }); // a fresh file each run, as for ours
  try {
    torchRuns.push(timeProcess('/usr/bin/python3', ['-c', py]).ms);
  } catch (e) {
    console.log(`\n(torch baseline unavailable: ${String(e.message).split('\n')[0]})`);
    break;
  }
}
if (torchRuns.length) {
  const torchMs = median(torchRuns);
  console.log(`\ntorchvision resnet50 + torch.onnx.export (whole python process): ${torchMs.toFixed(0)} ms`);
  console.log(`residual-studio export resnet50 (whole node process):           ${results.resnet50.toFixed(0)} ms`);
  console.log(`speed-up: ${(torchMs / results.resnet50).toFixed(1)}x   (target ≥ 10x)   ResNet-152: ${results.resnet152.toFixed(0)} ms (target < 1000 ms)`);
}
rmSync(dir, { recursive: true, force: true });
