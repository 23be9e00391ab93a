import { topKCosineFast, type Rng } from '@twindb/core-tensors';
import type { EmbeddingMatrix } from '../embedding-matrix.js';

export interface KMeansResult {
  /** Unit-length centroids, row-major (k × dim). */
  readonly centroids: EmbeddingMatrix;
  /** Cluster of every input row. */
  readonly assignment: Int32Array;
}

/**
 * Spherical k-means (cosine): k-means++ seeding from `rng`, then Lloyd iterations with centroids
 * renormalised to unit length. Rows must be unit-length. Empty clusters are reseeded on the row
 * farthest from its centroid so that k clusters always come back.
 */
export async function sphericalKMeans(x: EmbeddingMatrix, k: number, rng: Rng, iterations = 20): Promise<KMeansResult> {
  const { rows, dim, data } = x;
  if (rows === 0) throw new RangeError('sphericalKMeans: no rows');
  const kk = Math.max(1, Math.min(k, rows));
  const C = new Float32Array(kk * dim);
  const dist = new Float64Array(rows).fill(Infinity);
  let first = rng.int(rows);
  C.set(data.subarray(first * dim, (first + 1) * dim), 0);
  for (let c = 1; c < kk; c++) {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const d = Math.max(0, 1 - dot(data, r * dim, C, (c - 1) * dim, dim));
      if (d < dist[r]) dist[r] = d;
      total += dist[r];
    }
    let u = rng.next() * total;
    first = rows - 1;
    for (let r = 0; r < rows; r++) {
      u -= dist[r];
      if (u <= 0) {
        first = r;
        break;
      }
    }
    C.set(data.subarray(first * dim, (first + 1) * dim), c * dim);
  }
  const assignment = new Int32Array(rows);
  const best = new Float64Array(rows);
  const sums = new Float64Array(kk * dim);
  const sizes = new Int32Array(kk);
  for (let it = 0; it < iterations; it++) {
    let changed = 0;
    // The assignment step is one top-1 search: core's matMul screen makes it ~10× the JS loop.
    const nn = await topKCosineFast(data, C, dim, 1);
    for (let r = 0; r < rows; r++) {
      const bc = nn.indices[r];
      if (assignment[r] !== bc || it === 0) changed++;
      assignment[r] = bc;
      best[r] = 1 - nn.distances[r];
    }
    if (it > 0 && changed === 0) break;
    sums.fill(0);
    sizes.fill(0);
    for (let r = 0; r < rows; r++) {
      const c = assignment[r];
      sizes[c]++;
      for (let j = 0; j < dim; j++) sums[c * dim + j] += data[r * dim + j];
    }
    for (let c = 0; c < kk; c++) {
      if (sizes[c] === 0) {
        let far = 0;
        for (let r = 1; r < rows; r++) if (best[r] < best[far]) far = r;
        best[far] = Infinity;
        for (let j = 0; j < dim; j++) C[c * dim + j] = data[far * dim + j];
        continue;
      }
      let n = 0;
      for (let j = 0; j < dim; j++) n += sums[c * dim + j] ** 2;
      const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      for (let j = 0; j < dim; j++) C[c * dim + j] = sums[c * dim + j] * inv;
    }
  }
  return { centroids: { rows: kk, dim, data: C }, assignment };
}

/** Index of the nearest centroid (highest cosine) of every row of `x`. */
export async function nearestCentroid(x: EmbeddingMatrix, centroids: EmbeddingMatrix): Promise<Int32Array> {
  if (x.rows === 0) return new Int32Array(0);
  return (await topKCosineFast(x.data, centroids.data, x.dim, 1)).indices;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[ao + j] * b[bo + j];
  return s;
}
