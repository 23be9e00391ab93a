import { describe, expect, it } from 'vitest';
import { Rng } from '@twindb/core-tensors';
import { ExactSearch } from '../search/exact-search.js';
import { normalizeRows, type EmbeddingMatrix } from '../embedding-matrix.js';

function random(rows: number, dim: number, rng: Rng): EmbeddingMatrix {
  return normalizeRows({ rows, dim, data: Float32Array.from({ length: rows * dim }, () => rng.normal()) });
}

/** Brute force in float64: every distance, sorted by (distance, index). */
function reference(q: EmbeddingMatrix, c: EmbeddingMatrix, k: number): { i: number; d: number }[][] {
  const out: { i: number; d: number }[][] = [];
  for (let a = 0; a < q.rows; a++) {
    const all: { i: number; d: number }[] = [];
    for (let b = 0; b < c.rows; b++) {
      let s = 0;
      let na = 0;
      let nb = 0;
      for (let j = 0; j < q.dim; j++) {
        s += q.data[a * q.dim + j] * c.data[b * c.dim + j];
        na += q.data[a * q.dim + j] ** 2;
        nb += c.data[b * c.dim + j] ** 2;
      }
      all.push({ i: b, d: 1 - s / Math.sqrt(na * nb) });
    }
    all.sort((x, y) => x.d - y.d || x.i - y.i);
    out.push(all.slice(0, k));
  }
  return out;
}

describe('exact streaming search', () => {
  const rng = new Rng(4);
  const pool = random(700, 24, rng);
  const targets = random(37, 24, rng);
  const k = 9;

  it('matches a brute-force float64 reference, whatever the block size', async () => {
    const ref = reference(targets, pool, k);
    // gatherRows 100: blocks of 33 are gathered three at a time, blocks of 128 and 700 searched as they come.
    for (const block of [700, 128, 33]) {
      const s = new ExactSearch(targets, k, 'js', 100);
      for (let o = 0; o < pool.rows; o += block) {
        await s.add({ offset: o, embeddings: pool.data.subarray(o * 24, Math.min(pool.rows, o + block) * 24) });
      }
      const r = await s.result();
      for (let t = 0; t < targets.rows; t++) {
        expect(Array.from(r.indices.subarray(t * k, (t + 1) * k))).toEqual(ref[t].map((x) => x.i));
        for (let j = 0; j < k; j++) expect(r.distances[t * k + j]).toBeCloseTo(ref[t][j].d, 6);
      }
    }
  });

  it('blocks that arrive out of order are not gathered across the gap, and the lists still match', async () => {
    const ref = reference(targets, pool, k);
    const s = new ExactSearch(targets, k, 'auto', 100);
    const starts = Array.from({ length: Math.ceil(pool.rows / 40) }, (_, i) => i * 40).reverse();
    for (const o of starts) await s.add({ offset: o, embeddings: pool.data.subarray(o * 24, Math.min(pool.rows, o + 40) * 24) });
    const r = await s.result();
    for (let t = 0; t < targets.rows; t++) expect(Array.from(r.indices.subarray(t * k, (t + 1) * k))).toEqual(ref[t].map((x) => x.i));
  });

  it('pads with -1 when the pool is smaller than k', async () => {
    const s = new ExactSearch(targets, 5, 'js');
    await s.add({ offset: 0, embeddings: pool.data.subarray(0, 3 * 24) });
    const r = await s.result();
    expect(Array.from(r.indices.subarray(0, 5)).filter((i) => i < 0)).toHaveLength(2);
  });
});
