import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GuardError, Rng, stepContext, untrackTemp, UsageError, type StepContext } from '@twindb/core-tensors';
import { parseSampleOptions, type SampleOptionsInput } from './options.js';
import { mergePartials, refusePartialsInOut } from './partial/merge-partials.js';
import { dedupTargets } from './phases/dedup-targets.js';
import { openInputs } from './phases/open-inputs.js';
import { reportMatch, type SampleReport } from './phases/report-match.js';
import { searchPool } from './phases/search-pool.js';
import { selectItems } from './phases/select-items.js';
import { writeSample } from './phases/write-sample.js';
import type { Selection } from './select/selection.js';

/** What {@link runSample} returns; `report` is what `report.json` holds and `--json` prints. */
export interface SampleResult {
  readonly out: string;
  readonly selection: Selection;
  readonly report: SampleReport;
  readonly warnings: string[];
}

/** A run whose outputs are written but whose coverage is below `minCoverage` (exit code 4); `result` is what it wrote. */
export class SampleGuardError extends GuardError {
  override name = 'SampleGuardError';
  constructor(
    message: string,
    readonly result: SampleResult,
  ) {
    super(message, result);
  }
}

/**
 * STEP 1-2: from the target's and the pool's embeddings, build the new training DB whose
 * distribution matches the target, write it to `out` and report how well it matches.
 * Phases: open inputs → (de-duplicate targets) → search → select → report → write; a coverage below
 * `minCoverage` throws a {@link SampleGuardError} after the outputs are written. With `merge`, the
 * search is replaced by the merge of the partial files of a sharded search (see runPartialSearch).
 */
export async function runSample(input: SampleOptionsInput, context: Partial<StepContext> = {}): Promise<SampleResult> {
  const o = parseSampleOptions(input);
  if (o.poolShard) throw new UsageError('sample: a --pool-shard run writes a partial file, not a new DB: call runPartialSearch');
  const ctx = stepContext(context);
  const t0 = Date.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    ctx.log(`warning: ${m}`);
  };
  // Output folder, inputs and the run's temp area are checked before any compute.
  const inputs = await openInputs(o, warn, ctx.log);
  try {
    if (o.merge) refusePartialsInOut(o.merge, inputs.out);
    // One generator, forked in a fixed order by the phases: the same seed gives the same DB.
    const rng = new Rng(o.seed);
    const dedup = await dedupTargets(inputs, o, ctx);
    const found = o.merge ? await mergePartials(inputs, o, dedup, rng, ctx) : await searchPool(inputs, o, rng, ctx);
    ctx.signal?.throwIfAborted();
    const chosen = await selectItems(inputs, found, o, rng, ctx, warn);
    ctx.signal?.throwIfAborted();
    // report.json records the options of a one-process run: a merge's files are not among them.
    const { report, uncovered } = await reportMatch(inputs, found, chosen, o.merge ? { ...o, merge: undefined } : o, warnings, t0, dedup);
    ctx.log(`report done at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const guardMessage = report.guard.passed
      ? null
      : `coverage ${(100 * report.coverage.fraction).toFixed(1)} % (${report.coverage.covered} of ${report.sizes.target} targets) is below --min-coverage ${(100 * o.minCoverage).toFixed(1)} %; the uncovered targets are listed in ${path.join(inputs.out, 'uncovered-targets.csv')}`;
    if (guardMessage) warn(guardMessage);
    await writeSample(inputs, found, chosen, report, uncovered, o, dedup, warn);
    const result: SampleResult = { out: inputs.out, selection: chosen.selection, report, warnings };
    // The outputs are written; the guard still fails the run (exit 4), carrying the result.
    if (guardMessage) throw new SampleGuardError(guardMessage, result);
    return result;
  } finally {
    await fs.rm(inputs.scratch, { recursive: true, force: true });
    untrackTemp(inputs.scratch);
  }
}
