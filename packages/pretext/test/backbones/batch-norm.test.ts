import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, Rng } from '@twindb/core-tensors';
import { BatchNorm2d } from '@twindb/pretext';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './test-backend.js';


/** Per-channel mean and biased/unbiased variance of an NHWC array, computed independently of tfjs. */
function channelStats(values: Float32Array, channels: number) {
  const n = values.length / channels;
  const mean = new Float64Array(channels);
  const sq = new Float64Array(channels);
  values.forEach((v, i) => (mean[i % channels] += v / n));
  values.forEach((v, i) => (sq[i % channels] += (v - mean[i % channels]) ** 2));
  return { mean, biased: sq.map((s) => s / n), unbiased: sq.map((s) => s / (n - 1)) };
}

function randomImages(shape: [number, number, number, number], rng: Rng, offset = 0): tf.Tensor4D {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = offset + rng.normal(0, 2);
  return tf.tensor4d(values, shape);
}

// The tfjs-op formulation on cpu and wasm, and twindb's two fused wasm kernels (BatchNormTrain*),
// which BatchNorm2d uses only under TWINDB_FUSED_BATCH_NORM=1.
describe.each([
  { backend: 'cpu', fused: false },
  { backend: 'wasm', fused: false },
  { backend: 'wasm', fused: true },
] as const)('BatchNorm2d on $backend (fused kernels: $fused)', ({ backend, fused }) => {
  const saved = process.env.TWINDB_FUSED_BATCH_NORM;
  beforeAll(async () => {
    await useBackend(backend);
    process.env.TWINDB_FUSED_BATCH_NORM = fused ? '1' : '0';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TWINDB_FUSED_BATCH_NORM;
    else process.env.TWINDB_FUSED_BATCH_NORM = saved;
  });

  it('has the fused kernels registered exactly on wasm', () => {
    expect(tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) !== undefined).toBe(backend === 'wasm');
  });

  it('starts as PyTorch does: weight 1, bias 0, running mean 0, running var 1', () => {
    const bn = new BatchNorm2d(4);
    expect(Array.from(bn.weight.dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(bn.bias.dataSync())).toEqual([0, 0, 0, 0]);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var']);
    expect(Array.from(bn.runningVar.dataSync())).toEqual([1, 1, 1, 1]);
    bn.dispose();
  });

  it('training mode normalises with batch stats and moves running stats by momentum 0.1 (unbiased var)', () => {
    const rng = new Rng('bn-train');
    const bn = new BatchNorm2d(3);
    const x = randomImages([4, 5, 5, 3], rng, 3);
    const stats = channelStats(x.dataSync() as Float32Array, 3);
    const y = bn.apply(x, { training: true });

    const yStats = channelStats(y.dataSync() as Float32Array, 3);
    for (let c = 0; c < 3; c++) {
      expect(yStats.mean[c]).toBeCloseTo(0, 4);
      expect(yStats.biased[c]).toBeCloseTo(stats.biased[c] / (stats.biased[c] + 1e-5), 4);
    }
    const rm = bn.runningMean.dataSync();
    const rv = bn.runningVar.dataSync();
    for (let c = 0; c < 3; c++) {
      expect(rm[c]).toBeCloseTo(0.1 * stats.mean[c], 4);
      expect(rv[c]).toBeCloseTo(0.9 + 0.1 * stats.unbiased[c], 4);
    }
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('eval mode uses the running stats and leaves them unchanged', () => {
    const rng = new Rng('bn-eval');
    const bn = new BatchNorm2d(2);
    const warm = randomImages([2, 3, 3, 2], rng, 1);
    tf.dispose(bn.apply(warm, { training: true }));
    const rm = Array.from(bn.runningMean.dataSync());
    const rv = Array.from(bn.runningVar.dataSync());

    bn.eval();
    const x = randomImages([2, 3, 3, 2], rng, -1);
    const y = bn.apply(x);
    expect(Array.from(bn.runningMean.dataSync())).toEqual(rm);
    expect(Array.from(bn.runningVar.dataSync())).toEqual(rv);
    const xv = x.dataSync();
    const yv = y.dataSync();
    for (let i = 0; i < xv.length; i++) {
      const c = i % 2;
      expect(yv[i]).toBeCloseTo((xv[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5), 4);
    }
    tf.dispose([warm, x, y]);
    bn.dispose();
  });

  it('training-mode gradients equal autodiff through tf.moments + tf.batchNorm', () => {
    const rng = new Rng('bn-grad');
    const bn = new BatchNorm2d(3);
    bn.weight.assign(tf.tensor1d([0.5, 1.5, -2]));
    bn.bias.assign(tf.tensor1d([0.1, 0, -0.3]));
    const x = randomImages([3, 4, 2, 3], rng, 1);
    const w = randomImages([3, 4, 2, 3], rng);
    // a loss that weights every output differently, so no gradient term cancels by symmetry
    const ours = (xi: tf.Tensor4D) => tf.sum(tf.mul(bn.apply(xi, { training: true }), w));
    const reference = (xi: tf.Tensor4D) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2]);
      const y = tf.batchNorm4d(xi, mean as tf.Tensor1D, variance as tf.Tensor1D, bn.bias as tf.Tensor1D, bn.weight as tf.Tensor1D, 1e-5);
      return tf.sum(tf.mul(y, w));
    };
    const gradients = (f: (xi: tf.Tensor4D) => tf.Scalar) => {
      const dx = tf.grad((xi) => f(xi as tf.Tensor4D))(x);
      const { grads, value } = tf.variableGrads(() => f(x), [bn.weight, bn.bias]);
      value.dispose();
      return [dx, grads[bn.weight.name], grads[bn.bias.name]];
    };
    const a = gradients(ours as (xi: tf.Tensor4D) => tf.Scalar);
    const r = gradients(reference as (xi: tf.Tensor4D) => tf.Scalar);
    for (let i = 0; i < 3; i++) {
      const av = a[i].dataSync();
      const rv = r[i].dataSync();
      expect(av.length).toBe(rv.length);
      for (let j = 0; j < av.length; j++) expect(av[j]).toBeCloseTo(rv[j], 4);
    }
    expect(tf.max(tf.abs(a[0])).dataSync()[0]).toBeGreaterThan(0.01);
    tf.dispose([x, w, ...a, ...r]);
    bn.dispose();
  });

  it('leaks no tensors in training mode inside tidy', () => {
    const bn = new BatchNorm2d(2);
    const x = randomImages([2, 3, 3, 2], new Rng(1));
    const before = tf.memory().numTensors;
    tf.tidy(() => bn.apply(x, { training: true }).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    bn.dispose();
  });

  it('rejects input whose last axis is not the channel count', () => {
    const bn = new BatchNorm2d(8);
    const x = tf.zeros([1, 8, 4, 4]) as tf.Tensor4D;
    expect(() => bn.apply(x)).toThrow(/expected 8 channels.*\[1,8,4,4\]/);
    x.dispose();
    bn.dispose();
  });
});
