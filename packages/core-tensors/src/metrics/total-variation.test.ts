import { describe, expect, it } from 'vitest';
import { classHistogram } from './class-histogram.js';
import { totalVariation } from './total-variation.js';

describe('classHistogram', () => {
  it('gives class shares (or counts), with empty trailing classes when numClasses is larger', () => {
    expect([...classHistogram([0, 2, 2, 1, 2])]).toEqual([0.2, 0.2, 0.6]);
    expect([...classHistogram([0, 2, 2, 1, 2], 4, { counts: true })]).toEqual([1, 1, 3, 0]);
    expect(() => classHistogram([0, 4], 4)).toThrow(/labels\[1\] = 4 \(expected an integer in 0..3\)/);
    expect(() => classHistogram([])).toThrow(/no labels/);
  });
});

describe('totalVariation', () => {
  it('is half the L1 distance of the normalised distributions', () => {
    expect(totalVariation([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(totalVariation([0.2, 0.8], [0.2, 0.8])).toBe(0);
    // Counts [2, 2] vs [3, 1] → shares [0.5, 0.5] vs [0.75, 0.25] → (0.25 + 0.25) / 2.
    expect(totalVariation([2, 2], [3, 1])).toBeCloseTo(0.25, 15);
    // Disjoint supports are at the maximum, 1.
    expect(totalVariation([1, 0], [0, 7])).toBe(1);
  });

  it('pads the shorter histogram with zeros', () => {
    // [1] ≡ [1, 0] vs [0.5, 0.5].
    expect(totalVariation([1], [1, 1])).toBe(0.5);
  });

  it('compares label mixes: a selection within TV 0.05 of its target', () => {
    const target = classHistogram([0, 0, 1, 1, 2, 2, 2, 2, 3, 3]); // [0.2, 0.2, 0.4, 0.2]
    const selected = classHistogram([0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3], 4);
    // selected = [0.15, 0.15, 0.4, 0.3]: TV = (0.05 + 0.05 + 0 + 0.1) / 2 = 0.1.
    expect(totalVariation(selected, target)).toBeCloseTo(0.1, 12);
  });

  it('rejects negative or non-finite masses and empty distributions', () => {
    expect(() => totalVariation([1, -1], [1])).toThrow(/p\[1\] = -1 \(expected a finite non-negative mass\)/);
    expect(() => totalVariation([1], [Number.NaN])).toThrow(/q\[0\] = NaN/);
    expect(() => totalVariation([0, 0], [1])).toThrow(/p has total mass 0/);
  });
});
