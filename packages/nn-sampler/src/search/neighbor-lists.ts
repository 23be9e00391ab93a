/**
 * Per-query top-k lists: `indices[q*k + j]` is the j-th nearest corpus row of query q (ascending
 * distance), padded with −1 / +Infinity where fewer than k rows qualify. Ties are ordered by the
 * lower corpus index, which is what makes a sharded search equal to the unsharded one.
 */
export interface NeighborLists {
  readonly queries: number;
  readonly k: number;
  readonly indices: Int32Array;
  readonly distances: Float32Array;
}

export function emptyNeighborLists(queries: number, k: number): NeighborLists {
  const indices = new Int32Array(queries * k).fill(-1);
  const distances = new Float32Array(queries * k).fill(Infinity);
  return { queries, k, indices, distances };
}

/** Number of real (non-padding) entries in the list of query q. */
export function listLength(lists: NeighborLists, q: number): number {
  const { k, indices } = lists;
  let n = 0;
  while (n < k && indices[q * k + n] >= 0) n++;
  return n;
}

/** Keep only entries with distance ≤ maxDistance (lists stay sorted, padding moves to the end). */
export function clipNeighborLists(lists: NeighborLists, maxDistance: number): NeighborLists {
  const out = emptyNeighborLists(lists.queries, lists.k);
  const { k } = lists;
  for (let q = 0; q < lists.queries; q++) {
    for (let j = 0; j < k; j++) {
      const i = lists.indices[q * k + j];
      const d = lists.distances[q * k + j];
      if (i < 0 || !(d <= maxDistance)) break;
      out.indices[q * k + j] = i;
      out.distances[q * k + j] = d;
    }
  }
  return out;
}

/** The first `k` columns of each list. */
export function truncateNeighborLists(lists: NeighborLists, k: number): NeighborLists {
  if (k >= lists.k) return lists;
  const out = emptyNeighborLists(lists.queries, k);
  for (let q = 0; q < lists.queries; q++) {
    out.indices.set(lists.indices.subarray(q * lists.k, q * lists.k + k), q * k);
    out.distances.set(lists.distances.subarray(q * lists.k, q * lists.k + k), q * k);
  }
  return out;
}
