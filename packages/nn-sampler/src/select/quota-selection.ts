import type { NeighborLists } from '../search/neighbor-lists.js';
import { adaptiveRadius } from './adaptive-radius.js';
import { assignGreedy, newAssignment, selectionFromAssignment } from './assignment.js';
import { candidateEdges } from './candidate-edges.js';
import type { Selection } from './selection.js';

export interface QuotaOptions {
  k: number;
  maxDistance: number;
  /** Radius = radiusFactor × distance to the target's k-th nearest pool item. */
  radiusFactor: number;
}

/**
 * Every target gets up to k distinct items, assigned without replacement and only within its
 * adaptive radius; what it could not get is its shortfall. `lists` should be deeper than k so
 * that targets whose nearest items went elsewhere can go deeper.
 */
export function quotaSelection(lists: NeighborLists, opts: QuotaOptions): Selection {
  const radius = adaptiveRadius(lists, opts.k, opts.radiusFactor, opts.maxDistance);
  const edges = candidateEdges(lists, radius);
  const a = newAssignment(lists.queries);
  assignGreedy(a, edges, () => opts.k);
  return selectionFromAssignment('quota', lists, opts.maxDistance, a, () => opts.k, {
    k: opts.k,
    radiusFactor: opts.radiusFactor,
    medianRadius: median(radius),
  });
}

export function median(x: ArrayLike<number>): number {
  const v = Float64Array.from(x).filter((d) => d >= 0).sort();
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}
