import { describe, expect, it } from 'vitest';
import { confusionMatrix } from './confusion-matrix.js';

describe('confusionMatrix', () => {
  it('counts (pred, truth) pairs with rows = pred, columns = truth', () => {
    // pairs: (0,0) (0,0) (1,0) (1,2) (2,2)
    expect(confusionMatrix([0, 0, 1, 1, 2], [0, 0, 0, 2, 2])).toEqual([
      [2, 0, 0],
      [1, 0, 1],
      [0, 0, 1],
    ]);
  });

  it('honours explicit sizes (empty clusters / classes keep their row / column)', () => {
    expect(confusionMatrix([0, 1], [1, 1], 3, 2)).toEqual([
      [0, 1],
      [0, 1],
      [0, 0],
    ]);
  });

  it('rejects labels out of range, non-integers, negatives and length mismatches, naming the index', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3, 2)).toThrow(/pred\[1\] = 3 \(expected an integer in 0..2\)/);
    expect(() => confusionMatrix([0, 1], [0, -1])).toThrow(/truth\[1\] = -1 \(expected a non-negative integer\)/);
    expect(() => confusionMatrix([0.5], [0])).toThrow(/pred\[0\] = 0.5/);
    expect(() => confusionMatrix([0, 1], [0])).toThrow(/pred has 2 labels but truth has 1/);
    expect(() => confusionMatrix([], [])).toThrow(/no samples/);
  });
});
