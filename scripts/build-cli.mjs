// Bundles the CLI (src/cli/main.ts and the core it uses) into dist/cli.mjs with esbuild, so
// `npx residual-studio` starts in milliseconds. Runs at `npm ci` (prepare) and on demand from
// bin/residual-studio.mjs whenever a source file is newer than the bundle.
//
// Two bundles:
// - dist/cli.mjs, split (dist/cli-chunk-*.mjs) so that what only some commands use — the ONNX
//   importer and the document schema's validator (zod), ~70% of the code — is loaded by those
//   commands alone: `export resnet50` no longer parses and runs them at start-up (~35 ms).
// - dist/weights-worker.mjs, the export's weight worker (src/cli/weights-worker.ts): a few
//   kilobytes that start generating within milliseconds, where a worker on the whole CLI bundle
//   spent 70+ ms loading it first.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** esbuild options of both bundles, written into `outdir` (the tests build their own copy). */
export function cliBuildOptions(outdir) {
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', outdir, outExtension: { '.js': '.mjs' } };
  return [
    {
      ...common,
      entryPoints: { cli: join(root, 'src/cli/main.ts') },
      splitting: true,
      // Chunks beside the entry, so that `new URL('./weights-worker.mjs', import.meta.url)` finds
      // the worker from whichever file export-file.ts ends up in.
      chunkNames: 'cli-chunk-[hash]',
      sourcemap: 'linked',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    },
    { ...common, entryPoints: { 'weights-worker': join(root, 'src/cli/weights-worker.ts') } },
  ];
}

export async function buildCli(outdir = join(root, 'dist')) {
  // Chunks of an earlier build have other hashes: remove them so dist/ holds one build.
  try {
    for (const f of readdirSync(outdir)) if (f.startsWith('cli-chunk-')) rmSync(join(outdir, f));
  } catch {
    // No dist/ yet.
  }
  await Promise.all(cliBuildOptions(outdir).map((o) => build(o)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}
