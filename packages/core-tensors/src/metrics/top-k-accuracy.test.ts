import { describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { topKAccuracy } from './top-k-accuracy.js';

describe('topKAccuracy', () => {
  // Row 0 ranks columns 1 > 2 > 0; row 1 ranks 2 > 0 = 1 (tie: lower column 0 first).
  const scores = [0.1, 0.5, 0.4, 0.3, 0.3, 0.4];

  it('counts a hit when the true class is among the k best columns, ties to the lower column', () => {
    expect(topKAccuracy(scores, [2, 0], 1)).toBe(0);
    expect(topKAccuracy(scores, [2, 0], 2)).toBe(1);
    expect(topKAccuracy(scores, [2, 1], 2)).toBe(0.5); // row 1's top-2 is {2, 0}, not 1
    expect(topKAccuracy(scores, [2, 1], 3)).toBe(1);
  });

  it('maps columns (clusters) to classes first when a mapping is given; -1 never hits', () => {
    // mapping: cluster 0 → class 2, cluster 1 → -1, cluster 2 → class 0.
    const mapping = [2, -1, 0];
    expect(topKAccuracy(scores, [0, 0], 1, mapping)).toBe(0.5); // row 0 top-1 = cluster 1 (unmapped), row 1 = cluster 2 → 0
    expect(topKAccuracy(scores, [0, 2], 2, mapping)).toBe(1);
  });

  it('agrees with sorting every row on random scores', () => {
    const rng = new Rng('topk-acc');
    const n = 300;
    const cols = 12;
    const s = Float32Array.from({ length: n * cols }, () => rng.next());
    const truth = Array.from({ length: n }, () => rng.int(cols));
    for (const k of [1, 3, 5, 12]) {
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const order = Array.from({ length: cols }, (_, c) => c).sort((a, b) => s[i * cols + b] - s[i * cols + a] || a - b);
        if (order.slice(0, k).includes(truth[i])) hits++;
      }
      expect(topKAccuracy(s, truth, k)).toBe(hits / n);
    }
  });

  it('rejects a k above the number of columns, a shape mismatch and NaN scores', () => {
    expect(() => topKAccuracy(scores, [0, 1], 5)).toThrow(/k must be an integer in 1..3/);
    expect(() => topKAccuracy(scores, [0, 1, 2, 0], 1)).toThrow(/scores.length 6 is not a multiple of the 4 truth labels/);
    expect(() => topKAccuracy([0.1, Number.NaN], [0], 1)).toThrow(/scores row 0 column 1 is NaN/);
    expect(() => topKAccuracy(scores, [0, 1], 1, [0, 1])).toThrow(/mapping has 2 entries but scores have 3 columns/);
  });
});
