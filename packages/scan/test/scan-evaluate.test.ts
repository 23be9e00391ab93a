import { scanEvaluate } from '@twindb/scan';
import { describe, expect, it } from 'vitest';

describe('scanEvaluate (head selection)', () => {
  it('scores each head by consistency − entropy with weight 1, self pairs included, and picks the lowest', () => {
    // 4 samples, K = 2, neighbour rows [self, other]
    const neighbors = Int32Array.from([0, 1, 1, 0, 2, 3, 3, 2]);
    const confident = Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1]); // pairs agree, balanced clusters
    const uniform = Float32Array.from({ length: 8 }, () => 0.5);
    const r = scanEvaluate([uniform, confident], 2, neighbors, 2);
    // uniform: every dot is 0.5 → consistency ln 2, entropy ln 2 → total 0
    expect(r.heads[0].consistency).toBeCloseTo(Math.log(2), 6);
    expect(r.heads[0].total).toBeCloseTo(0, 6);
    // confident: every dot is 1 → consistency 0, entropy ln 2 → total −ln 2
    expect(r.heads[1].total).toBeCloseTo(-Math.log(2), 6);
    expect(r).toMatchObject({ lowestLossHead: 1 });
    expect(r.lowestLoss).toBeCloseTo(-Math.log(2), 6);
  });

  it('clamps a disagreeing pair at 100 and keeps the first head on ties', () => {
    const neighbors = Int32Array.from([0, 1, 1, 0]);
    const p = Float32Array.from([1, 0, 0, 1]);
    const r = scanEvaluate([p, p], 2, neighbors, 2);
    expect(r.heads[0].consistency).toBeCloseTo(50, 6); // half the pairs are self (0), half clamp at 100
    expect(r.lowestLossHead).toBe(0);
  });

  it('names what does not fit', () => {
    expect(() => scanEvaluate([new Float32Array(6)], 2, Int32Array.from([0, 1, 2]), 2)).toThrow(/neighbour table has 3 entries, expected 3 × 2/);
    expect(() => scanEvaluate([new Float32Array(4)], 2, Int32Array.from([0, 5, 1, 0]), 2)).toThrow(/neighbour row 0 column 1 is 5, outside 0\.\.1/);
  });
});
