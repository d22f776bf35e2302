/** Test support: weights with non-trivial BN statistics, so BN really matters in numeric checks. */
import type { ResidualDocument } from '../../graph/types.ts';
import { analyze } from '../../shape/analyze.ts';
import type { StoredTensor, WeightStore } from '../../weights/types.ts';
import { lowerToIr } from '../compile.ts';
import { testInput } from './run-ort.ts';

/** Real-looking weights for every BN (non-trivial statistics), owned as the compiler expects. */
export function randomBnStore(doc: ResidualDocument, seed = 7): WeightStore {
  const { model } = lowerToIr(doc);
  const layers = analyze(doc).layers;
  const owners = new Map(layers.filter((l) => l.op === 'BatchNorm2d').map((l) => [l.name, l.owner]));
  const store = new Map<string, StoredTensor>();
  let k = seed;
  for (const t of model!.graph.initializers) {
    const m = /^(.*)\.(weight|bias|running_mean|running_var)$/.exec(t.name);
    if (!m || !owners.has(m[1]!) || t.dims.length !== 1) continue;
    const data = testInput(t.dims[0]!, k++).map((v) => (m[2] === 'running_var' ? 0.5 + Math.abs(v) : m[2] === 'weight' ? 1 + 0.5 * v : 0.3 * v));
    store.set(t.name, { dims: t.dims, data, owner: owners.get(m[1]!)!, origin: 'trained' });
  }
  return store;
}

