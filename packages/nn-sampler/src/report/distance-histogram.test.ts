import { describe, expect, it } from 'vitest';
import { distanceHistogram } from './distance-histogram.js';
import { mulberry32 } from '../../test/float64-reference.js';

describe('distanceHistogram', () => {
  it('bins hand-picked values over [0, max]; above max → last bin, below 0 → first, non-finite dropped', () => {
    // 4 bins over [0, 1]: [0, .25) [.25, .5) [.5, .75) [.75, 1] (+ overflow)
    const h = distanceHistogram([0, 0.1, 0.26, 0.5, 0.74, 0.99, 1, 1.5, NaN, Infinity, -0.1], 4, 1);
    expect(h.edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(h.counts).toEqual([3, 1, 2, 3]);
    // finite sorted: [-0.1, 0, 0.1, 0.26, 0.5, 0.74, 0.99, 1, 1.5] → middle (index 4) = 0.5
    expect(h.median).toBe(0.5);
  });

  it('exactly representable bin edges open the upper bin', () => {
    const h = distanceHistogram([0.25, 0.5, 0.75, 0.2499], 4, 1);
    expect(h.counts).toEqual([1, 1, 1, 1]);
  });

  it('without max, uses the largest finite value (which lands in the last bin)', () => {
    const h = distanceHistogram(Float32Array.from([0.2, 0.4, 0.1, 0.8]), 8);
    // hi = 0.8 (float32) → width 0.1: 0.1 → bin 1, 0.2 → 2, 0.4 → 4, 0.8 → 7
    expect(h.counts).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
    expect(h.edges[8]).toBeCloseTo(0.8, 6);
    expect(h.edges.length).toBe(9);
    // even count: median is one of the two middle values (0.2, 0.4)
    expect([0.2, 0.4].some((m) => Math.abs((h.median ?? NaN) - m) < 1e-6)).toBe(true);
  });

  it('empty or all-zero input', () => {
    const e = distanceHistogram([], 5);
    expect(e.counts).toEqual([0, 0, 0, 0, 0]);
    expect(e.median).toBeNull();
    expect(e.edges).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const z = distanceHistogram([0, 0, 0], 3);
    expect(z.counts).toEqual([3, 0, 0]);
    expect(z.median).toBe(0);
  });

  it('matches a brute-force interval count on random values (default 20 bins)', () => {
    const rand = mulberry32(71);
    const values = Array.from({ length: 2000 }, () => rand() * 1.2);
    const max = 1;
    const h = distanceHistogram(values, undefined, max);
    expect(h.counts.length).toBe(20);
    const want = new Array<number>(20).fill(0);
    for (const v of values) {
      let b = 19;
      for (let i = 0; i < 20; i++) if (v >= i / 20 && v < (i + 1) / 20) b = i;
      want[b]++;
    }
    expect(h.counts).toEqual(want);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    const sorted = [...values].sort((a, b) => a - b);
    expect(h.median).toBeCloseTo(sorted[1000], 6);
  });
});
