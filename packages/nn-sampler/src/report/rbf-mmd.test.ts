import { describe, expect, it } from 'vitest';
import type { EmbeddingMatrix } from '../embedding-matrix.js';
import { medianSqDistance, rbfMmd2 } from './rbf-mmd.js';
import {
  fromRows,
  gaussian,
  mmd2Unbiased64,
  mulberry32,
  pooledPairSqDistances,
  randomMatrix,
  sqEuclid,
  toRows,
} from '../../test/float64-reference.js';

function shifted(m: EmbeddingMatrix, delta: number): EmbeddingMatrix {
  // Shift along the first coordinate only.
  return { ...m, data: Float32Array.from(m.data, (v, i) => (i % m.dim === 0 ? v + delta : v)) };
}

describe('rbfMmd2 (unbiased estimator)', () => {
  it('matches a hand-computed 1-D value', () => {
    // x = {0, 1}, y = {0, 2}, bandwidth 1:
    // Kxx(off-diag mean) = e^-1, Kyy = e^-4, Kxy mean = (1 + e^-4 + e^-1 + e^-1) / 4.
    const x = fromRows([[0], [1]]);
    const y = fromRows([[0], [2]]);
    const expected = Math.exp(-1) + Math.exp(-4) - (2 * (1 + Math.exp(-4) + 2 * Math.exp(-1))) / 4;
    expect(rbfMmd2(x, y, 1)).toBeCloseTo(expected, 14);
  });

  it('of a set with itself is the closed form −(2/n)(1 − mean off-diagonal kernel), in [−2/n, 0]', () => {
    const g = gaussian(mulberry32(11));
    const x = randomMatrix(40, 6, g);
    const bw = 6;
    const rows = toRows(x);
    let off = 0;
    for (let i = 0; i < rows.length; i++) for (let j = 0; j < rows.length; j++) if (i !== j) off += Math.exp(-sqEuclid(rows[i], rows[j]) / bw);
    const n = rows.length;
    const meanOff = off / (n * (n - 1));
    const v = rbfMmd2(x, x, bw);
    expect(v).toBeCloseTo(-(2 / n) * (1 - meanOff), 12);
    expect(v).toBeLessThanOrEqual(0);
    expect(v).toBeGreaterThanOrEqual(-2 / n);
  });

  it('is near 0 for two independent samples of one distribution (unbiased: may be slightly negative)', () => {
    const g = gaussian(mulberry32(12));
    const x = randomMatrix(150, 4, g);
    const y = randomMatrix(150, 4, g);
    const v = rbfMmd2(x, y, 8);
    expect(Math.abs(v)).toBeLessThan(0.01);
    // ... and clearly below a 1-σ mean shift.
    expect(rbfMmd2(x, shifted(y, 1), 8)).toBeGreaterThan(5 * Math.abs(v));
  });

  it('grows with a mean shift and tends to Kxx + Kyy once the sets are far apart', () => {
    const g = gaussian(mulberry32(13));
    const x = randomMatrix(60, 3, g);
    const y = randomMatrix(50, 3, g);
    const bw = 6;
    const vals = [0, 0.25, 0.5, 1, 2, 4, 8].map((d) => rbfMmd2(x, shifted(y, d), bw));
    for (let i = 1; i < vals.length; i++) expect(vals[i]).toBeGreaterThan(vals[i - 1]);
    // Cross term vanishes at a huge shift: the value is the two within-set kernel means.
    const yFar = shifted(y, 1e3); // (float32 rounding at 1e3 perturbs y, so use yFar itself below)
    const far = rbfMmd2(x, yFar, bw);
    const kernelMean = (r: number[][]) => mmd2Unbiased64(r, [[1e9, 0, 0], [2e9, 0, 0]], bw); // other terms underflow to 0
    const xx = kernelMean(toRows(x));
    const yy = kernelMean(toRows(yFar));
    expect(far).toBeCloseTo(xx + yy, 12);
  });

  it('matches a direct float64 O(n²) computation of the same estimator', () => {
    const rand = mulberry32(14);
    const g = gaussian(rand);
    for (const [n, m, dim, bw] of [
      [2, 2, 1, 1],
      [7, 3, 2, 0.5],
      [25, 31, 5, 3],
      [40, 12, 16, 20],
    ]) {
      const x = randomMatrix(n, dim, g);
      const y = randomMatrix(m, dim, () => g() * 1.3 + 0.2);
      const ref = mmd2Unbiased64(toRows(x), toRows(y), bw);
      const got = rbfMmd2(x, y, bw);
      expect(Math.abs(got - ref)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref)));
      // Symmetric in its two arguments.
      expect(rbfMmd2(y, x, bw)).toBeCloseTo(got, 12);
    }
  });

  it('is NaN when either set has fewer than 2 rows', () => {
    const g = gaussian(mulberry32(15));
    expect(rbfMmd2(randomMatrix(1, 3, g), randomMatrix(5, 3, g), 1)).toBeNaN();
    expect(rbfMmd2(randomMatrix(5, 3, g), randomMatrix(1, 3, g), 1)).toBeNaN();
  });
});

describe('medianSqDistance (median heuristic)', () => {
  it('equals the median of all pooled pairwise squared distances (odd pair count: exact median)', () => {
    const g = gaussian(mulberry32(21));
    // 5 + 6 = 11 points → 55 pairs (odd), so the median is unambiguous.
    const x = randomMatrix(5, 4, g);
    const y = randomMatrix(6, 4, () => g() + 1);
    const d = pooledPairSqDistances(toRows(x), toRows(y));
    expect(d.length).toBe(55);
    expect(medianSqDistance(x, y)).toBeCloseTo(d[27], 12);
  });

  it('hand-picked 1-D points', () => {
    // x = {0, 1}, y = {3}: pairs 1, 9, 4 → median 4.
    expect(medianSqDistance(fromRows([[0], [1]]), fromRows([[3]]))).toBe(4);
  });

  it('for an even pair count lies between the two middle values, on larger random data', () => {
    const g = gaussian(mulberry32(22));
    const x = randomMatrix(30, 8, g);
    const y = randomMatrix(20, 8, () => 2 * g());
    const d = pooledPairSqDistances(toRows(x), toRows(y)); // 1225 pairs (odd)
    expect(medianSqDistance(x, y)).toBeCloseTo(d[(d.length - 1) / 2], 10);
    const x2 = randomMatrix(3, 2, g);
    const y2 = randomMatrix(2, 2, g); // 10 pairs (even)
    const d2 = pooledPairSqDistances(toRows(x2), toRows(y2));
    const med = medianSqDistance(x2, y2);
    expect(med).toBeGreaterThanOrEqual(d2[4] - 1e-12);
    expect(med).toBeLessThanOrEqual(d2[5] + 1e-12);
  });

  it('falls back to 1 when there is no pair', () => {
    expect(medianSqDistance(fromRows([[2, 3]]), { rows: 0, dim: 2, data: new Float32Array(0) })).toBe(1);
  });
});
