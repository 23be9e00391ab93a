import type { ChosenItems } from './select-items.js';
import type { SampleInputs } from './open-inputs.js';
import type { PoolSearch } from './search-pool.js';
import type { SampleOptions } from '../options.js';
import { buildReport } from '../report/build-report.js';
import type { SampleReport } from '../report/report-schema.js';
import { coveredCount } from '../select/selection.js';
import type { DedupResult } from './dedup-targets.js';

/** A target no pool item serves within the threshold (`uncovered-targets.csv`). */
export interface UncoveredTarget {
  id: string;
  nearestDistance: number;
  nearestId: string | null;
}

/** `report.json`: what was selected, how well it covers and matches the target, and how (the type of report-schema.ts's SampleReportSchema). */
export type { SampleReport };

/** Phase 4: the evidence of match (feature distances, class mix, coverage) as one typed report. */
export async function reportMatch(
  inputs: SampleInputs,
  found: PoolSearch,
  chosen: ChosenItems,
  o: SampleOptions,
  warnings: string[],
  t0: number,
  dedup: DedupResult | null = null,
): Promise<{ report: SampleReport; uncovered: UncoveredTarget[] }> {
  const { target, targetSource, shards, poolRows, k } = inputs;
  const { lists, scan } = found;
  const { selection, gathered, rowPos } = chosen;
  const selLabels = selection.pool.length ? Int32Array.from(selection.pool, (g) => scan.labels[g]) : new Int32Array(0);
  const labelled = target.hasLabels && scan.hasLabels;
  const match =
    selection.pool.length >= 2
      ? await buildReport({
          target: target.matrix,
          targetLabels: labelled ? target.labels : null,
          selected: chosen.embeddings,
          selectedDistances: selection.distance,
          selectedWeights: selection.weight,
          selectedLabels: labelled ? selLabels : null,
          poolSample: scan.sample,
          poolLabels: labelled ? Int32Array.from(scan.sampleRows, (g) => scan.labels[g]) : null,
          allPoolLabels: labelled ? scan.labels : null,
          centroids: chosen.codebook?.centroids ?? null,
          samples: o.reportSamples,
          seed: o.seed,
          ...(target.annotations && scan.annotations
            ? {
                targetAnnotations: target.annotations,
                selectedAnnotations: Array.from(selection.pool, (g) => gathered.annotations[rowPos.get(g)!]),
                poolSampleAnnotations: scan.sampleAnnotations,
                poolAnnotations: scan.annotations,
              }
            : {}),
        })
      : null;

  const uncovered: UncoveredTarget[] = [];
  for (let t = 0; t < lists.queries; t++) {
    if (!selection.covered[t]) {
      const i = lists.indices[t * lists.k];
      uncovered.push({ id: target.ids[t], nearestDistance: lists.distances[t * lists.k], nearestId: i >= 0 ? gathered.ids[rowPos.get(i)!] : null });
    }
  }
  let shortfallTotal = 0;
  let targetsShort = 0;
  for (const s of selection.shortfall) {
    shortfallTotal += s;
    if (s > 0) targetsShort++;
  }
  const report: SampleReport = {
    version: 1,
    mode: o.mode,
    options: { ...o, target: targetSource.name, pool: shards.map((s) => s.name) },
    sizes: { target: target.matrix.rows, pool: poolRows, selected: selection.pool.length, searchDepth: found.depth, k },
    search: { index: found.index, requested: o.index, costModel: found.plan, hnsw: found.hnswStats, recall: found.recall },
    coverage: {
      covered: coveredCount(selection),
      uncovered: uncovered.length,
      fraction: coveredCount(selection) / target.matrix.rows,
      threshold: o.maxDistance,
    },
    shortfall: { targetsShort, total: shortfallTotal },
    weights: { sum: selection.weight.reduce((a, b) => a + b, 0) },
    dedup: o.dedup === undefined ? null : { distance: o.dedup, dropped: chosen.dedupDropped, kept: selection.pool.length },
    targetDedup: dedup
      ? { rule: dedup.rule, similarity: dedup.threshold, targets: dedup.allIds.length, removed: dedup.removed.length, kept: dedup.kept.length, file: 'removed-targets.csv' }
      : null,
    guard: { minCoverage: o.minCoverage, passed: coveredCount(selection) / target.matrix.rows >= o.minCoverage },
    selection: selection.details,
    match,
    warnings,
    seconds: (Date.now() - t0) / 1000,
  };
  return { report, uncovered };
}
