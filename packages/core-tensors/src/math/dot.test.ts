import { describe, expect, it } from 'vitest';
import { dot } from './dot.js';
import { Rng } from './random.js';

describe('dot', () => {
  it('matches hand-computed sums for lengths that do and do not divide by the unroll factor', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32); // 4 + 10 + 18
    expect(dot([1, 2, 3, 4, 5], [1, 1, 1, 1, 2])).toBe(20); // 1+2+3+4+10
    expect(dot([], [])).toBe(0);
  });

  it('agrees with a plain loop on random float32 vectors of every length 0..40', () => {
    const rng = new Rng('dot');
    for (let n = 0; n <= 40; n++) {
      const a = Float32Array.from({ length: n }, () => rng.normal());
      const b = Float32Array.from({ length: n }, () => rng.normal());
      let s = 0;
      for (let i = 0; i < n; i++) s += a[i] * b[i];
      expect(dot(a, b)).toBeCloseTo(s, 10);
    }
  });

  it('rejects vectors of different lengths', () => {
    expect(() => dot([1, 2], [1])).toThrow(/length mismatch, a has 2 elements and b has 1/);
  });
});
