import { topKCosine } from '@twindb/core-tensors';
import type { EmbeddingMatrix } from '../embedding-matrix.js';

/**
 * Improved precision and recall (Kynkäänniemi et al., 2019) in cosine distance: each set's manifold
 * is the union of balls reaching each sample's k-th nearest neighbour within the set. Precision =
 * share of `candidate` samples inside the reference manifold; recall = share of `reference`
 * samples inside the candidate manifold.
 */
export function knnPrecisionRecall(reference: EmbeddingMatrix, candidate: EmbeddingMatrix, k = 5): { precision: number; recall: number } {
  return { precision: inManifold(reference, candidate, k), recall: inManifold(candidate, reference, k) };
}

function inManifold(manifold: EmbeddingMatrix, probes: EmbeddingMatrix, k: number): number {
  const { dim } = manifold;
  if (manifold.rows <= k || probes.rows === 0) return NaN;
  const self = topKCosine(manifold.data, manifold.data, dim, k, { excludeSelf: true });
  const radius = new Float64Array(manifold.rows);
  for (let i = 0; i < manifold.rows; i++) radius[i] = self.distances[i * k + k - 1];
  // Rows are unit-length, so the cosine distance is 1 − dot (rounded like topKCosine's).
  let inside = 0;
  const M = manifold.data;
  const P = probes.data;
  for (let p = 0; p < probes.rows; p++) {
    for (let m = 0; m < manifold.rows; m++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += P[p * dim + j] * M[m * dim + j];
      if (Math.fround(1 - s) <= radius[m]) {
        inside++;
        break;
      }
    }
  }
  return inside / probes.rows;
}
