import { describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { evaluateClustering } from './evaluate-clustering.js';

/** Probabilities that put most mass on `first` and the rest spread in a fixed order after it. */
function probsFor(first: number[], k: number, order: (i: number) => number[]): Float32Array {
  const probs = new Float32Array(first.length * k);
  first.forEach((c, i) => {
    const rest = order(i).filter((x) => x !== c);
    probs[i * k + c] = 0.5;
    rest.forEach((x, r) => (probs[i * k + x] = 0.4 / (r + 1) / 3));
  });
  return probs;
}

describe('evaluateClustering', () => {
  it('scores a permuted labelling ACC = NMI = ARI = top-5 = 1 and returns the inverse permutation', () => {
    const rng = new Rng('eval');
    const perm = [4, 2, 5, 0, 1, 3];
    const truth = Array.from({ length: 240 }, () => rng.int(6));
    const pred = truth.map((t) => perm[t]);
    const probs = probsFor(pred, 6, () => [0, 1, 2, 3, 4, 5]);
    const r = evaluateClustering(pred, truth, { probs });
    expect(r.acc).toBe(1);
    expect(r.manyToOneAcc).toBe(1);
    expect(r.nmi).toBeCloseTo(1, 12);
    expect(r.ari).toBeCloseTo(1, 12);
    expect(r.top5).toBe(1);
    for (let t = 0; t < 6; t++) expect(r.mapping[perm[t]]).toBe(t);
    expect(r.confusion[perm[0]][0]).toBe(truth.filter((t) => t === 0).length);
  });

  it('top-5 goes through the Hungarian mapping: right in the top 5 clusters, wrong at top 1', () => {
    // Ground truth and clusters agree (identity mapping) on 6 samples of 6 classes; the probabilities
    // rank the true cluster 5th for samples 0–2 and 6th (last) for sample 3.
    const truth = [0, 1, 2, 3, 4, 5];
    const pred = [0, 1, 2, 3, 4, 5];
    const k = 6;
    const probs = new Float32Array(6 * k);
    for (let i = 0; i < 6; i++) {
      const rank = i < 3 ? 4 : i === 3 ? 5 : 0; // 0-based position of the true cluster
      const others = [0, 1, 2, 3, 4, 5].filter((c) => c !== truth[i]);
      const order = [...others.slice(0, rank), truth[i], ...others.slice(rank)];
      order.forEach((c, r) => (probs[i * k + c] = (k - r) / 21));
    }
    const r = evaluateClustering(pred, truth, { probs });
    expect(r.acc).toBe(1);
    expect(r.top5).toBeCloseTo(5 / 6, 12);
  });

  it('omits top-5 without probabilities or with fewer than 5 clusters; rejects badly shaped probs', () => {
    expect(evaluateClustering([0, 1], [1, 0]).top5).toBeUndefined();
    expect(evaluateClustering([0, 1], [1, 0], { probs: [0.9, 0.1, 0.2, 0.8] }).top5).toBeUndefined();
    expect(() => evaluateClustering([0, 1], [1, 0], { probs: [0.9, 0.1, 0.2] })).toThrow(/probs.length 3 is not a multiple of the 2 samples/);
    expect(() => evaluateClustering([0, 1], [1, 0], { probs: [1, 0, 0, 1], numPred: 3 })).toThrow(/expected 2 samples × 3 clusters/);
  });
});
