import type { EmbeddingMatrix } from '../embedding-matrix.js';

function sqDist(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) {
    const d = a[ao + j] - b[bo + j];
    s += d * d;
  }
  return s;
}

/** Median of the pairwise squared distances of x ∪ y (the usual RBF bandwidth heuristic). */
export function medianSqDistance(x: EmbeddingMatrix, y: EmbeddingMatrix): number {
  const all = [x, y];
  const d: number[] = [];
  for (let a = 0; a < 2; a++) {
    for (let b = a; b < 2; b++) {
      const A = all[a];
      const B = all[b];
      for (let i = 0; i < A.rows; i++) {
        for (let j = a === b ? i + 1 : 0; j < B.rows; j++) d.push(sqDist(A.data, i * A.dim, B.data, j * B.dim, A.dim));
      }
    }
  }
  d.sort((p, q) => p - q);
  return d.length ? d[Math.floor(d.length / 2)] : 1;
}

/**
 * Unbiased squared MMD with the RBF kernel exp(−‖a−b‖² / bandwidth) (Gretton et al., 2012).
 * 0 when both samples come from the same distribution; callers pass a shared bandwidth so that
 * values for different candidate sets are comparable.
 */
export function rbfMmd2(x: EmbeddingMatrix, y: EmbeddingMatrix, bandwidth: number): number {
  const k = (A: EmbeddingMatrix, i: number, B: EmbeddingMatrix, j: number) =>
    Math.exp(-sqDist(A.data, i * A.dim, B.data, j * B.dim, A.dim) / bandwidth);
  let xx = 0;
  for (let i = 0; i < x.rows; i++) for (let j = i + 1; j < x.rows; j++) xx += k(x, i, x, j);
  let yy = 0;
  for (let i = 0; i < y.rows; i++) for (let j = i + 1; j < y.rows; j++) yy += k(y, i, y, j);
  let xy = 0;
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < y.rows; j++) xy += k(x, i, y, j);
  const n = x.rows;
  const m = y.rows;
  if (n < 2 || m < 2) return NaN;
  return (2 * xx) / (n * (n - 1)) + (2 * yy) / (m * (m - 1)) - (2 * xy) / (n * m);
}
