import { describe, expect, it } from 'vitest';
import { cosineDistance } from './cosine-distance.js';

describe('cosineDistance', () => {
  it('is 0 for parallel, 1 for orthogonal and 2 for opposite vectors, whatever their lengths', () => {
    expect(cosineDistance([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(cosineDistance([1, 0], [0, 5])).toBe(1);
    expect(cosineDistance([1, 1], [-3, -3])).toBeCloseTo(2, 12);
  });

  it('matches a hand-computed angle: (1, 0) vs (1, 1) is 1 − 1/√2', () => {
    expect(cosineDistance(new Float32Array([1, 0]), new Float32Array([1, 1]))).toBeCloseTo(1 - Math.SQRT1_2, 12);
  });

  it('treats a zero vector as having similarity 0 to anything (distance 1)', () => {
    expect(cosineDistance([0, 0], [1, 2])).toBe(1);
    expect(cosineDistance([0, 0], [0, 0])).toBe(1);
  });

  it('rejects length mismatch and non-finite values', () => {
    expect(() => cosineDistance([1], [1, 2])).toThrow(/length mismatch/);
    expect(() => cosineDistance([1, Number.NaN], [1, 2])).toThrow(/a contains NaN or Inf/);
    expect(() => cosineDistance([1, 2], [Infinity, 2])).toThrow(/b contains NaN or Inf/);
  });
});
