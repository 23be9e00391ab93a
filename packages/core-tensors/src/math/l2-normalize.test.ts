import { describe, expect, it } from 'vitest';
import { l2Normalize } from './l2-normalize.js';

describe('l2Normalize', () => {
  it('scales each row to unit length and keeps its direction', () => {
    // Rows (3, 4) and (−1, 0): norms 5 and 1.
    const out = l2Normalize(new Float32Array([3, 4, -1, 0]), 2);
    expect(out[0]).toBeCloseTo(0.6, 7);
    expect(out[1]).toBeCloseTo(0.8, 7);
    expect([...out.subarray(2)]).toEqual([-1, 0]);
  });

  it('copies by default and writes in place on request', () => {
    const data = new Float32Array([0, 2, 0, 0, 0, 5]);
    const copy = l2Normalize(data, 3);
    expect(copy).not.toBe(data);
    expect([...data]).toEqual([0, 2, 0, 0, 0, 5]);
    const same = l2Normalize(data, 3, { inPlace: true });
    expect(same).toBe(data);
    expect([...data]).toEqual([0, 1, 0, 0, 0, 1]);
  });

  it('leaves an all-zero row at zero (no NaN), or rejects it when asked', () => {
    const out = l2Normalize(new Float32Array([0, 0, 1, 1]), 2);
    expect([...out.subarray(0, 2)]).toEqual([0, 0]);
    expect(out[2]).toBeCloseTo(Math.SQRT1_2, 7);
    expect(() => l2Normalize(new Float32Array([1, 1, 0, 0]), 2, { zeroVectors: 'throw' })).toThrow(/row 1 is an all-zero/);
  });

  it('rejects NaN/Inf naming row and column, and a length that is not rows × dim', () => {
    expect(() => l2Normalize(new Float32Array([1, 2, 3, Number.NaN]), 2)).toThrow(/data row 1 column 1 is NaN/);
    expect(() => l2Normalize(new Float32Array([Infinity, 0]), 2)).toThrow(/row 0 column 0 is Infinity/);
    expect(() => l2Normalize(new Float32Array(5), 2)).toThrow(/not a multiple of dim 2/);
    expect(() => l2Normalize(new Float32Array(4), 0)).toThrow(/dim must be a positive integer/);
  });
});
