/**
 * The import rule, measured on real files: every ONNX file that imports runs and exports again to
 * a file that computes the same (onnxruntime, relative difference ≤ 1e-4 against the original on
 * the same input, the same parameter count, the same graph input/output names); every other file
 * is refused with a clear diagnostic — never a crash, never a hang (an import or compile that takes
 * over 20 s is stopped and fails).
 *
 * Files: the torchvision corpus written into .cache/corpus/ by scripts/py/export_corpus.py (once
 * per script version), and every model.onnx of Debian's libonnx-testdata (ONNX's backend tests,
 * run on their test_data_set_0). Prints a table and writes .cache/corpus/report.json.
 *
 * Files that break the rule today are listed in KNOWN_FAILING; a listed file that now passes
 * fails the test until it is removed, so the list only shrinks.
 *
 * RS_CORPUS_KEEP=1 also writes each re-export to .cache/corpus/reexport/; RS_CORPUS_ONLY=<regex>
 * measures only matching ids; RS_SKIP_TORCH=1 leaves out the torch corpus outside CI (as roundtrip.test.ts; on CI it fails the run).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_FAILING } from './corpus-known-failing.ts';
import { torchAvailable } from '../testing/torch-available.ts';
import { CORPUS_DIR, corpusCases, countStatuses, formatReport, measure, testdataCases, type FileResult } from './testing/corpus-harness.ts';

const SKIP_TORCH = !torchAvailable();
/** For work on one failure: `RS_CORPUS_ONLY=convnext` measures only the files whose id matches. */
const ONLY = process.env['RS_CORPUS_ONLY'] ? new RegExp(process.env['RS_CORPUS_ONLY']) : undefined;
/** The time limit of each step (import, compile) of one file; 20 s unless diagnosing a slow file. */
const STEP_TIMEOUT_S = Number(process.env['RS_CORPUS_STEP_TIMEOUT_S'] ?? 20);

describe('import corpus: every file round-trips or is refused clearly', () => {
  let results: FileResult[] = [];
  const known = new Set(KNOWN_FAILING);

  beforeAll(async () => {
    const t0 = performance.now();
    const cases = [...(SKIP_TORCH ? [] : corpusCases()), ...testdataCases()].filter((c) => !ONLY || ONLY.test(c.id));
    results = await measure(cases, { stepTimeoutMs: STEP_TIMEOUT_S * 1000 });
    const totalMs = performance.now() - t0;
    console.info(formatReport(results, known, totalMs, STEP_TIMEOUT_S * 1000));
    writeFileSync(join(CORPUS_DIR, 'report.json'), `${JSON.stringify({ totalMs: Math.round(totalMs), counts: countStatuses(results), knownFailing: [...known], files: results }, null, 1)}\n`);
  }, 300_000);

  it('no file outside KNOWN_FAILING breaks the rule', () => {
    const broken = results.filter((r) => r.status === 'FAILS' && !known.has(r.id)).map((r) => `${r.id}: ${r.reason}`);
    expect(results.length).toBeGreaterThan(0);
    expect(broken, `files that break the import rule:\n${broken.join('\n')}`).toEqual([]);
  });

  it('KNOWN_FAILING lists only files that still break it', () => {
    const byId = new Map(results.map((r) => [r.id, r]));
    console.info(`KNOWN_FAILING: ${KNOWN_FAILING.length} files (it must shrink)`);
    const measured = (id: string) => !(SKIP_TORCH && id.startsWith('corpus/')) && (!ONLY || ONLY.test(id));
    const stale = KNOWN_FAILING.filter(measured).flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [`remove ${id} from KNOWN_FAILING (no such file in the corpus)`];
      return r.status === 'FAILS' ? [] : [`remove ${id} from KNOWN_FAILING (it ${r.status === 'round-trips' ? 'round-trips' : 'is refused clearly'} now)`];
    });
    expect(stale, stale.join('\n')).toEqual([]);
  });
});
