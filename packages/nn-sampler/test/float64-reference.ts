/**
 * Test-only helpers for the report-metric tests: a seeded generator and independent float64
 * reference implementations (deliberately written differently from the code under test).
 * Not a test file itself (no `.test.ts` suffix), so Vitest does not collect it.
 */
import type { EmbeddingMatrix } from '../src/embedding-matrix.js';

/** mulberry32: tiny deterministic PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a uniform generator. */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand(); // (0, 1]
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** rows × dim matrix of i.i.d. draws from `draw`. */
export function randomMatrix(rows: number, dim: number, draw: () => number): EmbeddingMatrix {
  return { rows, dim, data: Float32Array.from({ length: rows * dim }, draw) };
}

/** Rows as plain float64 arrays. */
export function toRows(m: EmbeddingMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.dim, (i + 1) * m.dim)));
  return out;
}

export function fromRows(rows: number[][]): EmbeddingMatrix {
  const dim = rows[0].length;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  return { rows: rows.length, dim, data };
}

export function sqEuclid(a: number[], b: number[]): number {
  return a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);
}

// ---------- dense float64 matrices as number[][] ----------

export type Mat = number[][];

export function identity(d: number): Mat {
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
}

export function matMul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

export function transpose(a: Mat): Mat {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

export function trace(a: Mat): number {
  return a.reduce((s, row, i) => s + row[i], 0);
}

/** Inverse by Gauss–Jordan elimination with partial pivoting. */
export function inverse(a: Mat): Mat {
  const d = a.length;
  const m = a.map((row, i) => [...row, ...identity(d)[i]]);
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    const p = m[c][c];
    for (let j = 0; j < 2 * d; j++) m[c][j] /= p;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) for (let j = 0; j < 2 * d; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(d));
}

/** Lower-triangular L with L Lᵀ = a (a symmetric positive definite). */
export function cholesky(a: Mat): Mat {
  const d = a.length;
  const L: Mat = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  return L;
}

/**
 * Principal square root of a matrix with positive real spectrum (e.g. Σ1·Σ2 for SPD Σ1, Σ2) by the
 * Denman–Beavers iteration: independent of any eigen-solver.
 */
export function sqrtm(a: Mat): Mat {
  let Y = a.map((r) => [...r]);
  let Z = identity(a.length);
  for (let it = 0; it < 100; it++) {
    const Yi = inverse(Y);
    const Zi = inverse(Z);
    const Yn = Y.map((row, i) => row.map((v, j) => (v + Zi[i][j]) / 2));
    const Zn = Z.map((row, i) => row.map((v, j) => (v + Yi[i][j]) / 2));
    let delta = 0;
    for (let i = 0; i < a.length; i++) for (let j = 0; j < a.length; j++) delta = Math.max(delta, Math.abs(Yn[i][j] - Y[i][j]));
    Y = Yn;
    Z = Zn;
    if (delta < 1e-15) break;
  }
  return Y;
}

/** Sample mean and unbiased (n − 1) covariance of float64 rows. */
export function meanCov64(rows: number[][]): { mean: number[]; cov: Mat } {
  const n = rows.length;
  const d = rows[0].length;
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j] += v));
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov: Mat = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i][j] += (r[i] - mean[i]) * (r[j] - mean[j]);
  return { mean, cov: cov.map((row) => row.map((v) => v / (n - 1))) };
}

/** ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½), with the square root by Denman–Beavers. */
export function frechetGaussians(mu1: number[], s1: Mat, mu2: number[], s2: Mat): number {
  const m2 = mu1.reduce((s, v, j) => s + (v - mu2[j]) ** 2, 0);
  return m2 + trace(s1) + trace(s2) - 2 * trace(sqrtm(matMul(s1, s2)));
}

/** Fréchet distance of Gaussians fitted (mean, n − 1 covariance) to two sets of float64 rows. */
export function frechetOfSamples(x: number[][], y: number[][]): number {
  const a = meanCov64(x);
  const b = meanCov64(y);
  return frechetGaussians(a.mean, a.cov, b.mean, b.cov);
}

/**
 * Rows with exactly the given sample mean and unbiased sample covariance: i.i.d. normal draws are
 * centred, whitened (sample covariance → I) and coloured with chol(cov).
 */
export function rowsWithMoments(n: number, mean: number[], cov: Mat, draw: () => number): number[][] {
  const d = mean.length;
  const z = Array.from({ length: n }, () => Array.from({ length: d }, draw));
  const m = meanCov64(z);
  const zc = z.map((r) => r.map((v, j) => v - m.mean[j]));
  const Winv = transpose(inverse(cholesky(m.cov))); // zc · L⁻ᵀ has covariance I
  const C = transpose(cholesky(cov));
  const white = matMul(zc, Winv);
  return matMul(white, C).map((r) => r.map((v, j) => v + mean[j]));
}

/** Unbiased RBF MMD², written as plain double sums over i ≠ j. */
export function mmd2Unbiased64(x: number[][], y: number[][], bandwidth: number): number {
  const k = (a: number[], b: number[]) => Math.exp(-sqEuclid(a, b) / bandwidth);
  const n = x.length;
  const m = y.length;
  let kxx = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) kxx += k(x[i], x[j]);
  let kyy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) kyy += k(y[i], y[j]);
  let kxy = 0;
  for (const a of x) for (const b of y) kxy += k(a, b);
  return kxx / (n * (n - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (n * m);
}

/** All pairwise squared distances within x ∪ y (each unordered pair once), sorted ascending. */
export function pooledPairSqDistances(x: number[][], y: number[][]): number[] {
  const all = [...x, ...y];
  const d: number[] = [];
  for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) d.push(sqEuclid(all[i], all[j]));
  return d.sort((a, b) => a - b);
}
