import { describe, expect, it } from 'vitest';
import { mergeTopK } from './merge-top-k.js';
import { Rng } from './random.js';
import { topKCosine } from './top-k-cosine.js';
import { randomMatrix } from '../../test/top-k-reference.js';

describe('mergeTopK', () => {
  const dim = 11;
  const rng = new Rng('merge');
  const corpus = randomMatrix(rng, 157, dim);
  const queries = randomMatrix(rng, 23, dim);

  it('merging the top-k of disjoint shards equals one search over the whole corpus', () => {
    const k = 8;
    const whole = topKCosine(queries, corpus, dim, k);
    // Uneven shards, one smaller than k, and per-shard k larger than the final k.
    const cuts = [0, 5, 60, 61, 157];
    const parts = cuts.slice(0, -1).map((start, i) => ({
      ...topKCosine(queries, corpus.subarray(start * dim, cuts[i + 1] * dim), dim, i === 2 ? k + 3 : k),
      offset: start,
    }));
    const merged = mergeTopK(parts, 23, k);
    expect([...merged.indices]).toEqual([...whole.indices]);
    expect([...merged.distances]).toEqual([...whole.distances]);
    // Order of the parts does not matter.
    const reversed = mergeTopK([...parts].reverse(), 23, k);
    expect([...reversed.indices]).toEqual([...whole.indices]);
  });

  it('breaks equal distances by the lower global index and pads with -1 / Infinity', () => {
    // [2 queries × 2] per part. Query 0: global 12 (part a) and global 0 (part b) tie at 0.25, so 0
    // ranks first; query 1 has only part a's two entries, so the third slot is padding.
    const a = { indices: new Int32Array([2, -1, 0, 1]), distances: new Float32Array([0.25, Infinity, 0.5, 0.75]), offset: 10 };
    const b = { indices: new Int32Array([0, 1, -1, -1]), distances: new Float32Array([0.25, 0.1, Infinity, Infinity]), offset: 0 };
    const { indices, distances } = mergeTopK([a, b], 2, 3);
    expect([...indices]).toEqual([1, 0, 12, 10, 11, -1]);
    expect([...distances]).toEqual([Math.fround(0.1), 0.25, 0.25, 0.5, 0.75, Infinity]);
  });

  it('rejects malformed parts with messages naming the part', () => {
    const ok = { indices: new Int32Array(4), distances: new Float32Array(4) };
    expect(() => mergeTopK([ok], 2, 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => mergeTopK([ok, { indices: new Int32Array(4), distances: new Float32Array(3) }], 2, 2)).toThrow(
      /part 1 has 4 indices but 3 distances/,
    );
    expect(() => mergeTopK([ok], 3, 2)).toThrow(/part 0 length 4 is not a multiple of nQueries 3/);
    expect(() => mergeTopK([{ ...ok, offset: -1 }], 2, 2)).toThrow(/part 0 offset must be a non-negative integer, got -1/);
    expect(() => mergeTopK([{ indices: [0, 1] as unknown as Int32Array, distances: new Float32Array(2) }], 1, 2)).toThrow(
      /part 0 must have indices: Int32Array and distances: Float32Array/,
    );
    const nan = { indices: new Int32Array([0, 1]), distances: new Float32Array([0.1, Number.NaN]) };
    expect(() => mergeTopK([nan], 1, 2)).toThrow(/part 0 query 0 has distance NaN at rank 1/);
  });
});
