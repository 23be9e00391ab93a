import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@twindb/core-tensors/backend';
import { confidenceCrossEntropy, confidenceMask } from '@twindb/selflabel';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Float64 reference of §5.4: weighted mean CE over masked rows, w_c = n / n_c. */
function referenceLoss(weak: number[][], strong: number[][], threshold: number, balance: boolean): number | null {
  const softmax = (r: number[]) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const rows: Array<[number, number]> = [];
  weak.forEach((w, i) => {
    const q = softmax(w);
    const c = q.indexOf(Math.max(...q));
    if (q[c] > threshold) rows.push([i, c]);
  });
  if (rows.length === 0) return null;
  const counts = new Map<number, number>();
  for (const [, c] of rows) counts.set(c, (counts.get(c) ?? 0) + 1);
  let num = 0;
  let den = 0;
  for (const [i, c] of rows) {
    const w = balance ? rows.length / counts.get(c)! : 1;
    const p = softmax(strong[i]);
    num += -w * Math.log(p[c]);
    den += w;
  }
  return num / den;
}

function probs(logits: number[][]): Float32Array {
  return tf.tidy(() => tf.softmax(tf.tensor2d(logits)).dataSync() as Float32Array);
}

describe('confidence-based cross-entropy (§5.4)', () => {
  // 6 rows, K = 3: rows 0–3 confident (classes 0, 0, 0, 2), rows 4–5 not.
  const weak = [
    [9, 0, 0],
    [8, 0, 1],
    [10, 1, 0],
    [0, 0, 9],
    [1, 1.2, 0.9],
    [0.3, 0, 0.2],
  ];
  const strong = [
    [2, 0.5, -1],
    [0.1, 0.2, 0.3],
    [1, 1, 1],
    [-1, 0, 2],
    [3, -2, 0],
    [0, 5, 0],
  ];

  it.each([true, false])('matches a float64 reference (class balancing %s)', (balance) => {
    const mask = confidenceMask(probs(weak), 3, 0.99, 0);
    expect(Array.from(mask.targets)).toEqual([0, 0, 0, 2, -1, -1]);
    expect(mask.confident).toBe(4);
    const loss = confidenceCrossEntropy(tf.tensor2d(strong), mask.targets, balance)!;
    expect(loss.dataSync()[0]).toBeCloseTo(referenceLoss(weak, strong, 0.99, balance)!, 5);
  });

  it('class balancing averages per-class means (differs from the plain mean here)', () => {
    const mask = confidenceMask(probs(weak), 3, 0.99, 0);
    const a = confidenceCrossEntropy(tf.tensor2d(strong), mask.targets, true)!.dataSync()[0];
    const b = confidenceCrossEntropy(tf.tensor2d(strong), mask.targets, false)!.dataSync()[0];
    expect(Math.abs(a - b)).toBeGreaterThan(0.05);
  });

  it('threshold is strict: a row exactly at the threshold is left out', () => {
    const p = Float32Array.from([0.5, 0.5, 0.75, 0.25]);
    expect(Array.from(confidenceMask(p, 2, 0.5, 0).targets)).toEqual([-1, 0]);
    expect(Array.from(confidenceMask(p, 2, 0.75, 0).targets)).toEqual([-1, -1]);
  });

  it('an all-below-threshold batch gives null (skipped and counted by the loop)', () => {
    const flat = [
      [0.1, 0, 0],
      [0, 0.2, 0],
    ];
    const mask = confidenceMask(probs(flat), 3, 0.99, 0);
    expect(mask.confident).toBe(0);
    expect(confidenceCrossEntropy(tf.tensor2d(strong.slice(0, 2)), mask.targets, true)).toBeNull();
    expect(referenceLoss(flat, strong.slice(0, 2), 0.99, true)).toBeNull();
  });

  it('the per-cluster guard adds the most confident rows of a starving cluster', () => {
    // Cluster 1 has members 4 (0.40) and 5 (0.45) below the threshold; cluster 2 has a confident row.
    const p = Float32Array.from([0.995, 0.003, 0.002, 0.999, 0.0005, 0.0005, 0.001, 0.001, 0.998, 0.97, 0.02, 0.01, 0.3, 0.4, 0.3, 0.25, 0.45, 0.3]);
    const off = confidenceMask(p, 3, 0.99, 0);
    expect(Array.from(off.targets)).toEqual([0, 0, 2, -1, -1, -1]);
    const on = confidenceMask(p, 3, 0.99, 1);
    expect(Array.from(on.targets)).toEqual([0, 0, 2, -1, -1, 1]); // row 5 (0.45) beats row 4 (0.40)
    expect(on.guardAdded).toBe(1);
    expect(on.perCluster).toEqual([2, 1, 1]);
    const two = confidenceMask(p, 3, 0.99, 2);
    expect(Array.from(two.targets)).toEqual([0, 0, 2, -1, 1, 1]); // cluster 0 already has 2; cluster 2's only member is in
  });
});
