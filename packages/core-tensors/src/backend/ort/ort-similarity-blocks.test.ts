import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import { screenMargin } from '../../math/similarity-screen.js';
import { OrtSimilarityBlocks } from './ort-similarity-blocks.js';

function unitRows(rng: Rng, rows: number, dim: number): Float32Array {
  const m = Float32Array.from({ length: rows * dim }, () => rng.normal());
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += m[r * dim + t] ** 2;
    for (let t = 0; t < dim; t++) m[r * dim + t] /= Math.sqrt(s);
  }
  return m;
}

describe('OrtSimilarityBlocks (MLAS Gemm + group maxima)', () => {
  const dim = 128;
  const groups = 8;
  const lanes = 4;
  const rng = new Rng('ort-blocks');
  const rows = 37;
  const width = 160; // 5 spans of 32 columns, 20 maxima per row
  const q = unitRows(rng, rows, dim);
  const c = unitRows(rng, width, dim);

  it('computes every similarity within the screen margin, into the given buffer, on 2 threads', () => {
    const blocks = new OrtSimilarityBlocks(dim, groups, lanes, 2);
    try {
      const sims = new Float32Array(rows * width);
      const maxima = new Float32Array((rows * width) / groups);
      const out = blocks.run(q, rows, c, width, sims, maxima);
      expect(out.maxima).toBe(maxima);
      expect(out.sims).toBe(sims);
      let worst = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < width; j++) {
          let dot = 0;
          for (let t = 0; t < dim; t++) dot += q[i * dim + t] * c[j * dim + t];
          worst = Math.max(worst, Math.abs(sims[i * width + j] - dot));
        }
      }
      expect(worst).toBeGreaterThan(0); // float32, so the margin matters
      expect(worst).toBeLessThan(screenMargin(dim));
    } finally {
      blocks.dispose();
    }
  });

  it('maxima[r, j] is exactly the largest of row r’s `groups` columns `lanes` apart in span ⌊j / lanes⌋', () => {
    const blocks = new OrtSimilarityBlocks(dim, groups, lanes, 1);
    try {
      // A view with a byte offset: the query block of a larger matrix, as the screen feeds it.
      const big = new Float32Array((rows + 3) * dim);
      big.set(q, 3 * dim);
      const { sims, maxima } = blocks.run(big.subarray(3 * dim), rows, c, width, new Float32Array(rows * width), new Float32Array((rows * width) / groups));
      const L = width / groups;
      expect(maxima.length).toBe(rows * L);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < L; j++) {
          const base = Math.floor(j / lanes) * groups * lanes + (j % lanes);
          let m = -Infinity;
          for (let i = 0; i < groups; i++) m = Math.max(m, sims[r * width + base + i * lanes]);
          expect(maxima[r * L + j]).toBe(m);
        }
        // …and the view was read from its offset: row r is the similarity of q's row r.
        let dot = 0;
        for (let t = 0; t < dim; t++) dot += q[r * dim + t] * c[t];
        expect(Math.abs(sims[r * width] - dot)).toBeLessThan(screenMargin(dim));
      }
      expect(() => blocks.run(q, rows, c.subarray(0, 144 * dim), 144, new Float32Array(rows * 144), new Float32Array(rows * 18))).toThrow(
        /width 144 is not a multiple of 32 \(groups × lanes\)/,
      );
    } finally {
      blocks.dispose();
    }
  });
});
