import { Rng } from '@twindb/core-tensors';
import { mineNearestNeighbors, neighborAccuracy } from '@twindb/scan';
import { describe, expect, it } from 'vitest';

describe('mineNearestNeighbors', () => {
  it('returns each row itself first, then its k most similar rows, as exact search does', () => {
    const rng = new Rng('mine');
    const n = 40;
    const dim = 8;
    const f = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const v = Array.from({ length: dim }, () => rng.normal());
      const norm = Math.hypot(...v);
      v.forEach((x, d) => (f[i * dim + d] = x / norm));
    }
    const k = 5;
    const nn = mineNearestNeighbors(f, dim, k);
    expect(nn.length).toBe(n * (k + 1));
    for (let i = 0; i < n; i++) {
      const sims = Array.from({ length: n }, (_, j) => ({ j, s: Array.from({ length: dim }, (_, d) => f[i * dim + d] * f[j * dim + d]).reduce((a, b) => a + b, 0) }));
      sims.sort((a, b) => b.s - a.s);
      expect(Array.from(nn.subarray(i * (k + 1), (i + 1) * (k + 1)))).toEqual(sims.slice(0, k + 1).map((x) => x.j));
      expect(nn[i * (k + 1)]).toBe(i);
    }
  });

  it('measures neighbour accuracy over columns 1..k only', () => {
    const neighbors = Int32Array.from([0, 1, 2, 1, 0, 3, 2, 3, 0, 3, 2, 1]);
    const labels = [0, 0, 1, 1];
    // row 0: 1 same, 2 diff; row 1: 0 same, 3 diff; row 2: 3 same, 0 diff; row 3: 2 same, 1 diff → 4/8
    expect(neighborAccuracy(neighbors, 3, labels)).toBeCloseTo(0.5, 10);
  });
});
