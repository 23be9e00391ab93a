import type { NeighborLists } from '../search/neighbor-lists.js';

/**
 * Every (target, pool item) pair of the neighbour lists that lies within the target's radius,
 * sorted by ascending distance (ties: lower target, then lower item) so that greedy assignment
 * serves the closest pairs first and is deterministic.
 */
export interface CandidateEdges {
  readonly target: Int32Array;
  readonly item: Int32Array;
  readonly distance: Float32Array;
}

export function candidateEdges(lists: NeighborLists, radius: Float64Array | Float32Array): CandidateEdges {
  const L = lists.k;
  const picked: number[] = [];
  for (let t = 0; t < lists.queries; t++) {
    for (let j = 0; j < L; j++) {
      const e = t * L + j;
      if (lists.indices[e] < 0 || !(lists.distances[e] <= radius[t])) break;
      picked.push(e);
    }
  }
  const order = Uint32Array.from(picked);
  const D = lists.distances;
  const I = lists.indices;
  order.sort((a, b) => D[a] - D[b] || a - b || I[a] - I[b]);
  const n = order.length;
  const target = new Int32Array(n);
  const item = new Int32Array(n);
  const distance = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const e = order[j];
    target[j] = Math.floor(e / L);
    item[j] = I[e];
    distance[j] = D[e];
  }
  return { target, item, distance };
}
