import { describe, expect, it } from 'vitest';
import { Rng } from '../math/random.js';
import { nmi } from './nmi.js';

/** Independent route: MI = H(T) + H(P) − H(T, P), with entropies counted from label strings. */
function nmiByEntropies(pred: number[], truth: number[]): number {
  const h = (keys: string[]) => {
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    let s = 0;
    for (const c of counts.values()) s -= (c / keys.length) * Math.log(c / keys.length);
    return s;
  };
  const hp = h(pred.map(String));
  const ht = h(truth.map(String));
  const joint = h(pred.map((p, i) => `${p},${truth[i]}`));
  return (hp + ht - joint) / ((hp + ht) / 2);
}

describe('nmi (arithmetic normalisation, as scikit-learn)', () => {
  it('scikit-learn doc value: nmi([0,0,1,1], [0,0,1,2]) = 0.8', () => {
    // H(T) = ln 2, H(P) = 1.5 ln 2, the prediction determines the truth so MI = H(T) = ln 2:
    // NMI = ln 2 / ((ln 2 + 1.5 ln 2) / 2) = 1 / 1.25 = 0.8.
    expect(nmi([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.8, 12);
    expect(nmi([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 12);
  });

  it('hand-computed case: truth [0,0,0,1,1,1], pred [0,0,1,1,2,2] gives (4/3) ln 2 / ln 6', () => {
    // Cells (p,t): (0,0)=2, (1,0)=1, (1,1)=1, (2,1)=2; MI = 2 · (2/6) ln(6·2/(2·3)) = (2/3) ln 2,
    // H(T) = ln 2, H(P) = ln 3, NMI = (2/3) ln 2 / ((ln 2 + ln 3)/2) ≈ 0.5158.
    expect(nmi([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(((4 / 3) * Math.log(2)) / Math.log(6), 12);
  });

  it('is 1 for a permuted labelling and for two single-cluster labellings, 0 for independent ones', () => {
    const rng = new Rng('nmi');
    const truth = Array.from({ length: 400 }, () => rng.int(7));
    const perm = [6, 2, 0, 5, 1, 3, 4];
    expect(nmi(truth.map((t) => perm[t]), truth)).toBeCloseTo(1, 12);
    expect(nmi([4, 4, 4], [0, 0, 0])).toBe(1);
    // scikit-learn doc: nmi([0,0,0,0], [0,1,2,3]) = 0 (one side has zero entropy, so MI = 0).
    expect(nmi([0, 1, 2, 3], [0, 0, 0, 0])).toBe(0);
    // Exactly independent: every (p, t) combination appears once.
    expect(nmi([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
  });

  it('agrees with the entropy identity MI = H(T) + H(P) − H(T,P) on random labellings', () => {
    const rng = new Rng('nmi-random');
    for (let trial = 0; trial < 20; trial++) {
      const n = 10 + rng.int(200);
      const kp = 2 + rng.int(6);
      const kt = 2 + rng.int(6);
      const truth = Array.from({ length: n }, () => rng.int(kt));
      const pred = truth.map((t) => (rng.bernoulli(0.6) ? t % kp : rng.int(kp)));
      expect(nmi(pred, truth)).toBeCloseTo(nmiByEntropies(pred, truth), 10);
    }
  });

  it('names the bad label', () => {
    expect(() => nmi([0, Number.NaN], [0, 1])).toThrow(/nmi: pred\[1\] = NaN/);
  });
});
