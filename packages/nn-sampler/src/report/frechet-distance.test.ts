import { describe, expect, it } from 'vitest';
import type { EmbeddingMatrix } from '../embedding-matrix.js';
import { fitProjection, frechetDistance, project, type Projection } from './frechet-distance.js';
import {
  cholesky,
  frechetGaussians,
  frechetOfSamples,
  fromRows,
  gaussian,
  matMul,
  meanCov64,
  mulberry32,
  randomMatrix,
  rowsWithMoments,
  toRows,
  transpose,
  type Mat,
} from '../../test/float64-reference.js';

/** The identity map as a Projection: frechetDistance then works on the raw coordinates. */
function identityProjection(d: number): Projection {
  const axes = new Float64Array(d * d);
  for (let i = 0; i < d; i++) axes[i * d + i] = 1;
  return { mean: new Float64Array(d), axes, p: d };
}

/** Random SPD matrix A Aᵀ + εI. */
function randomSpd(d: number, draw: () => number, eps = 0.1): Mat {
  const A = Array.from({ length: d }, () => Array.from({ length: d }, draw));
  return matMul(A, transpose(A)).map((row, i) => row.map((v, j) => v + (i === j ? eps : 0)));
}

/** p × p Gram matrix of the projection's axes (should be the identity for orthonormal axes). */
function axesGram(pr: Projection, dim: number): Mat {
  const G: Mat = Array.from({ length: pr.p }, () => new Array<number>(pr.p).fill(0));
  for (let a = 0; a < pr.p; a++) for (let b = 0; b < pr.p; b++) for (let k = 0; k < dim; k++) G[a][b] += pr.axes[k * pr.p + a] * pr.axes[k * pr.p + b];
  return G;
}

function maxAbsDiffFromIdentity(G: Mat): number {
  let m = 0;
  G.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - (i === j ? 1 : 0))))));
  return m;
}

describe('frechetDistance: closed form on raw coordinates (identity projection)', () => {
  it('2-D, non-commuting covariances, samples with exact moments: ‖Δμ‖² + Tr Σ1 + Tr Σ2 − 2 Tr (Σ1Σ2)^½', () => {
    const g = gaussian(mulberry32(31));
    const mu1 = [0.5, -1];
    const mu2 = [1.5, 1];
    const s1: Mat = [
      [2, 0.8],
      [0.8, 1],
    ];
    const s2: Mat = [
      [0.5, -0.3],
      [-0.3, 1.5],
    ];
    // For 2 × 2 M with positive spectrum: Tr √M = √(Tr M + 2 √det M); det(Σ1Σ2) = det Σ1 · det Σ2.
    const det = (m: Mat) => m[0][0] * m[1][1] - m[0][1] * m[1][0];
    const trS1S2 = s1[0][0] * s2[0][0] + s1[0][1] * s2[1][0] + s1[1][0] * s2[0][1] + s1[1][1] * s2[1][1];
    const closed = (1 + 4) + 3 + 2 - 2 * Math.sqrt(trS1S2 + 2 * Math.sqrt(det(s1) * det(s2)));
    // The float64 reference helper agrees with the analytic 2-D formula.
    expect(frechetGaussians(mu1, s1, mu2, s2)).toBeCloseTo(closed, 12);

    const x = fromRows(rowsWithMoments(50, mu1, s1, g));
    const y = fromRows(rowsWithMoments(70, mu2, s2, g));
    expect(frechetDistance(x, y, identityProjection(2))).toBeCloseTo(closed, 5);
    expect(frechetDistance(y, x, identityProjection(2))).toBeCloseTo(closed, 5);
  });

  it('diagonal (commuting) covariances: Σ (Δμ)² + Σ (σ1 − σ2)²', () => {
    const g = gaussian(mulberry32(32));
    const mu1 = [0, 1, -2, 3];
    const mu2 = [0.5, 1, 0, 2];
    const sd1 = [1, 2, 0.5, 3];
    const sd2 = [2, 2, 1.5, 0.25];
    const diag = (sd: number[]) => sd.map((s, i) => sd.map((_, j) => (i === j ? s * s : 0)));
    const x = fromRows(rowsWithMoments(40, mu1, diag(sd1), g));
    const y = fromRows(rowsWithMoments(60, mu2, diag(sd2), g));
    const closed = mu1.reduce((s, v, j) => s + (v - mu2[j]) ** 2, 0) + sd1.reduce((s, v, j) => s + (v - sd2[j]) ** 2, 0);
    expect(frechetDistance(x, y, identityProjection(4))).toBeCloseTo(closed, 4);
  });

  it('large i.i.d. Gaussian samples approach the population closed form', () => {
    const g = gaussian(mulberry32(33));
    const n = 20000;
    // x ~ N(0, diag(1, 4, 0.25)), y ~ N((1, 0, 0), diag(4, 4, 1)) → FD = 1 + (1−2)² + 0 + (0.5−1)² = 2.25.
    const x = randomMatrix(n, 3, g);
    for (let i = 0; i < n; i++) {
      x.data[i * 3 + 1] *= 2;
      x.data[i * 3 + 2] *= 0.5;
    }
    const y = randomMatrix(n, 3, g);
    for (let i = 0; i < n; i++) {
      y.data[i * 3] = 2 * y.data[i * 3] + 1;
      y.data[i * 3 + 1] *= 2;
    }
    expect(Math.abs(frechetDistance(x, y, identityProjection(3)) - 2.25)).toBeLessThan(0.08);
  });

  it('matches a float64 reference (Denman–Beavers matrix square root) on random full covariances', () => {
    const g = gaussian(mulberry32(34));
    for (const d of [3, 6]) {
      const cx = cholesky(randomSpd(d, g));
      const cy = cholesky(randomSpd(d, g));
      const draw = (c: Mat, shift: number) => {
        const rows: number[][] = [];
        for (let r = 0; r < 80; r++) {
          const z = Array.from({ length: d }, g);
          rows.push(c.map((row) => row.reduce((s, v, k) => s + v * z[k], shift)));
        }
        return fromRows(rows);
      };
      const x = draw(cx, 0);
      const y = draw(cy, 0.7);
      const ref = frechetOfSamples(toRows(x), toRows(y));
      expect(Math.abs(frechetDistance(x, y, identityProjection(d)) - ref)).toBeLessThan(1e-9 * Math.max(1, ref));
    }
  });

  it('equal covariances leave only the mean term; a set with itself gives ≈ 0', () => {
    const g = gaussian(mulberry32(35));
    const x = randomMatrix(100, 5, g);
    const tr = meanCov64(toRows(x)).cov.reduce((s, row, i) => s + row[i], 0);
    const self = frechetDistance(x, x, identityProjection(5));
    expect(self).toBeGreaterThanOrEqual(0);
    expect(self).toBeLessThan(1e-9 * tr);
    // Shift by exactly representable amounts (0.5 steps of a coarse grid keep float32 exact).
    const grid = fromRows(toRows(x).map((r) => r.map((v) => Math.round(v * 64) / 64)));
    const moved = fromRows(toRows(grid).map((r) => r.map((v, j) => v + (j === 0 ? 0.5 : j === 3 ? -1 : 0))));
    expect(frechetDistance(grid, moved, identityProjection(5))).toBeCloseTo(0.25 + 1, 8);
  });
});

describe('fitProjection / project', () => {
  const g = gaussian(mulberry32(41));
  // Anisotropic data in 6-D so the principal axes are well separated.
  const scales = [5, 3, 2, 1, 0.5, 0.2];
  const mix = randomSpd(6, g);
  const anis = (rows: number): EmbeddingMatrix => {
    const out: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const z = scales.map((s) => s * g());
      out.push(mix.map((row) => row.reduce((s, v, k) => s + (v / 3) * z[k], 0.3)));
    }
    return fromRows(out);
  };
  const fit = anis(60);

  it('axes are orthonormal, the mean is the fit mean, and p is clamped to min(p, dim, rows − 1)', () => {
    const pr = fitProjection(fit, 4);
    expect(pr.p).toBe(4);
    expect(maxAbsDiffFromIdentity(axesGram(pr, 6))).toBeLessThan(1e-9);
    const { mean } = meanCov64(toRows(fit));
    mean.forEach((m, j) => expect(pr.mean[j]).toBeCloseTo(m, 10));
    expect(fitProjection(fit, 100).p).toBe(6);
    expect(fitProjection(anis(4), 100).p).toBe(3);
  });

  it('is PCA: projected fit data is uncorrelated with descending variances, axis 1 = top covariance eigenvector', () => {
    const pr = fitProjection(fit, 6);
    const z = project(fit, pr);
    const rows = Array.from({ length: fit.rows }, (_, r) => Array.from(z.subarray(r * 6, r * 6 + 6)));
    const { mean, cov } = meanCov64(rows);
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-9));
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) if (i !== j) expect(Math.abs(cov[i][j])).toBeLessThan(1e-8 * cov[0][0]);
      if (i > 0) expect(cov[i][i]).toBeLessThanOrEqual(cov[i - 1][i - 1]);
    }
    // Independent check of the leading axis: power iteration on the direct 6 × 6 covariance.
    const C = meanCov64(toRows(fit)).cov;
    let v = [1, 1, 1, 1, 1, 1];
    for (let it = 0; it < 500; it++) {
      const w = C.map((row) => row.reduce((s, c, k) => s + c * v[k], 0));
      const nrm = Math.hypot(...w);
      v = w.map((u) => u / nrm);
    }
    const dot = v.reduce((s, u, k) => s + u * pr.axes[k * 6], 0);
    expect(Math.abs(dot)).toBeCloseTo(1, 8);
  });

  it('project() is (x − mean) · axes', () => {
    const pr = fitProjection(fit, 3);
    const y = anis(7);
    const z = project(y, pr);
    for (let r = 0; r < y.rows; r++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += (y.data[r * 6 + k] - pr.mean[k]) * pr.axes[k * 3 + c];
        expect(z[r * 3 + c]).toBeCloseTo(s, 10);
      }
    }
  });

  it('with p = dim (full-rank fit) the distance equals the full-space float64 reference (rotation invariance)', () => {
    const x = anis(50);
    const y = fromRows(toRows(anis(45)).map((r) => r.map((v, j) => v * (j === 2 ? 1.5 : 1) + (j === 0 ? 0.8 : 0))));
    const ref = frechetOfSamples(toRows(x), toRows(y));
    const got = frechetDistance(x, y, fitProjection(fit, 6));
    expect(Math.abs(got - ref)).toBeLessThan(1e-8 * Math.max(1, ref));
    expect(frechetDistance(x, x, fitProjection(fit, 6))).toBeLessThan(1e-9);
  });

  it('with p < dim the distance equals the float64 reference on the projected coordinates', () => {
    const x = anis(50);
    const y = fromRows(toRows(anis(45)).map((r) => r.map((v, j) => v * (j === 1 ? 0.5 : 1) + (j === 4 ? -0.6 : 0))));
    const pr = fitProjection(fit, 3);
    const rowsOf = (m: EmbeddingMatrix) => {
      const z = project(m, pr);
      return Array.from({ length: m.rows }, (_, r) => Array.from(z.subarray(r * 3, r * 3 + 3)));
    };
    const ref = frechetOfSamples(rowsOf(x), rowsOf(y));
    expect(Math.abs(frechetDistance(x, y, pr) - ref)).toBeLessThan(1e-9 * Math.max(1, ref));
    expect(ref).toBeGreaterThan(0.1);
  });

  // KNOWN BUG (reported, not fixed): when the fit rows have rank r < p, the extra axes are built from
  // the Gram matrix's null-space eigenvectors as Xᵀu / √λ with λ ≈ 0: they are not unit length and
  // not orthogonal to the real axes (Xᵀu lies in the r-dimensional row space), so directions get
  // counted twice. `it.fails` passes while the bug is present; remove `.fails` once fixed.
  it.fails('KNOWN BUG: fit data with duplicate rows (rank < p) still yields orthonormal axes', () => {
    // 20 fit rows in 8-D but only 5 distinct (a target sample with repeated images): rank 4 after
    // centring, while p is clamped only to min(32, dim 8, rows − 1 = 19) = 8.
    const rand = gaussian(mulberry32(42));
    const base = Array.from({ length: 5 }, () => Array.from({ length: 8 }, rand));
    const pr = fitProjection(fromRows(Array.from({ length: 20 }, (_, i) => base[i % 5])), 32);
    expect(pr.p).toBe(8);
    // Observed today: max |AᵀA − I| ≈ 1.0 (some axes are ± copies of others).
    expect(maxAbsDiffFromIdentity(axesGram(pr, 8))).toBeLessThan(1e-6);
  });
});
