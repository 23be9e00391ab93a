import { promises as fs } from 'node:fs';
import { Rng, stepContext, untrackTemp, type StepContext } from '@twindb/core-tensors';
import { parseSampleOptions, type SampleOptionsInput } from './options.js';
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

/**
 * STEP 1-2: from the target's and the pool's embeddings, build the new training DB whose
 * distribution matches the target, write it to `out` and report how well it matches.
 * Phases: open inputs → search → select → report → write.
 */
export async function runSample(input: SampleOptionsInput, context: Partial<StepContext> = {}): Promise<SampleResult> {
  const o = parseSampleOptions(input);
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
    // One generator, forked in a fixed order by the phases: the same seed gives the same DB.
    const rng = new Rng(o.seed);
    const found = await searchPool(inputs, o, rng, ctx);
    ctx.signal?.throwIfAborted();
    const chosen = await selectItems(inputs, found, o, rng, ctx, warn);
    ctx.signal?.throwIfAborted();
    const { report, uncovered } = await reportMatch(inputs, found, chosen, o, warnings, t0);
    ctx.log(`report done at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await writeSample(inputs, found, chosen, report, uncovered, o);
    return { out: inputs.out, selection: chosen.selection, report, warnings };
  } finally {
    await fs.rm(inputs.scratch, { recursive: true, force: true });
    untrackTemp(inputs.scratch);
  }
}
