import { describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { ari } from './ari.js';

/** Textbook ARI by enumerating all sample pairs: (index − expected) / (max − expected). */
function ariByPairs(pred: number[], truth: number[]): number {
  let both = 0;
  let inPred = 0;
  let inTrue = 0;
  let total = 0;
  for (let i = 0; i < pred.length; i++) {
    for (let j = i + 1; j < pred.length; j++) {
      const p = pred[i] === pred[j];
      const t = truth[i] === truth[j];
      if (p && t) both++;
      if (p) inPred++;
      if (t) inTrue++;
      total++;
    }
  }
  const expected = (inPred * inTrue) / total;
  return (both - expected) / ((inPred + inTrue) / 2 - expected);
}

describe('ari (scikit-learn adjusted_rand_score)', () => {
  it('scikit-learn doc values', () => {
    // Pairs: together in both tp = 1, truth only fn = 1, pred only fp = 0, neither tn = 4:
    // 2(1·4 − 1·0) / ((1+1)(1+4) + (1+0)(0+4)) = 8/14 = 0.5714285714285715.
    expect(ari([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714285715, 14);
    expect(ari([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285715, 14);
    // tp = 0, fp = fn = 2, tn = 2: 2(0 − 4) / (2·4 + 2·4) = −0.5.
    expect(ari([0, 1, 0, 1], [0, 0, 1, 1])).toBeCloseTo(-0.5, 14);
    // All singletons vs one cluster: tp = fp = tn = 0, fn = 6 → 0.
    expect(ari([0, 1, 2, 3], [0, 0, 0, 0])).toBe(0);
  });

  it('hand-computed case: truth [0,0,0,1,1,1], pred [0,0,1,1,2,2] gives 8/33', () => {
    // tp = 2, together in pred 3 → fp = 1, together in truth 6 → fn = 4, tn = 15 − 7 = 8:
    // 2(2·8 − 4·1) / ((2+4)(4+8) + (2+1)(1+8)) = 24/99 = 8/33.
    expect(ari([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(8 / 33, 14);
  });

  it('is 1 for a permuted labelling (and for identical trivial ones), ≈ 0 for random labellings', () => {
    const rng = new Rng('ari');
    const truth = Array.from({ length: 2000 }, () => rng.int(10));
    expect(ari(truth.map((t) => (t * 3) % 10), truth)).toBeCloseTo(1, 12);
    expect(ari([2, 2, 2], [0, 0, 0])).toBe(1);
    expect(ari([0, 1, 2], [2, 0, 1])).toBe(1);
    const random = truth.map(() => rng.int(10));
    // ARI of independent labellings has mean 0 and spread O(1/n); 0.01 is many standard deviations here.
    expect(Math.abs(ari(random, truth))).toBeLessThan(0.01);
  });

  it('agrees with pair enumeration on random labellings', () => {
    const rng = new Rng('ari-random');
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + rng.int(80);
      const truth = Array.from({ length: n }, () => rng.int(2 + rng.int(5)));
      const pred = truth.map((t) => (rng.bernoulli(0.5) ? t : rng.int(4)));
      expect(ari(pred, truth)).toBeCloseTo(ariByPairs(pred, truth), 10);
    }
  });

  it('rejects mismatched lengths', () => {
    expect(() => ari([0, 1, 1], [0, 1])).toThrow(/ari: pred has 3 labels but truth has 2/);
  });
});
