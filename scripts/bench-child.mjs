// Runs one CLI command in this process and reports its wall time and peak memory as JSON on
// stderr's last line. Used by scripts/bench.mjs to measure whole-process exports.
const t0 = performance.now();
const { main } = await import('../dist/cli.mjs');
const code = await main(process.argv.slice(2), { stdout: () => {}, stderr: (s) => process.stderr.write(s) });
process.stderr.write(`\n${JSON.stringify({ code, ms: performance.now() - t0, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exitCode = code;
