import { InputDataError, type StepContext } from '@twindb/core-tensors';
import { takeRows } from '../embedding-matrix.js';
import type { LoadedTarget } from '../io/load-target.js';
import type { SampleOptions } from '../options.js';
import { forkTargetDedup, greedyTargetDedup, type TargetDedup } from '../seed/target-dedup.js';
import type { SampleInputs } from './open-inputs.js';

/** What the de-duplication removed, with ids (`removed-targets.csv`, report.json). */
export interface DedupResult extends TargetDedup {
  /** Target ids before de-duplication (rows of `kept` / `removed` index them). */
  allIds: readonly string[];
}

/**
 * Phase 1b (with --target-dedup, or --dist_thr on the seed path): drop near-duplicate targets
 * before the search; every later phase sees only the kept targets, in file order.
 */
export async function dedupTargets(inputs: SampleInputs, o: SampleOptions, ctx: StepContext): Promise<DedupResult | null> {
  const thr = o.dedupThreshold;
  if (thr === undefined) return null;
  const t: LoadedTarget = inputs.target;
  const forkN = (o.nnFactor?.[0] ?? o.seedKs?.[0] ?? o.k) + 1;
  const d = o.dedupRule === 'fork' ? await forkTargetDedup(t.matrix, thr, forkN) : await greedyTargetDedup(t.matrix, thr);
  ctx.log(`target de-duplication (${d.rule}, similarity ≥ ${thr}): ${d.removed.length} of ${t.matrix.rows} targets removed, ${d.kept.length} kept`);
  if (d.kept.length === 0) {
    throw new InputDataError(`${inputs.targetSource.name}: target de-duplication (${d.rule}, similarity ≥ ${thr}) removed all ${t.matrix.rows} targets; raise the threshold`);
  }
  const allIds = t.ids;
  if (d.removed.length > 0) {
    const keep = Array.from(d.kept);
    const labels = Int32Array.from(keep, (i) => t.labels[i]);
    inputs.target = {
      matrix: takeRows(t.matrix, keep),
      ids: keep.map((i) => t.ids[i]),
      paths: keep.map((i) => t.paths[i]),
      labels,
      hasLabels: t.hasLabels,
      annotations: t.annotations ? keep.map((i) => t.annotations![i]) : null,
    };
  }
  return { ...d, allIds };
}
