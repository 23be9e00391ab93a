import { describe, expect, it } from 'vitest';
import { symmetricEigen } from './symmetric-eigen.js';
import { gaussian, mulberry32 } from '../../test/float64-reference.js';

function randomSymmetric(n: number, draw: () => number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = draw();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** Checks A·v = λ·v for every pair, VᵀV = I, Σλ = Tr A and Σλ² = ‖A‖_F². */
function checkDecomposition(a: Float64Array, n: number, tol: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  expect(values.length).toBe(n);
  expect(vectors.length).toBe(n * n);
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + e];
      expect(Math.abs(av - values[e] * vectors[i * n + e])).toBeLessThan(tol * scale);
    }
  }
  for (let e = 0; e < n; e++) {
    for (let f = 0; f < n; f++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += vectors[k * n + e] * vectors[k * n + f];
      expect(Math.abs(dot - (e === f ? 1 : 0))).toBeLessThan(tol);
    }
  }
  let tr = 0;
  let fro = 0;
  for (let i = 0; i < n; i++) tr += a[i * n + i];
  for (const v of a) fro += v * v;
  expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(tr, 9);
  expect(Math.abs(values.reduce((s, v) => s + v * v, 0) - fro)).toBeLessThan(1e-9 * fro);
  return values;
}

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('random symmetric matrices: A·v = λ·v, orthonormal eigenvectors, Σλ = trace', () => {
    const g = gaussian(mulberry32(51));
    for (const n of [1, 2, 3, 8, 30]) checkDecomposition(randomSymmetric(n, g), n, 1e-10);
  });

  it('a diagonal matrix gives its diagonal (in place) and the identity as eigenvectors', () => {
    const d = [3, -1, 0.5, 7, 0];
    const n = d.length;
    const a = new Float64Array(n * n);
    d.forEach((v, i) => (a[i * n + i] = v));
    const { values, vectors } = symmetricEigen(a, n);
    expect(Array.from(values)).toEqual(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(vectors[i * n + j]).toBe(i === j ? 1 : 0);
  });

  it('2 × 2 closed form: (a + c)/2 ± √(((a − c)/2)² + b²)', () => {
    for (const [a, b, c] of [
      [2, 1, 2],
      [1, -3, 5],
      [0, 1e-3, 0],
      [4, 2, -7],
    ]) {
      const m = Float64Array.from([a, b, b, c]);
      const vals = Array.from(checkDecomposition(m, 2, 1e-12)).sort((p, q) => p - q);
      const r = Math.sqrt(((a - c) / 2) ** 2 + b * b);
      expect(vals[0]).toBeCloseTo((a + c) / 2 - r, 12);
      expect(vals[1]).toBeCloseTo((a + c) / 2 + r, 12);
    }
  });

  it('recovers a known spectrum Q·diag(λ)·Qᵀ, including a repeated eigenvalue', () => {
    const g = gaussian(mulberry32(52));
    const n = 6;
    const lambda = [4, 1, 1, -2, 0.25, 10];
    // Random orthogonal Q from Gram–Schmidt on random columns.
    const Q: number[][] = [];
    while (Q.length < n) {
      let v = Array.from({ length: n }, g);
      for (const q of Q) {
        const d = v.reduce((s, x, k) => s + x * q[k], 0);
        v = v.map((x, k) => x - d * q[k]);
      }
      const nrm = Math.hypot(...v);
      Q.push(v.map((x) => x / nrm));
    }
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let e = 0; e < n; e++) a[i * n + j] += lambda[e] * Q[e][i] * Q[e][j];
    const vals = Array.from(checkDecomposition(a, n, 1e-10)).sort((p, q) => p - q);
    const want = [...lambda].sort((p, q) => p - q);
    vals.forEach((v, i) => expect(v).toBeCloseTo(want[i], 10));
  });

  it('scales with the matrix over a wide range of magnitudes, and does not modify its input', () => {
    const g = gaussian(mulberry32(53));
    const n = 5;
    const base = randomSymmetric(n, g);
    const ref = Array.from(symmetricEigen(base, n).values).sort((p, q) => p - q);
    for (const s of [1e-6, 1e-3, 1e3, 1e6]) {
      const a = base.map((v) => v * s);
      const copy = Float64Array.from(a);
      const vals = Array.from(symmetricEigen(a, n).values).sort((p, q) => p - q);
      vals.forEach((v, i) => expect(Math.abs(v / s - ref[i])).toBeLessThan(1e-9));
      expect(a).toEqual(copy);
    }
  });

  // KNOWN BUG (reported, not fixed): the convergence test is absolute (Σ off-diagonal² < 1e-22), so a
  // matrix whose entries are all below ~1e-11 is returned unrotated: [[s, s], [s, s]] with s = 1e-12
  // gives eigenvalues [s, s] instead of [0, 2s]. `it.fails` passes while the bug is present.
  it.fails('KNOWN BUG: tiny-magnitude matrices are diagonalised too', () => {
    const s = 1e-12;
    const vals = Array.from(symmetricEigen(Float64Array.from([s, s, s, s]), 2).values).sort((p, q) => p - q);
    expect(vals[0]).toBeCloseTo(0, 20);
    expect(Math.abs(vals[1] - 2 * s)).toBeLessThan(1e-9 * s);
  });
});
