import { describe, expect, it } from 'vitest';
import { kl, klReduction } from './kl-reduction.js';
import { mulberry32 } from '../../test/float64-reference.js';

const cells = (xs: number[]) => Int32Array.from(xs);

describe('kl (add-α smoothed codebook histograms)', () => {
  it('matches a hand computation with the default α = 0.5', () => {
    // p: cells [0, 0, 1] over 3 cells → counts (2, 1, 0) + 0.5 → (2.5, 1.5, 0.5) / 4.5
    // q: cells [0, 1, 1, 1]        → counts (1, 3, 0) + 0.5 → (1.5, 3.5, 0.5) / 5.5
    const p = [2.5 / 4.5, 1.5 / 4.5, 0.5 / 4.5];
    const q = [1.5 / 5.5, 3.5 / 5.5, 0.5 / 5.5];
    const want = p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]) + p[2] * Math.log(p[2] / q[2]);
    expect(kl(cells([0, 0, 1]), cells([0, 1, 1, 1]), 3)).toBeCloseTo(want, 14);
  });

  it('honours a custom α', () => {
    // α = 1: p = (1+1, 0+1) / 3, q = (0+1, 2+1) / 4.
    const p = [2 / 3, 1 / 3];
    const q = [1 / 4, 3 / 4];
    const want = p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]);
    expect(kl(cells([0]), cells([1, 1]), 2, 1)).toBeCloseTo(want, 14);
  });

  it('is 0 for identical histograms and positive otherwise (Gibbs)', () => {
    const rand = mulberry32(61);
    const draw = (n: number, c: number) => Int32Array.from({ length: n }, () => Math.floor(rand() * c));
    const a = draw(200, 10);
    expect(kl(a, Int32Array.from(a).reverse(), 10)).toBeCloseTo(0, 14);
    for (let t = 0; t < 5; t++) expect(kl(draw(100, 10), draw(50, 10), 10)).toBeGreaterThan(0);
  });
});

describe('klReduction = KL(target ‖ pool) − KL(target ‖ candidate)', () => {
  const target = cells([0, 0, 0, 1, 1, 2]);
  const pool = cells([0, 1, 1, 2, 2, 2, 3, 3]);

  it('matches a hand computation', () => {
    // target (3, 2, 1, 0) + .5 → (3.5, 2.5, 1.5, .5) / 8; pool (1, 2, 3, 2) + .5 → (1.5, 2.5, 3.5, 2.5) / 10;
    // candidate [0, 0, 1, 3] → (2, 1, 0, 1) + .5 → (2.5, 1.5, .5, 1.5) / 6.
    const t = [3.5 / 8, 2.5 / 8, 1.5 / 8, 0.5 / 8];
    const p = [1.5 / 10, 2.5 / 10, 3.5 / 10, 2.5 / 10];
    const c = [2.5 / 6, 1.5 / 6, 0.5 / 6, 1.5 / 6];
    const klTo = (q: number[]) => t.reduce((s, v, i) => s + v * Math.log(v / q[i]), 0);
    expect(klReduction(target, pool, cells([0, 0, 1, 3]), 4)).toBeCloseTo(klTo(p) - klTo(c), 14);
  });

  it('is 0 for the pool itself, KL(target ‖ pool) for the target itself, and ranks closer candidates higher', () => {
    expect(klReduction(target, pool, pool, 4)).toBe(0);
    expect(klReduction(target, pool, target, 4)).toBeCloseTo(kl(target, pool, 4), 14);
    expect(klReduction(target, pool, target, 4)).toBeGreaterThan(0);
    const close = klReduction(target, pool, cells([0, 0, 1, 1, 2]), 4);
    const far = klReduction(target, pool, cells([3, 3, 3, 2, 2]), 4);
    expect(close).toBeGreaterThan(0);
    expect(far).toBeLessThan(0);
  });
});
