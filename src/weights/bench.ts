/**
 * Prints how fast the weight initialisers run (`npx tsx src/weights/bench.ts`). Not a test: it
 * never fails on timing, it only reports.
 */
import { initTensor } from './init.ts';
import { createRng, fillNormal, fillUniform } from './random.ts';

const N = 25_000_000;

/**
 * Best of `runs` timings of `f`, in milliseconds of this process's CPU time (user + system), which
 * other processes competing for the cores disturb far less than wall time.
 */
function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.cpuUsage();
    f();
    const d = process.cpuUsage(t);
    min = Math.min(min, (d.user + d.system) / 1000);
  }
  return min;
}

const buf = new Float32Array(N);
const normalMs = best(5, () => fillNormal(createRng(1, 'bench'), buf));
const uniformMs = best(5, () => fillUniform(createRng(1, 'bench'), buf, -1, 1));
console.log(`fillNormal  ${N / 1e6}M: ${normalMs.toFixed(1)} ms (${(N / normalMs / 1e3).toFixed(0)} M normals/s)`);
console.log(`fillUniform ${N / 1e6}M: ${uniformMs.toFixed(1)} ms (${(N / uniformMs / 1e3).toFixed(0)} M uniforms/s)`);

// About ResNet-50 scale: 53 conv weights of 256x256x3x3 (31M elements), fresh allocations included.
const shapes: number[][] = [];
for (let i = 0; i < 53; i++) shapes.push([256, 256, 3, 3]);
const initMs = best(3, () => {
  for (const [k, dims] of shapes.entries()) initTensor({ kind: 'kaiming-normal-fan-out', fanOut: dims[0]! * 9 }, dims, 7, `conv${k}.weight`);
});
const total = shapes.reduce((a, d) => a + d.reduce((x, y) => x * y, 1), 0);
console.log(`initTensor kaiming, ${shapes.length} tensors, ${(total / 1e6).toFixed(1)}M elements incl. allocation: ${initMs.toFixed(1)} ms`);
