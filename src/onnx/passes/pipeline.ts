import { hasErrors, type Diagnostic } from '../../diagnostics/catalogue.ts';

/** One named pass of a compiler pipeline: a model in, a model (or none, with errors) out. */
export interface Pass<M> {
  readonly name: string;
  run(model: M): { readonly model?: M; readonly diagnostics: readonly Diagnostic[] };
}

/** A pass's time, for `--timings` and the benchmarks. */
export interface PassTiming {
  readonly pass: string;
  readonly ms: number;
}

/**
 * Runs passes in order, timing each; stops at the first that gives no model or an error. The
 * inference export (`compile`: BN folding) and the training compiler (loss, autodiff, optimiser,
 * dead code) are both such pipelines.
 */
export function runPasses<M>(model: M, passes: readonly Pass<M>[], timings: PassTiming[] = []): { model?: M; diagnostics: Diagnostic[]; timings: PassTiming[] } {
  const diagnostics: Diagnostic[] = [];
  let m = model;
  for (const pass of passes) {
    const t = performance.now();
    const r = pass.run(m);
    timings.push({ pass: pass.name, ms: performance.now() - t });
    diagnostics.push(...r.diagnostics);
    if (!r.model || hasErrors(r.diagnostics)) return { diagnostics, timings };
    m = r.model;
  }
  return { model: m, diagnostics, timings };
}
