import { Rng } from '@twindb/core-tensors';
import type { EmbeddingMatrix } from '../embedding-matrix.js';
import { sphericalKMeans } from '../cluster/spherical-kmeans.js';
import type { NeighborLists } from '../search/neighbor-lists.js';
import { adaptiveRadius } from './adaptive-radius.js';
import { assignGreedy, newAssignment, selectionFromAssignment } from './assignment.js';
import { candidateEdges, type CandidateEdges } from './candidate-edges.js';
import type { Selection } from './selection.js';

export interface MatchOptions {
  k: number;
  maxDistance: number;
  /** Radius = radiusFactor × distance to the target's k-th nearest pool item. */
  radiusFactor: number;
  /** Exact number of items wanted; otherwise as many as the pool supplies evenly. */
  budget?: number;
  /** Regions of target space (k-means of the targets); 0 = targets / 10. */
  regions: number;
  /** Quantile (over targets) of the per-region supply per target that sets the per-target share. */
  supplyQuantile: number;
  seed: number;
  /** Items that may be selected at all (e.g. those in codebook cells the target visits). */
  eligible?: (item: number) => boolean;
}

/**
 * A subset whose unweighted make-up follows the target's: every target gets the same share m of
 * distinct items (closest first, without replacement, inside its adaptive radius), so no part of
 * the target is over- or under-represented by the collisions that skew a plain union. m is set by
 * the supply of the worst-served regions of target space (a robust minimum over k-means regions of
 * the targets), so that a region the pool serves poorly does not skew the mix; inside a region,
 * targets whose items went to neighbours are made up by their region-mates.
 */
export async function matchSelection(lists: NeighborLists, targets: EmbeddingMatrix, opts: MatchOptions): Promise<Selection> {
  const T = lists.queries;
  const radius = adaptiveRadius(lists, opts.k, opts.radiusFactor, opts.maxDistance);
  const edges = filterEdges(candidateEdges(lists, radius), opts.eligible);

  // Supply: how many items each target would get if it could take every item it is nearest to.
  const open = newAssignment(T);
  assignGreedy(open, edges, () => Infinity);

  const R = Math.max(1, Math.min(T, opts.regions > 0 ? opts.regions : Math.round(T / 10)));
  const region = R === 1 ? new Int32Array(T) : (await sphericalKMeans(targets, R, new Rng(opts.seed))).assignment;
  const size = new Int32Array(R);
  const supply = new Float64Array(R);
  let coveredTargets = 0;
  for (let t = 0; t < T; t++) {
    if (radius[t] < 0) continue;
    coveredTargets++;
    size[region[t]]++;
    supply[region[t]] += open.count[t];
  }
  let share: number;
  if (opts.budget !== undefined) {
    share = opts.budget / Math.max(1, coveredTargets);
  } else {
    // Per-target supply of each region, weighted by the region's targets; a low quantile rather
    // than the minimum so that one tiny, odd region does not shrink the whole selection.
    const ratios: { r: number; w: number }[] = [];
    for (let g = 0; g < R; g++) if (size[g] > 0) ratios.push({ r: supply[g] / size[g], w: size[g] });
    ratios.sort((a, b) => a.r - b.r);
    let acc = 0;
    share = ratios.length ? ratios[ratios.length - 1].r : 0;
    for (const { r, w } of ratios) {
      acc += w;
      if (acc >= opts.supplyQuantile * coveredTargets) {
        share = r;
        break;
      }
    }
  }
  const quota = new Int32Array(R);
  const exact = new Float64Array(R);
  for (let g = 0; g < R; g++) exact[g] = share * size[g];
  roundPreservingSum(exact, quota);

  const a = newAssignment(T);
  const groups = { of: region, quota, count: new Int32Array(R) };
  const cap = Math.max(1, Math.ceil(share));
  assignGreedy(a, edges, () => cap, groups);
  // Regions whose targets lost items to neighbours: their other targets make up the difference.
  assignGreedy(a, edges, () => Infinity, groups);

  return selectionFromAssignment('match', lists, opts.maxDistance, a, () => cap, {
    k: opts.k,
    radiusFactor: opts.radiusFactor,
    regions: R,
    perTargetShare: share,
    budget: opts.budget ?? null,
    regionShortfall: Array.from(quota).reduce((s, q, g) => s + Math.max(0, q - groups.count[g]), 0),
  });
}

function filterEdges(e: CandidateEdges, keep?: (item: number) => boolean): CandidateEdges {
  if (!keep) return e;
  const idx: number[] = [];
  for (let j = 0; j < e.item.length; j++) if (keep(e.item[j])) idx.push(j);
  return {
    target: Int32Array.from(idx, (j) => e.target[j]),
    item: Int32Array.from(idx, (j) => e.item[j]),
    distance: Float32Array.from(idx, (j) => e.distance[j]),
  };
}

/** Largest-remainder rounding: integers with the same (rounded) total. */
function roundPreservingSum(x: Float64Array, out: Int32Array): void {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    out[i] = Math.floor(x[i]);
    total += x[i];
  }
  let missing = Math.round(total) - out.reduce((s, v) => s + v, 0);
  const order = Array.from(x.keys()).sort((a, b) => x[b] - Math.floor(x[b]) - (x[a] - Math.floor(x[a])) || a - b);
  for (const i of order) {
    if (missing <= 0) break;
    out[i]++;
    missing--;
  }
}
