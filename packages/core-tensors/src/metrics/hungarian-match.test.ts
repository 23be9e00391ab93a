import { describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { clusteringAccuracy } from './clustering-accuracy.js';
import { hungarianMatch } from './hungarian-match.js';

/** Best one-to-one matching by trying every injection (small sizes only): the reference for Munkres. */
function bruteForceBest(votes: number[][], numTrue: number): number {
  let best = 0;
  const used = new Array<boolean>(numTrue).fill(false);
  const go = (p: number, sum: number): void => {
    if (p === votes.length) {
      best = Math.max(best, sum);
      return;
    }
    go(p + 1, sum); // cluster p left unmatched
    for (let t = 0; t < numTrue; t++) {
      if (used[t]) continue;
      used[t] = true;
      go(p + 1, sum + votes[p][t]);
      used[t] = false;
    }
  };
  go(0, 0);
  return best;
}

describe('hungarianMatch / clusteringAccuracy', () => {
  it('beats the greedy choice: votes [[3,2],[2,0]] match 0→1, 1→0 for 4 of 7', () => {
    // Greedy takes the largest cell (0→0, 3) and is left with 1→1 (0): 3/7. The optimum is 2 + 2.
    const pred = [0, 0, 0, 0, 0, 1, 1];
    const truth = [0, 0, 0, 1, 1, 0, 0];
    const m = hungarianMatch(pred, truth);
    expect([...m.predToTrue]).toEqual([1, 0]);
    expect(m.pairs).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(m.matched).toBe(4);
    expect(clusteringAccuracy(pred, truth)).toBeCloseTo(4 / 7, 12);
  });

  it('scores a permuted labelling 1 and recovers the permutation', () => {
    const rng = new Rng('perm');
    const perm = [3, 0, 4, 1, 2];
    const truth = Array.from({ length: 300 }, () => rng.int(5));
    const pred = truth.map((t) => perm[t]);
    const m = hungarianMatch(pred, truth);
    for (let t = 0; t < 5; t++) expect(m.predToTrue[perm[t]]).toBe(t);
    expect(clusteringAccuracy(pred, truth)).toBe(1);
  });

  it('handles more clusters than classes: the surplus cluster maps to -1 and counts as wrong', () => {
    // votes: cluster 0 → [2, 0], cluster 1 → [1, 1], cluster 2 → [0, 2]; best is 0→0, 2→1 = 4 of 6.
    const m = hungarianMatch([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1]);
    expect([...m.predToTrue]).toEqual([0, -1, 1]);
    expect(clusteringAccuracy([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(4 / 6, 12);
  });

  it('handles fewer clusters than classes: one class stays unmatched', () => {
    // votes: cluster 0 → [2, 1, 0], cluster 1 → [0, 1, 2]; best is 0→0, 1→2 = 4 of 6.
    const m = hungarianMatch([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]);
    expect([...m.predToTrue]).toEqual([0, 2]);
    expect(m.matched).toBe(4);
  });

  it('finds the optimum on random vote matrices (checked against exhaustive search)', () => {
    const rng = new Rng('hungarian');
    for (let trial = 0; trial < 30; trial++) {
      const numPred = 1 + rng.int(5);
      const numTrue = 1 + rng.int(5);
      const n = 5 + rng.int(60);
      const pred = Array.from({ length: n }, () => rng.int(numPred));
      const truth = Array.from({ length: n }, () => rng.int(numTrue));
      const m = hungarianMatch(pred, truth, numPred, numTrue);
      const votes = Array.from({ length: numPred }, () => new Array<number>(numTrue).fill(0));
      pred.forEach((p, i) => votes[p][truth[i]]++);
      expect(m.matched).toBe(bruteForceBest(votes, numTrue));
      // The mapping is one-to-one and its vote total is what `matched` reports.
      const targets = [...m.predToTrue].filter((t) => t >= 0);
      expect(new Set(targets).size).toBe(targets.length);
      expect(targets.length).toBe(Math.min(numPred, numTrue));
      expect([...m.predToTrue].reduce((s, t, p) => s + (t >= 0 ? votes[p][t] : 0), 0)).toBe(m.matched);
    }
  });

  it('rejects labels beyond the given counts', () => {
    expect(() => hungarianMatch([0, 2], [0, 1], 2, 2)).toThrow(/hungarianMatch: pred\[1\] = 2 \(expected an integer in 0..1\)/);
    expect(() => clusteringAccuracy([0], [0, 1])).toThrow(/pred has 1 labels but truth has 2/);
  });
});
