// Runs one CLI command in this process and reports, as JSON on stderr's last line, its wall time,
// peak memory, and how long node took to start and to load the bundled CLI. Used by
// scripts/bench.mjs to measure whole-process exports.
// performance.now() counts from the process's start, so this first reading is node's own startup.
const startupMs = performance.now();
const t0 = performance.now();
const { main } = await import('../dist/cli.mjs');
const importMs = performance.now() - t0;
const code = await main(process.argv.slice(2), { stdout: () => {}, stderr: (s) => process.stderr.write(s) });
process.stderr.write(`\n${JSON.stringify({ code, ms: performance.now() - t0, startupMs, importMs, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exitCode = code;
