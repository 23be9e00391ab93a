import { describe, expect, it } from 'vitest';
import { classMix } from './class-mix.js';

describe('classMix', () => {
  const target = [0, 0, 1, 1]; // 50 / 50
  const pool = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2];

  it('counts, precision, total variation and yield on a hand-built case', () => {
    const m = classMix(target, pool, [0, 0, 0, 1, 2]);
    expect(m.classes).toEqual([0, 1, 2]);
    expect(m.target).toEqual([2, 2, 0]);
    expect(m.pool).toEqual([6, 2, 3]);
    expect(m.selected).toEqual([3, 1, 1]);
    expect(m.precision).toBeCloseTo(4 / 5, 14);
    // shares: selected (.6, .2, .2) vs target (.5, .5, 0) → TV = (.1 + .3 + .2) / 2 = .3
    expect(m.tv).toBeCloseTo(0.3, 14);
    // unweighted: the weighted counts equal the plain ones
    expect(m.selectedWeighted).toEqual([3, 1, 1]);
    expect(m.tvWeighted).toBeCloseTo(0.3, 14);
    // largest pool subset with the 50/50 mix: min(6 / .5, 2 / .5) = 4 → yield 5 / 4
    expect(m.maxMatchedSize).toBe(4);
    expect(m.yield).toBeCloseTo(5 / 4, 14);
  });

  it('a selection with exactly the target mix has TV 0 and precision 1', () => {
    const m = classMix(target, pool, [1, 0, 0, 1]);
    expect(m.tv).toBe(0);
    expect(m.precision).toBe(1);
    expect(m.yield).toBe(1);
  });

  it('disjoint classes give TV 1 and precision 0', () => {
    const m = classMix(target, pool, [2, 2, 2]);
    expect(m.tv).toBeCloseTo(1, 14);
    expect(m.precision).toBe(0);
  });

  it('weights move the weighted shares only', () => {
    // selected [0, 1, 2] weights (1, 3, 0.5): weighted counts (1, 3, .5) → shares (2/9, 6/9, 1/9)
    const m = classMix(target, pool, [0, 1, 2], [1, 3, 0.5]);
    expect(m.selected).toEqual([1, 1, 1]);
    expect(m.selectedWeighted).toEqual([1, 3, 0.5]);
    expect(m.tv).toBeCloseTo((Math.abs(1 / 3 - 0.5) + Math.abs(1 / 3 - 0.5) + 1 / 3) / 2, 14);
    expect(m.tvWeighted).toBeCloseTo((Math.abs(2 / 9 - 0.5) + Math.abs(6 / 9 - 0.5) + 1 / 9) / 2, 14);
  });

  it('yield uses uneven target shares; empty selection gives NaN precision', () => {
    // target 3:1 → shares (.75, .25); pool (6, 2): min(6 / .75, 2 / .25) = min(8, 8) = 8
    const m = classMix([0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1, 1], [0, 0]);
    expect(m.maxMatchedSize).toBe(8);
    expect(m.yield).toBeCloseTo(2 / 8, 14);
    // pool short of class 1: (6, 1) → min(8, 4) = 4
    expect(classMix([0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0]).maxMatchedSize).toBe(4);
    const e = classMix(target, pool, []);
    expect(e.precision).toBeNaN();
    expect(e.selected).toEqual([0, 0, 0]);
  });

  it('class absent from the pool: maxMatchedSize 0 and yield NaN', () => {
    const m = classMix([0, 5], [0, 0, 0], [0]);
    expect(m.classes).toEqual([0, 5]);
    expect(m.maxMatchedSize).toBe(0);
    expect(m.yield).toBeNaN();
  });
});
