import { describe, expect, it } from 'vitest';
import { headCriterion } from '../src/index.js';

/** A neighbour table (self first) from per-row neighbour lists. */
function table(rows: number[][]) {
  const m = rows[0].length + 1;
  const indices = new Int32Array(rows.length * m);
  rows.forEach((nbs, i) => {
    indices[i * m] = i;
    nbs.forEach((j, q) => (indices[i * m + 1 + q] = j));
  });
  return { indices, distances: new Float32Array(indices.length), m, n: rows.length };
}

/** Two-cluster probabilities: row i in cluster c[i] with confidence p[i]. */
function probs(c: number[], p: number[]): Float32Array {
  const out = new Float32Array(c.length * 2);
  c.forEach((k, i) => {
    out[i * 2 + k] = p[i];
    out[i * 2 + 1 - k] = 1 - p[i];
  });
  return out;
}

describe('headCriterion', () => {
  // Rows 0-2 and 3-5 are two groups; each row's two neighbours are the rest of its group.
  const nb = table([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]]);

  it('scores neighbour agreement over all rows and over the confident rows separately', () => {
    // Row 2 is put in the wrong cluster, unconfident; the others are confident.
    const c = headCriterion(probs([0, 0, 1, 1, 1, 1], [0.999, 0.999, 0.6, 0.999, 0.999, 0.999]), 2, nb, 0.99);
    // pairs in one cluster: row0 1/2, row1 1/2, row2 0/2, rows 3-5 2/2 each → 8 of 12
    expect(c.neighborAgreement).toBeCloseTo(8 / 12, 12);
    // confident rows 0,1,3,4,5: 1+1+2+2+2 = 8 of 10
    expect(c.confidentAgreement).toBeCloseTo(8 / 10, 12);
    expect(c.confidentFraction).toBeCloseTo(5 / 6, 12);
  });

  it('ranks a head that makes a hard row confident and gets another right above one that does neither', () => {
    // What image-mode self-label does: head B makes row 3 confident (right, but two of its three
    // neighbours are in the other group, so it lowers the confident-set agreement) and gets row 8
    // right (unconfident); A leaves row 3 unconfident and row 8 wrong. B is the better head; only
    // the agreement over all rows says so.
    const nbs = table([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 4, 5], [5, 6, 7], [4, 6, 7], [4, 5, 7], [4, 5, 6], [4, 5, 6]]);
    const a = headCriterion(probs([0, 0, 0, 0, 1, 1, 1, 1, 0], [0.999, 0.999, 0.999, 0.6, 0.999, 0.999, 0.999, 0.999, 0.6]), 2, nbs, 0.99);
    const b = headCriterion(probs([0, 0, 0, 0, 1, 1, 1, 1, 1], [0.999, 0.999, 0.999, 0.999, 0.999, 0.999, 0.999, 0.999, 0.6]), 2, nbs, 0.99);
    expect(a.confidentAgreement).toBeCloseTo(21 / 21, 12);
    expect(b.confidentAgreement).toBeCloseTo(22 / 24, 12);
    expect(a.neighborAgreement).toBeCloseTo(22 / 27, 12);
    expect(b.neighborAgreement).toBeCloseTo(25 / 27, 12);
  });
});
