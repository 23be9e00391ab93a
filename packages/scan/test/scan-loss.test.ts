import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@twindb/core-tensors/backend';
import { Rng } from '@twindb/core-tensors';
import { entropy, scanLoss } from '@twindb/scan';
import { beforeAll, describe, expect, it } from 'vitest';

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** Spec §5.3 in float64, written from the formula. */
function reference(anchors: number[][], neighbors: number[][], w: number) {
  const pa = anchors.map(softmax);
  const pn = neighbors.map(softmax);
  const consistency = -pa.reduce((s, row, i) => s + Math.max(Math.log(row.reduce((d, v, k) => d + v * pn[i][k], 0)), -100), 0) / pa.length;
  const mean = pa[0].map((_, k) => pa.reduce((s, row) => s + row[k], 0) / pa.length);
  const h = -mean.reduce((s, v) => s + Math.max(v, 1e-8) * Math.log(Math.max(v, 1e-8)), 0);
  return { total: consistency - w * h, consistency, entropy: h };
}

const randomLogits = (rng: Rng, b: number, k: number, scale = 2) => Array.from({ length: b }, () => Array.from({ length: k }, () => scale * rng.normal()));

describe('SCAN loss', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: () => {} }); // also registers tfjs's gradient functions
  });

  it.each([
    [16, 10, 5],
    [7, 3, 2],
    [32, 20, 5],
  ])('matches a float64 reference (b=%i, K=%i, w=%f)', (b, k, w) => {
    const rng = new Rng(`scan-loss-${b}-${k}`);
    const a = randomLogits(rng, b, k);
    const n = randomLogits(rng, b, k);
    const got = scanLoss(tf.tensor2d(a), tf.tensor2d(n), w);
    const want = reference(a, n, w);
    expect(got.total.dataSync()[0]).toBeCloseTo(want.total, 4);
    expect(got.consistency.dataSync()[0]).toBeCloseTo(want.consistency, 4);
    expect(got.entropy.dataSync()[0]).toBeCloseTo(want.entropy, 4);
  });

  it('starts at (1 − w)·ln K for uniform predictions: −9.2103 for K = 10, w = 5 (the reference log\'s first value)', () => {
    const { total, consistency, entropy: h } = scanLoss(tf.zeros([8, 10]) as tf.Tensor2D, tf.zeros([8, 10]) as tf.Tensor2D, 5);
    expect(consistency.dataSync()[0]).toBeCloseTo(Math.log(10), 5);
    expect(h.dataSync()[0]).toBeCloseTo(Math.log(10), 5);
    expect(total.dataSync()[0]).toBeCloseTo(-4 * Math.log(10), 4);
  });

  it('clamps a sample whose anchor and neighbour disagree completely at 100, like PyTorch\'s BCE', () => {
    const a = tf.tensor2d([[200, 0], [0, 0]]);
    const n = tf.tensor2d([[0, 200], [0, 0]]);
    // row 0: similarity e^-200 → log clamped at −100; row 1: uniform → ln 2
    expect(scanLoss(a, n, 0).consistency.dataSync()[0]).toBeCloseTo((100 + Math.log(2)) / 2, 4);
  });

  it('sends gradients through both the anchor and the neighbour branch', () => {
    const rng = new Rng('scan-grad');
    const a = tf.tensor2d(randomLogits(rng, 6, 4));
    const n = tf.tensor2d(randomLogits(rng, 6, 4));
    const [ga, gn] = tf.grads((x, y) => scanLoss(x as tf.Tensor2D, y as tf.Tensor2D, 5).total)([a, n]);
    expect(tf.max(tf.abs(ga)).dataSync()[0]).toBeGreaterThan(1e-4);
    expect(tf.max(tf.abs(gn)).dataSync()[0]).toBeGreaterThan(1e-4);
  });

  it('rejects mismatched logits', () => {
    expect(() => scanLoss(tf.zeros([4, 3]) as tf.Tensor2D, tf.zeros([4, 5]) as tf.Tensor2D, 5)).toThrow(/anchor logits \[4,3\] and neighbour logits \[4,5\] differ/);
  });
});

describe('entropy', () => {
  it('is ln K for a uniform distribution, with probabilities or logits, 1-D or per row', () => {
    expect(entropy(tf.fill([20], 1 / 20) as tf.Tensor1D, true).dataSync()[0]).toBeCloseTo(Math.log(20), 5);
    expect(entropy(tf.zeros([3, 50]) as tf.Tensor2D, false).dataSync()[0]).toBeCloseTo(Math.log(50), 5);
  });

  it('floors probabilities at 1e-8 and averages row entropies for 2-D input', () => {
    expect(entropy(tf.tensor1d([1, 0]), true).dataSync()[0]).toBeCloseTo(-1e-8 * Math.log(1e-8), 10);
    const rows = [[0.5, 0.5], [0.9, 0.1]];
    const h = (p: number[]) => -p.reduce((s, v) => s + v * Math.log(v), 0);
    expect(entropy(tf.tensor2d(rows), true).dataSync()[0]).toBeCloseTo((h(rows[0]) + h(rows[1])) / 2, 5);
  });
});
