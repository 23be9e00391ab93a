import type { Rng } from '../src/math/random.js';

/** A [rows × dim] matrix of standard normal values. */
export function randomMatrix(rng: Rng, rows: number, dim: number): Float32Array {
  return Float32Array.from({ length: rows * dim }, () => rng.normal());
}

/**
 * Float64 brute force of one query against every corpus row: all (distance, index) pairs, sorted
 * nearest first with ties to the lower index — the reference the top-k searches must reproduce.
 */
export function exactOrder(q: Float32Array, corpus: Float32Array, dim: number): Array<{ d: number; j: number }> {
  let qq = 0;
  for (let t = 0; t < dim; t++) qq += q[t] * q[t];
  const out: Array<{ d: number; j: number }> = [];
  for (let j = 0; j < corpus.length / dim; j++) {
    let qc = 0;
    let cc = 0;
    for (let t = 0; t < dim; t++) {
      qc += q[t] * corpus[j * dim + t];
      cc += corpus[j * dim + t] ** 2;
    }
    const cos = qq === 0 || cc === 0 ? 0 : qc / Math.sqrt(qq * cc);
    out.push({ d: Math.min(2, Math.max(0, 1 - cos)), j });
  }
  return out.sort((a, b) => a.d - b.d || a.j - b.j);
}
