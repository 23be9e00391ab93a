import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@twindb/core-tensors/backend';
import { Rng } from '@twindb/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { deinterleaveViews, simclrLoss } from './simclr-loss.js';

/** Float64 reference, written from the formula of the SCAN reference (losses.py, SimCLRLoss). */
function referenceLoss(f: number[][], tau: number): number {
  const n = f.length;
  const b = n / 2;
  const dot = (a: number[], c: number[]) => a.reduce((s, x, k) => s + x * c[k], 0);
  let total = 0;
  for (let i = 0; i < b; i++) {
    const s = f.map((row) => dot(f[i], row) / tau);
    const max = Math.max(...s.filter((_, j) => j !== i));
    let denom = 0;
    for (let j = 0; j < n; j++) if (j !== i) denom += Math.exp(s[j] - max);
    total += -(s[b + i] - max - Math.log(denom));
  }
  return total / b;
}

function randomUnitRows(rng: Rng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: d }, () => rng.normal());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

describe('simclrLoss', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: () => {} }); // also registers tfjs's gradient functions
  });

  it.each([
    [4, 8, 0.1],
    [16, 32, 0.1],
    [7, 5, 0.5],
  ])('matches a float64 reference (b=%i, d=%i, τ=%f)', (b, d, tau) => {
    const f = randomUnitRows(new Rng(b * 100 + d), 2 * b, d);
    const got = simclrLoss(tf.tensor2d(f), tau).dataSync()[0];
    const want = referenceLoss(f, tau);
    expect(Math.abs(got - want) / Math.abs(want)).toBeLessThan(1e-5);
  });

  it('has the gradient of the float64 reference (central differences)', () => {
    const b = 3;
    const d = 4;
    const tau = 0.5;
    const f = randomUnitRows(new Rng('simclr-grad'), 2 * b, d);
    const grad = tf.grad((x) => simclrLoss(x as tf.Tensor2D, tau))(tf.tensor2d(f)).arraySync() as number[][];
    const h = 1e-5;
    for (let i = 0; i < 2 * b; i++) {
      for (let k = 0; k < d; k++) {
        const at = (delta: number) => referenceLoss(f.map((row, r) => row.map((v, c) => (r === i && c === k ? v + delta : v))), tau);
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(grad[i][k]).toBeCloseTo(numeric, 4);
      }
    }
  });

  it('is ln(2b − 1) when all features are identical, and lower when positives agree', () => {
    const b = 8;
    const same = tf.div(tf.ones([2 * b, 4]), 2) as tf.Tensor2D; // unit rows, all equal
    expect(simclrLoss(same, 0.1).dataSync()[0]).toBeCloseTo(Math.log(2 * b - 1), 4);
    const rng = new Rng(3);
    const views = randomUnitRows(rng, b, 16);
    const aligned = simclrLoss(tf.tensor2d([...views, ...views]), 0.1).dataSync()[0];
    const shuffled = simclrLoss(tf.tensor2d([...views, ...views.slice(1), views[0]]), 0.1).dataSync()[0];
    expect(aligned).toBeLessThan(shuffled);
  });

  it('stays finite at a tiny temperature (log-sum-exp)', () => {
    const f = randomUnitRows(new Rng(9), 8, 4);
    const v = simclrLoss(tf.tensor2d(f), 1e-3).dataSync()[0];
    expect(Number.isFinite(v)).toBe(true);
    expect(Math.abs(v - referenceLoss(f, 1e-3)) / Math.abs(referenceLoss(f, 1e-3))).toBeLessThan(1e-4);
  });

  it('rejects an odd number of rows and a non-positive temperature', () => {
    expect(() => simclrLoss(tf.zeros([5, 3]) as tf.Tensor2D, 0.1)).toThrow(/expected \[2b, d\] features/);
    expect(() => simclrLoss(tf.zeros([4, 3]) as tf.Tensor2D, 0)).toThrow(/temperature must be > 0/);
  });

  it('deinterleaves [a0, b0, a1, b1] into [a0, a1, b0, b1]', () => {
    const x = tf.tensor2d([[0], [10], [1], [11]]);
    expect(Array.from(deinterleaveViews(x).dataSync())).toEqual([0, 1, 10, 11]);
  });
});
