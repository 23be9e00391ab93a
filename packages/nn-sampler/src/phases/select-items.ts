import type { Rng, StepContext } from '@twindb/core-tensors';
import { nearestCentroid, sphericalKMeans, type KMeansResult } from '../cluster/spherical-kmeans.js';
import { takeRows, type EmbeddingMatrix } from '../embedding-matrix.js';
import { gatherRows, type GatheredRows } from '../io/pool-scan.js';
import type { SampleOptions } from '../options.js';
import { codebookDensityRatio } from '../select/density-ratio.js';
import { dedupSelection } from '../select/dedup-selection.js';
import { matchSelection } from '../select/match-selection.js';
import { quotaSelection } from '../select/quota-selection.js';
import type { Selection } from '../select/selection.js';
import { unionSelection } from '../select/union-selection.js';
import type { SampleInputs } from './open-inputs.js';
import type { PoolSearch } from './search-pool.js';

/** The chosen pool items, with their embeddings and the rows gathered for them. */
export interface ChosenItems {
  selection: Selection;
  /** Embeddings of the selected items, in selection order. */
  embeddings: EmbeddingMatrix;
  /** Every candidate row read back from the pool, and where each pool row sits in it. */
  gathered: GatheredRows;
  rowPos: Map<number, number>;
  codebook: KMeansResult | null;
  dedupDropped: number;
}

/** Phase 3: select items from the neighbour lists by the mode's rule (+ optional dedup). */
export async function selectItems(
  inputs: SampleInputs,
  found: PoolSearch,
  o: SampleOptions,
  rng: Rng,
  ctx: StepContext,
  warn: (m: string) => void,
): Promise<ChosenItems> {
  const { target, shards, k } = inputs;
  const { lists, scan } = found;
  const t0 = Date.now();
  // Candidates = every listed item within the threshold; gathered once for cells, dedup, outputs.
  const candSet = new Set<number>();
  // On the seed path every listed item is read back: the ImageSets have no distance threshold.
  const limit = o.seedKs ? Infinity : o.maxDistance;
  for (let e = 0; e < lists.indices.length; e++) if (lists.indices[e] >= 0 && lists.distances[e] <= limit) candSet.add(lists.indices[e]);
  const firstNearest = new Set<number>();
  for (let t = 0; t < lists.queries; t++) if (lists.indices[t * lists.k] >= 0) firstNearest.add(lists.indices[t * lists.k]);
  const gathered = await gatherRows(shards, Int32Array.from(new Set([...candSet, ...firstNearest])));
  const rowPos = new Map<number, number>();
  gathered.rows.forEach((g, i) => rowPos.set(g, i));

  const cells = Math.min(o.codebook, Math.floor(scan.sample.rows / 10));
  const codebook = cells >= 2 ? await sphericalKMeans(scan.sample, cells, rng.fork(), 15) : null;
  let selection: Selection;
  if (o.mode === 'union') selection = unionSelection(lists, k, o.maxDistance, o.unionWeights);
  else if (o.mode === 'quota') selection = quotaSelection(lists, { k, maxDistance: o.maxDistance, radiusFactor: o.radiusFactor });
  else {
    let eligible: ((item: number) => boolean) | undefined;
    if (codebook && o.minDensityRatio > 0) {
      const dr = codebookDensityRatio(codebook.centroids, await nearestCentroid(target.matrix, codebook.centroids), codebook.assignment);
      const cellOf = await nearestCentroid(gathered.matrix, codebook.centroids);
      const floor = o.minDensityRatio * dr.typical;
      eligible = (item) => dr.ratio[cellOf[rowPos.get(item)!]] >= floor;
    }
    selection = await matchSelection(lists, target.matrix, {
      k,
      maxDistance: o.maxDistance,
      radiusFactor: o.radiusFactor,
      budget: o.budget,
      regions: o.regions,
      supplyQuantile: 0.1,
      seed: o.seed,
      eligible,
    });
  }
  ctx.log(`selection (${o.mode}): ${selection.pool.length} items in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let selEmb = takeRows(gathered.matrix, Array.from(selection.pool, (g) => rowPos.get(g)!));
  let dedupDropped = 0;
  if (o.dedup !== undefined) {
    const d = dedupSelection(selection, selEmb, o.dedup);
    selection = d.selection;
    dedupDropped = d.dropped;
    selEmb = takeRows(gathered.matrix, Array.from(selection.pool, (g) => rowPos.get(g)!));
  }
  if (selection.pool.length === 0) warn('no pool item lies within the threshold of any target: the selection is empty');

  return { selection, embeddings: selEmb, gathered, rowPos, codebook, dedupDropped };
}
