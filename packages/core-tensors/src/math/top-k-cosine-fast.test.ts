import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { Rng } from './random.js';
import { topKCosine } from './top-k-cosine.js';
import { screenMargin } from './similarity-screen.js';
import { resolveTopKEngine, topKCosineFast } from './top-k-cosine-fast.js';
import { exactOrder, randomMatrix } from '../../test/top-k-reference.js';

function expectIdentical(got: { indices: Int32Array; distances: Float32Array }, want: { indices: Int32Array; distances: Float32Array }) {
  expect([...got.indices]).toEqual([...want.indices]);
  expect([...got.distances]).toEqual([...want.distances]);
}

// One file on one backend: tfjs holds process-wide state.
describe('topKCosineFast on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });

  const dim = 24;
  const rng = new Rng('topk-fast');
  const corpus = randomMatrix(rng, 301, dim);
  const queries = randomMatrix(rng, 45, dim);

  it('matches the float64 brute force on well-separated random data (indices equal, distances within 1e-5)', async () => {
    const k = 9;
    const got = await topKCosineFast(queries, corpus, dim, k, { engine: 'tfjs' });
    expect(tf.getBackend()).toBe('wasm');
    for (let q = 0; q < 45; q++) {
      const want = exactOrder(queries.subarray(q * dim, (q + 1) * dim), corpus, dim).slice(0, k);
      expect([...got.indices.subarray(q * k, (q + 1) * k)]).toEqual(want.map((w) => w.j));
      want.forEach((w, r) => expect(Math.abs(got.distances[q * k + r] - w.d)).toBeLessThan(1e-5));
    }
  });

  it('returns exactly what topKCosine returns, for odd block sizes, excludeSelf/queryOffset and maxDistance', async () => {
    const cases = [
      { k: 1, opts: {} },
      { k: 7, opts: { queryBlock: 4, corpusChunk: 33 } },
      { k: 301, opts: { queryBlock: 7, corpusChunk: 100 } },
      { k: 12, opts: { maxDistance: 0.8, corpusChunk: 50 } },
    ];
    for (const { k, opts } of cases) {
      expectIdentical(await topKCosineFast(queries, corpus, dim, k, { engine: 'tfjs', ...opts }), topKCosine(queries, corpus, dim, k, opts));
    }
    const slice = corpus.subarray(100 * dim, 160 * dim);
    const selfOpts = { excludeSelf: true, queryOffset: 100 };
    const part = await topKCosineFast(slice, corpus, dim, 6, { engine: 'tfjs', corpusChunk: 64, ...selfOpts });
    expectIdentical(part, topKCosine(slice, corpus, dim, 6, selfOpts));
    for (let i = 0; i < 60; i++) expect(part.indices.subarray(i * 6, i * 6 + 6)).not.toContain(100 + i);
  });

  it('keeps exact ties by the lower index when float32 cannot tell candidates apart', async () => {
    // Near-duplicates: rows differing by less than float32 resolution of the similarity, plus exact
    // duplicates and a zero row, so the screen must pass every near-tie to the float64 re-score.
    const base = randomMatrix(new Rng('ties'), 40, dim);
    const c = new Float32Array(base.length * 3);
    c.set(base, 0);
    c.set(base, base.length);
    for (let i = 0; i < base.length; i++) c[2 * base.length + i] = base[i] * (1 + 1e-7 * ((i % 5) - 2));
    c.fill(0, 5 * dim, 6 * dim);
    const q = base.subarray(0, 10 * dim);
    for (const k of [3, 17, 120]) {
      expectIdentical(await topKCosineFast(q, c, dim, k, { engine: 'tfjs', corpusChunk: 37 }), topKCosine(q, c, dim, k));
    }
    const { indices } = await topKCosineFast(q, c, dim, 2, { engine: 'tfjs' });
    expect([...indices.subarray(0, 2)]).toEqual([0, 40]); // row 0 and its exact copy; ties → lower index
  });

  it('finds the true order among copies that differ by one float32 ulp, below the matMul’s resolution', async () => {
    // 200 copies of v, each element nudged by −1, 0 or +1 ulp: their float64 distances to a query
    // near v differ by ~1e-8, less than the float32 matMul error, so the float32 order is scrambled
    // and only a sufficient screen margin keeps every true neighbour.
    const r = new Rng('ulp');
    const v = randomMatrix(r, 1, dim);
    const copies = new Float32Array(200 * dim);
    for (let i = 0; i < copies.length; i++) copies[i] = Math.fround(v[i % dim] * (1 + (r.int(3) - 1) * 2 ** -23));
    const q = Float32Array.from(v, (x) => x + 0.01 * r.normal());
    for (const k of [1, 10, 50]) {
      const got = await topKCosineFast(q, copies, dim, k, { engine: 'tfjs', corpusChunk: 64 });
      expectIdentical(got, topKCosine(q, copies, dim, k));
      // Reported distances are float32, so equal-after-rounding distances rank by index.
      const want = exactOrder(q, copies, dim)
        .map(({ d, j }) => ({ d: Math.fround(d), j }))
        .sort((a, b) => a.d - b.d || a.j - b.j);
      expect([...got.indices]).toEqual(want.slice(0, k).map((w) => w.j));
    }
  });

  it('the screen margin bounds the real float32 error of the wasm matMul on unit rows', () => {
    const d = 128;
    const r = new Rng('margin');
    const a = randomMatrix(r, 64, d);
    const b = randomMatrix(r, 256, d);
    const unit = (m: Float32Array) => {
      const out = new Float32Array(m.length);
      for (let i = 0; i < m.length / d; i++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += m[i * d + t] ** 2;
        for (let t = 0; t < d; t++) out[i * d + t] = m[i * d + t] / Math.sqrt(s);
      }
      return out;
    };
    const s32 = tf.tidy(() => tf.matMul(tf.tensor2d(unit(a), [64, d]), tf.tensor2d(unit(b), [256, d]), false, true).dataSync());
    let worst = 0;
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 256; j++) {
        const cos = 1 - exactOrder(a.subarray(i * d, (i + 1) * d), b.subarray(j * d, (j + 1) * d), d)[0].d;
        worst = Math.max(worst, Math.abs(s32[i * 256 + j] - cos));
      }
    }
    expect(worst).toBeGreaterThan(0); // float32 really errs, so the margin matters
    expect(worst).toBeLessThan(screenMargin(d));
  });

  it('engine js and the cpu backend fall back to topKCosine; bad options get clear errors', async () => {
    expectIdentical(await topKCosineFast(queries, corpus, dim, 5, { engine: 'js' }), topKCosine(queries, corpus, dim, 5));
    await expect(topKCosineFast(queries, corpus, dim, 0)).rejects.toThrow(/topKCosineFast: k must be a positive integer, got 0/);
    await expect(topKCosineFast(queries, corpus.subarray(1), dim, 3)).rejects.toThrow(/topKCosineFast: corpus.length 7223 is not a multiple of dim 24/);
    await expect(topKCosineFast(queries, corpus, dim, 3, { queryBlock: 0 })).rejects.toThrow(/queryBlock must be a positive integer, got 0/);
    await expect(topKCosineFast(queries, corpus, dim, 3, { corpusChunk: 1.5 })).rejects.toThrow(/corpusChunk must be a positive integer, got 1.5/);
    await expect(topKCosineFast(queries, corpus, dim, 3, { engine: 'gpu' as 'js' })).rejects.toThrow(/engine must be 'auto', 'ort', 'tfjs' or 'js', got gpu/);
    const bad = new Float32Array(queries);
    bad[3 * dim + 2] = Infinity;
    await expect(topKCosineFast(bad, corpus, dim, 3)).rejects.toThrow(/queries row 3 column 2 is Infinity/);
  });
});

/**
 * A corpus where float32 cannot rank the true neighbours: exact duplicates (ties broken by index),
 * copies nudged by ±1 ulp per element (distances ~1e-8 apart, below the float32 matMul error),
 * rows differing only in scale (the same cosine), zero rows, and queries equal to corpus rows
 * (distance 0). Shuffled so that ties straddle query blocks, corpus chunks and group boundaries.
 */
function tiedCorpus(rng: Rng, dim: number): { corpus: Float32Array; queries: Float32Array } {
  const base = randomMatrix(rng, 400, dim);
  const rows: Float32Array[] = [];
  for (let i = 0; i < 400; i++) rows.push(base.subarray(i * dim, (i + 1) * dim));
  for (let i = 0; i < 60; i++) rows.push(rows[i].slice()); // exact duplicates
  for (let i = 0; i < 300; i++) {
    const v = rows[i % 20];
    rows.push(Float32Array.from(v, (x) => Math.fround(x * (1 + (rng.int(3) - 1) * 2 ** -23)))); // ±1 ulp
  }
  for (let i = 0; i < 30; i++) rows.push(Float32Array.from(rows[i + 20], (x) => x * 4)); // same cosine
  for (let i = 0; i < 5; i++) rows.push(new Float32Array(dim)); // zero rows
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const corpus = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => corpus.set(r, i * dim));
  const queries = new Float32Array(70 * dim);
  for (let q = 0; q < 70; q++) {
    const src = q < 40 ? base.subarray((q % 20) * dim, ((q % 20) + 1) * dim) : corpus.subarray(q * 7 * dim, (q * 7 + 1) * dim);
    for (let t = 0; t < dim; t++) queries[q * dim + t] = q % 3 === 0 ? src[t] : src[t] + 1e-3 * rng.normal();
  }
  return { corpus, queries };
}

/** Query q's limit: its (q mod 9)-th exact distance (a tie with that neighbour), or −1 for none. */
function perQueryLimits(queries: Float32Array, corpus: Float32Array, dim: number): Float32Array {
  const ref = topKCosine(queries, corpus, dim, 9);
  return Float32Array.from({ length: queries.length / dim }, (_, q) => (q % 9 === 0 ? -1 : ref.distances[q * 9 + (q % 9) - 1]));
}

describe('every engine returns the same neighbours, bit for bit', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });

  const engines = ['ort', 'tfjs', 'js', 'auto'] as const;
  for (const dim of [24, 128]) {
    it(`on ties and near-ties, dim ${dim}, for block sizes, excludeSelf and maxDistance`, async () => {
      const { corpus, queries } = tiedCorpus(new Rng(`engines-${dim}`), dim);
      const nc = corpus.length / dim;
      const cases: Array<{ k: number; opts: Parameters<typeof topKCosineFast>[4] }> = [
        { k: 10, opts: {} },
        { k: 10, opts: { corpusChunk: 320 } },
        { k: 16, opts: { queryBlock: 32, corpusChunk: 1024 } },
        // Several query blocks per chunk, a short last chunk.
        { k: 25, opts: { queryBlock: 13, corpusChunk: 203 } },
        // k above the chunk width: ORT's chunks are padded to its TopK width.
        { k: 150, opts: { corpusChunk: 96 } },
        { k: 8, opts: { maxDistance: 0.3, corpusChunk: 160 } },
        // Per-query limits (as ExactSearch passes each target's k-th distance so far), some on a tie.
        { k: 6, opts: { maxDistance: perQueryLimits(queries, corpus, dim), corpusChunk: 160 } },
        { k: nc + 5, opts: { corpusChunk: 512 } },
      ];
      for (const { k, opts } of cases) {
        const want = topKCosine(queries, corpus, dim, k, opts);
        for (const engine of engines) {
          const got = await topKCosineFast(queries, corpus, dim, k, { ...opts, engine });
          expectIdentical(got, want);
        }
      }
      // Queries that are corpus rows, without themselves: the self column (similarity 1) is among
      // the TopK's values and must not count as a candidate.
      const selfOpts = { excludeSelf: true, queryOffset: 100, corpusChunk: 160 };
      const slice = corpus.subarray(100 * dim, 180 * dim);
      for (const k of [3, 6]) {
        const want = topKCosine(slice, corpus, dim, k, selfOpts);
        for (const engine of engines) expectIdentical(await topKCosineFast(slice, corpus, dim, k, { ...selfOpts, engine }), want);
      }
    });
  }

  it('a chunk padded to the TopK width yields the true neighbours even when all similarities are negative', async () => {
    // With corpusChunk 4, ORT pads each chunk to its TopK width (6 at k = 2): the padding's zero
    // similarity beats the real members (≈ −1) and must never count as a candidate.
    const dim = 16;
    const rng = new Rng('padding');
    const v = randomMatrix(rng, 1, dim);
    const corpus = new Float32Array(17 * dim);
    for (let r = 0; r < 17; r++) for (let t = 0; t < dim; t++) corpus[r * dim + t] = (r === 0 ? v[t] : -v[t]) + 0.05 * rng.normal();
    const queries = Float32Array.from({ length: 10 * dim }, (_, i) => v[i % dim] + 0.05 * rng.normal());
    const want = topKCosine(queries, corpus, dim, 2);
    expect(want.distances[1]).toBeGreaterThan(1.5); // the 2nd neighbour really is on the far side
    for (const engine of engines) {
      expectIdentical(await topKCosineFast(queries, corpus, dim, 2, { engine }), want);
      expectIdentical(await topKCosineFast(queries, corpus, dim, 2, { engine, corpusChunk: 4 }), want);
    }
  });

  it('more exact duplicates than the TopK returns: the chunk is scored whole and ties go to the lower index', async () => {
    // 60 copies of one row in a 200-row corpus, k = 10: ORT's TopK returns 14 of the 60 (which ones
    // is up to it), so its smallest value equals the threshold and the proof needs the whole chunk.
    const dim = 32;
    const rng = new Rng('duplicates');
    const corpus = randomMatrix(rng, 200, dim);
    const row = corpus.slice(0, dim);
    for (let i = 0; i < 60; i++) corpus.set(row, (3 * i + 5) * dim);
    const queries = Float32Array.from({ length: 7 * dim }, (_, i) => row[i % dim] + (i < dim ? 0 : 1e-3 * rng.normal()));
    const want = topKCosine(queries, corpus, dim, 10);
    for (const corpusChunk of [64, 4096]) {
      expectIdentical(await topKCosineFast(queries, corpus, dim, 10, { engine: 'ort', corpusChunk }), want);
    }
  });

  it("engine 'auto' resolves to ORT where it loads; explicit engines resolve to themselves", async () => {
    const { ortAvailability } = await import('../backend/ort/ort-similarity-top.js');
    expect(ortAvailability()).toEqual({ ok: true });
    expect(await resolveTopKEngine('auto')).toBe('ort');
    for (const e of ['ort', 'tfjs', 'js'] as const) expect(await resolveTopKEngine(e)).toBe(e);
  });
});
