// Import benchmark: how long importOnnx takes on torchvision's ResNet-152 (~240 MB) in Node, from
// bytes in memory to an editable document with its weights (decode + map + blocks + owners), per
// phase. The model is exported once by scripts/py/export_torchvision.py into .cache/import/.
// Prints numbers; never fails on timing.
//   node scripts/bench-import.mjs [arch=resnet152] [runs=3]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arch = process.argv[2] ?? 'resnet152';
const runs = Number(process.argv[3] ?? 3);
const cache = join(root, '.cache/import');
const model = join(cache, `${arch}-17-b1.onnx`);
mkdirSync(cache, { recursive: true });
if (!existsSync(model)) {
  console.log(`exporting ${arch} with torch into ${model} …`);
  execFileSync('/usr/bin/python3', [join(root, 'scripts/py/export_torchvision.py'), '--arch', arch, '--opset', '17', '--batch', '1', '--out', model], { cwd: root, stdio: 'inherit' });
}

// Bundle the core entry so plain Node runs it (no TypeScript loader in the timing).
const bundle = join(cache, 'bench-import.bundle.mjs');
await build({ entryPoints: [join(root, 'src/onnx/import/index.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
const { importOnnx } = await import(pathToFileURL(bundle).href);
const { analyze } = await import(pathToFileURL(bundle).href).then(async () => {
  const b2 = join(cache, 'bench-analyze.bundle.mjs');
  await build({ entryPoints: [join(root, 'src/shape/analyze.ts')], outfile: b2, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  return import(pathToFileURL(b2).href);
});

const t0 = performance.now();
const bytes = new Uint8Array(readFileSync(model));
const readMs = performance.now() - t0;
console.log(`${arch}: ${(bytes.length / 2 ** 20).toFixed(1)} MB, read from disk in ${readMs.toFixed(0)} ms`);
console.log('run   total ms   decode   map+blocks   weights   blocks (identity/projection)');
for (let i = 0; i < runs; i++) {
  const marks = [];
  const start = performance.now();
  const r = importOnnx(bytes, { onProgress: (_f, phase) => marks.push([phase, performance.now()]) });
  const total = performance.now() - start;
  const at = (p) => marks.find((m) => m[0] === p)?.[1] ?? start;
  if (!r.doc) {
    console.log(`run ${i + 1}: import failed: ${r.diagnostics[0]?.message}`);
    process.exitCode = 1;
    break;
  }
  const b = analyze(r.doc).totals.blocks;
  console.log(
    `${String(i + 1).padEnd(5)} ${total.toFixed(0).padStart(8)}   ${(at('map') - start).toFixed(0).padStart(6)}   ${(at('weights') - at('map')).toFixed(0).padStart(10)}   ${(at('done') - at('weights')).toFixed(0).padStart(7)}   ${b.identity}/${b.projection} (${r.weights.size} tensors)`,
  );
}
console.log(`target: an editable graph within 3000 ms (first run is cold: JIT and first-touch memory)`);
