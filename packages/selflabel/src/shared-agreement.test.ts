import { describe, expect, it } from 'vitest';
import { sharedAgreement } from './run-selflabel.js';

/** One-hot-ish probabilities (0.999 on `cluster`) for K = 2, or 0.6 when `unsure`. */
function probs(clusters: number[], unsure: number[] = []): Float32Array {
  const p = new Float32Array(clusters.length * 2);
  clusters.forEach((c, i) => {
    const hi = unsure.includes(i) ? 0.6 : 0.999;
    p[i * 2 + c] = hi;
    p[i * 2 + (1 - c)] = 1 - hi;
  });
  return p;
}

/** Row i's neighbours: itself, then the next `m - 1` rows (cyclic). */
function ring(n: number, m: number) {
  const indices = new Int32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) indices[i * m + j] = (i + j) % n;
  return { indices, distances: new Float32Array(n * m), m, n };
}

describe('sharedAgreement (the self-label keep rule)', () => {
  it('counts only rows confident under both heads, and the pairs where exactly one head agrees', () => {
    const nb = ring(6, 3);
    const scan = probs([0, 0, 0, 1, 1, 1]);
    const self = probs([0, 0, 1, 1, 1, 1], [5]); // row 5 unsure under self-label: left out
    const r = sharedAgreement(scan, self, 2, nb, 0.99);
    expect(r.rows).toBe(5);
    // Hand count over rows 0..4, neighbours i+1, i+2: SCAN agrees on 6 of 10 pairs, self-label on 6.
    expect(r.scan).toBeCloseTo(6 / 10, 12);
    expect(r.selflabel).toBeCloseTo(6 / 10, 12);
    expect(r.onlyScan).toBe(2);
    expect(r.onlySelflabel).toBe(2);
    expect(r.lowered).toBe(false);
  });

  it('calls a drop lowered only when a paired sign test separates it from noise', () => {
    const n = 400;
    const nb = ring(n, 2);
    const scan = probs(Array.from({ length: n }, () => 0));
    // Self-label breaks neighbour agreement at `d` rows (a cluster-1 row followed by a cluster-0 row
    // breaks two pairs per isolated row).
    const broken = (d: number) => probs(Array.from({ length: n }, (_, i) => (i % 40 === 0 && i / 40 < d ? 1 : 0)));
    const small = sharedAgreement(scan, broken(1), 2, nb, 0.99); // 2 pairs lost: 2 > 2·√2 is false
    expect(small.onlyScan).toBe(2);
    expect(small.lowered).toBe(false);
    const large = sharedAgreement(scan, broken(10), 2, nb, 0.99); // 20 pairs lost: 20 > 2·√20
    expect(large.onlyScan).toBe(20);
    expect(large.lowered).toBe(true);
    expect(large.selflabel).toBeLessThan(large.scan);
  });
});
