import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { topKCosine, type TopKCosineOptions } from './top-k-cosine.js';
import { exactOrder, randomMatrix } from '../../test/top-k-reference.js';

/** Brute-force reference: sort every candidate, filter, take the first k, pad. */
function bruteForce(queries: Float32Array, corpus: Float32Array, dim: number, k: number, opts: TopKCosineOptions) {
  const nq = queries.length / dim;
  const indices = new Int32Array(nq * k).fill(-1);
  const distances = new Float64Array(nq * k).fill(Infinity);
  for (let i = 0; i < nq; i++) {
    const self = (opts.queryOffset ?? 0) + i;
    const limit = typeof opts.maxDistance === 'object' ? opts.maxDistance[i] : (opts.maxDistance ?? Infinity);
    const kept = exactOrder(queries.subarray(i * dim, (i + 1) * dim), corpus, dim)
      .filter(({ d, j }) => !(opts.excludeSelf && j === self) && d <= limit)
      .slice(0, k);
    kept.forEach(({ d, j }, r) => {
      indices[i * k + r] = j;
      distances[i * k + r] = d;
    });
  }
  return { indices, distances };
}

function expectSame(got: { indices: Int32Array; distances: Float32Array }, want: ReturnType<typeof bruteForce>) {
  expect([...got.indices]).toEqual([...want.indices]);
  let worst = 0;
  for (let i = 0; i < want.distances.length; i++) {
    const w = want.distances[i];
    const g = got.distances[i];
    worst = Math.max(worst, w === Infinity ? (g === Infinity ? 0 : Infinity) : Math.abs(g - w));
  }
  expect(worst).toBeLessThan(1e-6);
}

describe('topKCosine', () => {
  // Odd sizes so that every remainder path of the 2 × 4 tile and of the blocks is exercised.
  const dim = 19;
  const rng = new Rng('topk');
  const corpus = randomMatrix(rng, 203, dim);
  const queries = randomMatrix(rng, 37, dim);

  it('matches brute force on random data for several block sizes and k', () => {
    for (const k of [1, 7, 203]) {
      const want = bruteForce(queries, corpus, dim, k, {});
      for (const blockSize of [1, 5, 16, 64, undefined]) expectSame(topKCosine(queries, corpus, dim, k, { blockSize }), want);
    }
  });

  it('returns distances sorted nearest first and padded with -1 / Infinity when k exceeds the corpus', () => {
    const { indices, distances } = topKCosine(queries, corpus.subarray(0, 5 * dim), dim, 8);
    for (let i = 0; i < 37; i++) {
      const row = [...distances.subarray(i * 8, i * 8 + 5)];
      expect(row).toEqual([...row].sort((a, b) => a - b));
      expect([...indices.subarray(i * 8 + 5, i * 8 + 8)]).toEqual([-1, -1, -1]);
      expect([...distances.subarray(i * 8 + 5, i * 8 + 8)]).toEqual([Infinity, Infinity, Infinity]);
    }
  });

  it('excludeSelf skips the query’s own corpus row, also for a slice of queries given queryOffset', () => {
    const full = topKCosine(corpus, corpus, dim, 6, { excludeSelf: true, blockSize: 32 });
    expectSame(full, bruteForce(corpus, corpus, dim, 6, { excludeSelf: true }));
    for (let i = 0; i < 203; i++) expect(full.indices.subarray(i * 6, i * 6 + 6)).not.toContain(i);
    // Without excludeSelf every row finds itself first at distance 0.
    const withSelf = topKCosine(corpus, corpus, dim, 1);
    expect([...withSelf.indices]).toEqual(Array.from({ length: 203 }, (_, i) => i));
    const slice = corpus.subarray(50 * dim, 90 * dim);
    const part = topKCosine(slice, corpus, dim, 6, { excludeSelf: true, queryOffset: 50 });
    expect([...part.indices]).toEqual([...full.indices.subarray(50 * 6, 90 * 6)]);
  });

  it('maxDistance keeps exactly the neighbours within the threshold', () => {
    // Put the threshold halfway between two consecutive distances of query 0 so rounding cannot decide it.
    const d0 = exactOrder(queries.subarray(0, dim), corpus, dim);
    const maxDistance = (d0[3].d + d0[4].d) / 2;
    const opts = { maxDistance, excludeSelf: true };
    const got = topKCosine(queries, corpus, dim, 10, opts);
    expectSame(got, bruteForce(queries, corpus, dim, 10, opts));
    expect([...got.indices.subarray(0, 10)].filter((j) => j >= 0)).toHaveLength(4);
  });

  it('maxDistance per query: each query keeps exactly its own neighbours within its own limit', () => {
    // Query q's limit halfway between its (q mod 7)-th and next distance: q keeps q mod 7 neighbours.
    const nq = queries.length / dim;
    const limits = Float32Array.from({ length: nq }, (_, q) => {
      const d = exactOrder(queries.subarray(q * dim, (q + 1) * dim), corpus, dim);
      return q % 7 === 0 ? -1 : (d[(q % 7) - 1].d + d[q % 7].d) / 2;
    });
    const got = topKCosine(queries, corpus, dim, 10, { maxDistance: limits });
    expectSame(got, bruteForce(queries, corpus, dim, 10, { maxDistance: limits }));
    for (let q = 0; q < nq; q++) expect([...got.indices.subarray(q * 10, q * 10 + 10)].filter((j) => j >= 0)).toHaveLength(q % 7);
  });

  it('breaks ties by the lower corpus index (duplicate rows) and gives zero rows distance 1', () => {
    // Corpus rows 1, 3 and 4 are the same vector; row 2 is zero.
    const c = new Float32Array([0, 1, 1, 0, 0, 0, 1, 0, 1, 0]);
    const q = new Float32Array([1, 0.1]);
    const { indices, distances } = topKCosine(q, c, 2, 5, { blockSize: 2 });
    expect([...indices]).toEqual([1, 3, 4, 0, 2]);
    expect(distances[3]).toBeCloseTo(1 - 0.1 / Math.hypot(1, 0.1), 6);
    expect(distances[4]).toBe(1);
  });

  it('rejects bad input with a clear message', () => {
    expect(() => topKCosine(queries, corpus, 18, 3)).toThrow(/queries.length 703 is not a multiple of dim 18/);
    expect(() => topKCosine(queries, corpus.subarray(1), dim, 3)).toThrow(/corpus.length 3856 is not a multiple of dim 19/);
    expect(() => topKCosine(queries, corpus, dim, 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => topKCosine(queries, corpus, dim, 2.5)).toThrow(/k must be a positive integer/);
    const bad = new Float32Array(corpus);
    bad[7 * dim + 3] = Number.NaN;
    expect(() => topKCosine(queries, bad, dim, 3)).toThrow(/corpus row 7 column 3 is NaN/);
    expect(() => topKCosine(queries, corpus, dim, 3, { maxDistance: Number.NaN })).toThrow(/maxDistance is NaN/);
    expect(() => topKCosine(queries, corpus, dim, 3, { maxDistance: new Float32Array(2) })).toThrow(/one value per query \(37\)/);
    expect(() => topKCosine(queries, corpus, dim, 3, { maxDistance: new Float32Array(37).fill(Number.NaN) })).toThrow(/maxDistance\[0\] is NaN/);
    expect(() => topKCosine(queries, corpus, dim, 3, { blockSize: 0 })).toThrow(/blockSize must be a positive integer/);
    expect(() => topKCosine([1, 2] as unknown as Float32Array, corpus, dim, 3)).toThrow(/must be Float32Array/);
  });
});
