import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import { screenMargin } from '../../math/similarity-screen.js';
import { OrtSimilarityTop } from './ort-similarity-top.js';

function unitRows(rng: Rng, rows: number, dim: number): Float32Array {
  const m = Float32Array.from({ length: rows * dim }, () => rng.normal());
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += m[r * dim + t] ** 2;
    for (let t = 0; t < dim; t++) m[r * dim + t] /= Math.sqrt(s);
  }
  return m;
}

describe('OrtSimilarityTop (MLAS Gemm + TopK)', () => {
  const dim = 128;
  const rng = new Rng('ort-top');
  const rows = 37;
  const width = 300;
  const take = 12;
  const q = unitRows(rng, rows, dim);
  const c = unitRows(rng, width, dim);
  const dots = (r: number) =>
    Array.from({ length: width }, (_, j) => {
      let dot = 0;
      for (let t = 0; t < dim; t++) dot += q[r * dim + t] * c[j * dim + t];
      return dot;
    });

  for (const threads of [1, 2]) {
    it(`returns each row's ${take} most similar columns with their float32 similarities (${threads} thread(s))`, () => {
      const top = new OrtSimilarityTop(dim, take, threads);
      try {
        // A view with a byte offset: the query block of a larger matrix, as the screen feeds it.
        const big = new Float32Array((rows + 3) * dim);
        big.set(q, 3 * dim);
        const values = new Float32Array(rows * take);
        const columns = new Float32Array(rows * take);
        top.run(big.subarray(3 * dim), rows, c, width, values, columns);
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          const exact = dots(r);
          const cols = Array.from(columns.subarray(r * take, (r + 1) * take));
          expect(new Set(cols).size).toBe(take);
          for (const col of cols) expect(Number.isInteger(col) && col >= 0 && col < width).toBe(true);
          // The returned columns are the true top `take` (random data: no near-ties at the edge).
          const order = exact.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]);
          expect([...cols].sort((a, b) => a - b)).toEqual(order.slice(0, take).map(([, j]) => j).sort((a, b) => a - b));
          for (let i = 0; i < take; i++) worst = Math.max(worst, Math.abs(values[r * take + i] - exact[cols[i]]));
        }
        expect(worst).toBeGreaterThan(0); // float32, so the margin matters
        expect(worst).toBeLessThan(screenMargin(dim));
      } finally {
        top.dispose();
      }
    });
  }

  it('refuses a chunk narrower than take or wider than 2^24 columns', () => {
    const top = new OrtSimilarityTop(dim, take, 1);
    try {
      const out = new Float32Array(rows * take);
      expect(() => top.run(q, rows, c.subarray(0, 8 * dim), 8, out, out.slice())).toThrow(/width 8 must be between take \(12\) and 2\^24/);
      expect(() => top.run(q, rows, c, 2 ** 24 + 1, out, out.slice())).toThrow(/width 16777217 must be between/);
    } finally {
      top.dispose();
    }
  });
});
