import type { NeighborLists } from '../search/neighbor-lists.js';

/**
 * Each target's radius, derived from its own neighbourhood: `factor` × the distance to its k-th
 * nearest pool item (or its last one within reach), never beyond the global threshold. A target
 * whose close neighbours were claimed by others may go deeper, but only as far as its own
 * neighbourhood scale allows, so a region the pool cannot supply is not filled with poor matches.
 */
export function adaptiveRadius(lists: NeighborLists, k: number, factor: number, maxDistance: number): Float64Array {
  const L = lists.k;
  const r = new Float64Array(lists.queries);
  const kk = Math.min(k, L);
  for (let t = 0; t < lists.queries; t++) {
    let j = kk - 1;
    while (j >= 0 && lists.indices[t * L + j] < 0) j--;
    r[t] = j < 0 ? -1 : Math.min(maxDistance, lists.distances[t * L + j] * factor);
  }
  return r;
}
