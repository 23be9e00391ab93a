import { Rng } from '@twindb/core-tensors';
import { describe, expect, it } from 'vitest';
import { knnAccuracy } from './knn-accuracy.js';

/** Points around one random centre per class (noisy enough that neighbours disagree). */
function clustered(n: number, dim: number, classes: number, rng: Rng, centres: number[][]) {
  const rows = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(classes);
    labels[i] = c;
    for (let d = 0; d < dim; d++) rows[i * dim + d] = centres[c][d] + rng.normal(0, 1.2);
  }
  return { rows, labels };
}

/** Float64 brute force: every cosine, sorted by (similarity desc, index asc), both votes. */
function bruteForce(bank: Float32Array, bankLabels: Int32Array, q: Float32Array, qLabels: Int32Array, dim: number, k: number, tau: number) {
  const norm = (x: Float32Array, i: number) => Math.sqrt(Array.from(x.subarray(i * dim, (i + 1) * dim)).reduce((s, v) => s + v * v, 0));
  const keep = Array.from(bankLabels.keys()).filter((i) => bankLabels[i] >= 0);
  let w = 0;
  let m = 0;
  let n = 0;
  for (let a = 0; a < qLabels.length; a++) {
    if (qLabels[a] < 0) continue;
    n++;
    const sims = keep.map((i) => {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += q[a * dim + d] * bank[i * dim + d];
      return { i, s: Math.fround(1 - dot / (norm(q, a) * norm(bank, i))) };
    });
    sims.sort((x, y) => x.s - y.s || x.i - y.i);
    const top = sims.slice(0, k);
    const vote = (weight: (s: number) => number) => {
      const score = new Map<number, number>();
      for (const t of top) score.set(bankLabels[t.i], (score.get(bankLabels[t.i]) ?? 0) + weight(1 - t.s));
      return [...score].reduce((best, e) => (e[1] > best[1] ? e : best))[0];
    };
    if (vote((s) => Math.exp(s / tau)) === qLabels[a]) w++;
    if (vote(() => 1) === qLabels[a]) m++;
  }
  return { weighted: w / n, majority: m / n, n };
}

describe('knnAccuracy', () => {
  it('matches a float64 brute-force kNN with exp(sim/τ) weights and with plain majority', async () => {
    const rng = new Rng('knn');
    const dim = 6;
    const classes = 4;
    const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal()));
    const bank = clustered(300, dim, classes, rng, centres);
    const val = clustered(120, dim, classes, rng, centres);
    bank.labels[5] = -1; // unlabelled rows are left out of the vote
    val.labels[7] = -1;
    for (const [k, tau] of [
      [1, 0.1],
      [20, 0.1],
      [20, 2],
      [50, 0.5],
    ] as const) {
      const got = await knnAccuracy({ bank: bank.rows, bankLabels: bank.labels, queries: val.rows, queryLabels: val.labels, dim, k, temperature: tau });
      const ref = bruteForce(bank.rows, bank.labels, val.rows, val.labels, dim, k, tau);
      expect(got.queries).toBe(ref.n);
      expect(got.bank).toBe(299);
      expect(got.weighted).toBeCloseTo(ref.weighted, 12);
      expect(got.majority).toBeCloseTo(ref.majority, 12);
      expect(got.weighted).toBeGreaterThan(0.4); // the clusters are learnable, so the test is not vacuous
    }
  });

  it('weights let a few close neighbours outvote many far ones', async () => {
    // Query (1, 0); two class-0 rows right on it, three class-1 rows at 60°.
    const bank = Float32Array.from([1, 0, 1, 0.01, 0.5, 0.87, 0.5, 0.86, 0.5, 0.85]);
    const r = await knnAccuracy({
      bank,
      bankLabels: Int32Array.from([0, 0, 1, 1, 1]),
      queries: Float32Array.from([1, 0]),
      queryLabels: Int32Array.from([0]),
      dim: 2,
      k: 5,
      temperature: 0.1,
    });
    expect(r.weighted).toBe(1);
    expect(r.majority).toBe(0);
  });

  it('rejects rows that do not match the labels', async () => {
    await expect(
      knnAccuracy({ bank: new Float32Array(5), bankLabels: new Int32Array(2), queries: new Float32Array(2), queryLabels: new Int32Array(1), dim: 2, k: 1, temperature: 0.1 }),
    ).rejects.toThrow(/bank has 5 values, expected 2 rows × 2/);
  });
});
