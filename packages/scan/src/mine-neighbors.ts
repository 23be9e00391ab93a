import { topKCosine } from '@twindb/core-tensors';

/**
 * The reference's `mine_nearest_neighbors(k)` (spec §8): for every row of the memory bank, its
 * k + 1 most similar rows of the same bank by exact search, most similar first. The query is in the
 * bank, so column 0 is normally the row itself; like the reference, nothing checks it (an exact
 * duplicate can come first), and the SCAN sampler draws from all k + 1 columns. The bank holds
 * unit-norm features, so cosine similarity is the reference's inner product.
 */
export function mineNearestNeighbors(features: Float32Array, dim: number, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`mineNearestNeighbors: k must be a positive integer, got ${k}`);
  const n = features.length / dim;
  if (!Number.isInteger(n) || n < k + 1) {
    throw new RangeError(`mineNearestNeighbors: ${features.length} values hold ${n} rows of dim ${dim}; need at least k + 1 = ${k + 1} rows`);
  }
  return topKCosine(features, features, dim, k + 1).indices;
}

/**
 * Neighbour accuracy as the reference prints it: the share of columns 1..m−1 of every row whose
 * label equals the row's own (column 0 is skipped without checking that it is the row itself).
 */
export function neighborAccuracy(neighbors: Int32Array, m: number, labels: ArrayLike<number>): number {
  const n = neighbors.length / m;
  if (!Number.isInteger(n) || n !== labels.length) {
    throw new RangeError(`neighborAccuracy: ${neighbors.length} neighbour entries do not make ${labels.length} rows of ${m}`);
  }
  if (m < 2) throw new RangeError(`neighborAccuracy: rows of ${m} hold no neighbour besides column 0`);
  let same = 0;
  for (let i = 0; i < n; i++) for (let c = 1; c < m; c++) if (labels[neighbors[i * m + c]] === labels[i]) same++;
  return same / (n * (m - 1));
}
