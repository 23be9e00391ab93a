import { describe, expect, it } from 'vitest';
import { Rng } from '@twindb/core-tensors';
import { adaptiveRadius } from '../select/adaptive-radius.js';
import { coveredCount } from '../select/selection.js';
import { matchSelection } from '../select/match-selection.js';
import { normalizeRows } from '../embedding-matrix.js';
import { quotaSelection } from '../select/quota-selection.js';
import { unionSelection } from '../select/union-selection.js';
import { type NeighborLists } from '../search/neighbor-lists.js';

/** Lists given as [item, distance][] per target, padded to width k. */
function lists(rows: [number, number][][], k: number): NeighborLists {
  const indices = new Int32Array(rows.length * k).fill(-1);
  const distances = new Float32Array(rows.length * k).fill(Infinity);
  rows.forEach((r, t) =>
    r.forEach(([i, d], j) => {
      indices[t * k + j] = i;
      distances[t * k + j] = d;
    }),
  );
  return { queries: rows.length, k, indices, distances };
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('union mode', () => {
  // t0 → items 10 (0.1), 11 (0.2); t1 → 11 (0.15), 12 (0.3); t2 → 13 (0.9, beyond 0.5)
  const L = lists(
    [
      [[10, 0.1], [11, 0.2]],
      [[11, 0.15], [12, 0.3]],
      [[13, 0.9]],
    ],
    2,
  );
  const sel = unionSelection(L, 2, 0.5, 'even');

  it('keeps the deduplicated union within the threshold, with hand-computed weights, hits and closest targets', () => {
    expect(Array.from(sel.pool)).toEqual([10, 11, 12]);
    // t0 spreads 1 over {10, 11}, t1 over {11, 12}
    expect(Array.from(sel.weight)).toEqual([0.5, 1, 0.5]);
    expect(Array.from(sel.hits)).toEqual([1, 2, 1]);
    expect(Array.from(sel.closestTarget)).toEqual([0, 1, 1]);
    expect(Array.from(sel.distance)).toEqual([Math.fround(0.1), Math.fround(0.15), Math.fround(0.3)]);
  });

  it('distance weighting gives a target\'s nearer item more of its unit, still one unit per target', () => {
    const w = unionSelection(L, 2, 0.5, 'distance');
    // t0: d = 0.1, 0.2 → exp(0) : exp(-0.1/0.015)
    const a = 1 / (1 + Math.exp(-(Math.fround(0.2) - Math.fround(0.1)) / (0.15 * Math.fround(0.1))));
    expect(w.weight[0]).toBeCloseTo(a, 9);
    expect(sum(w.weight)).toBeCloseTo(2, 12);
  });

  it('reports the uncovered target and weights summing to the covered targets', () => {
    expect(Array.from(sel.covered)).toEqual([1, 1, 0]);
    expect(sum(sel.weight)).toBeCloseTo(coveredCount(sel), 12);
  });

  it('threshold edges: 0 keeps only exact matches, 2 keeps everything, a distance equal to it is kept', () => {
    const exact = lists([[[1, 0], [2, 0.25]], [[2, 0.5]]], 2);
    expect(Array.from(unionSelection(exact, 2, 0).pool)).toEqual([1]);
    expect(Array.from(unionSelection(exact, 2, 2).pool)).toEqual([1, 2]);
    expect(Array.from(unionSelection(exact, 2, 0.25).pool)).toEqual([1, 2]);
    expect(Array.from(unionSelection(exact, 2, Math.fround(0.25) - 1e-7).pool)).toEqual([1]);
  });
});

describe('quota mode', () => {
  const rng = new Rng(3);
  // Random lists where many targets share items: collisions are the point.
  const T = 40;
  const depth = 12;
  const rows: [number, number][][] = [];
  for (let t = 0; t < T; t++) {
    const items = new Set<number>();
    while (items.size < depth) items.add(rng.int(60));
    const ds = Array.from({ length: depth }, () => rng.uniform(0.05, 0.8)).sort((a, b) => a - b);
    rows.push(Array.from(items).map((i, j) => [i, ds[j]]));
  }
  const L = lists(rows, depth);

  it('never assigns an item twice and never goes past the adaptive radius', () => {
    const sel = quotaSelection(L, { k: 4, maxDistance: 0.7, radiusFactor: 1.3 });
    expect(new Set(sel.pool).size).toBe(sel.pool.length);
    const radius = adaptiveRadius(L, 4, 1.3, 0.7);
    const distOf = (t: number, i: number) => {
      for (let j = 0; j < depth; j++) if (L.indices[t * depth + j] === i) return L.distances[t * depth + j];
      return Infinity;
    };
    let assigned = 0;
    for (let j = 0; j < sel.pool.length; j++) {
      const t = sel.assignedTarget[j];
      if (sel.perTarget[t] === 0) continue; // a coverage item, carrying a starving target's unit
      assigned++;
      expect(distOf(t, sel.pool[j])).toBeLessThanOrEqual(radius[t]);
    }
    expect(assigned).toBe(sum(sel.perTarget));
    for (let t = 0; t < T; t++) {
      expect(sel.perTarget[t]).toBeLessThanOrEqual(4);
      expect(sel.perTarget[t] + sel.shortfall[t]).toBe(4);
    }
    expect(sum(sel.weight)).toBeCloseTo(coveredCount(sel), 9);
  });

  it('gives a contested item to its nearest target; the other goes deeper', () => {
    const L2 = lists([[[5, 0.1], [6, 0.2]], [[5, 0.05], [7, 0.11]]], 2);
    const sel = quotaSelection(L2, { k: 1, maxDistance: 2, radiusFactor: 3 });
    expect(Array.from(sel.pool)).toEqual([5, 6]);
    expect(Array.from(sel.assignedTarget)).toEqual([1, 0]);
  });
});

describe('match mode', () => {
  it('gives every target the same share when supply allows, without reusing items, weights summing to covered targets', async () => {
    const rng = new Rng(9);
    const T = 30;
    const dim = 8;
    const targets = normalizeRows({ rows: T, dim, data: Float32Array.from({ length: T * dim }, () => rng.normal()) });
    const rows: [number, number][][] = [];
    for (let t = 0; t < T; t++) rows.push(Array.from({ length: 10 }, (_, j) => [t * 10 + j, 0.1 + 0.01 * j]));
    const sel = await matchSelection(lists(rows, 10), targets, { k: 5, maxDistance: 2, radiusFactor: 1.2, regions: 3, supplyQuantile: 0.1, seed: 1 });
    expect(new Set(sel.pool).size).toBe(sel.pool.length);
    const counts = new Set(Array.from(sel.perTarget));
    expect(counts.size).toBe(1);
    expect(sum(sel.weight)).toBeCloseTo(T, 9);
    const budgeted = await matchSelection(lists(rows, 10), targets, { k: 5, maxDistance: 2, radiusFactor: 1.2, regions: 3, supplyQuantile: 0.1, seed: 1, budget: 60 });
    expect(budgeted.pool.length).toBe(60);
  });
});
