import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_ACT_INFER, BATCH_NORM_ACT_TRAIN, Rng } from '@twindb/core-tensors';
import { BatchNorm2d } from '@twindb/pretext';
import { beforeAll, describe, expect, it } from 'vitest';
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

// The tfjs-op formulation on cpu and wasm, and on wasm with a channel count divisible by 4, twindb's
// fused kernel pair (BatchNormActTrain*), which BatchNorm2d uses wherever it can.
describe.each([
  { backend: 'cpu', c: 3, fused: false },
  { backend: 'wasm', c: 3, fused: false },
  { backend: 'cpu', c: 8, fused: false },
  { backend: 'wasm', c: 8, fused: true },
] as const)('BatchNorm2d on $backend with $c channels (fused kernels: $fused)', ({ backend, c: C, fused }) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('has the fused kernels registered exactly on wasm', () => {
    expect(tf.getKernel(BATCH_NORM_ACT_TRAIN, tf.getBackend()) !== undefined).toBe(backend === 'wasm');
    expect(tf.getKernel(BATCH_NORM_ACT_INFER, tf.getBackend()) !== undefined).toBe(backend === 'wasm');
  });

  it('starts as PyTorch does: weight 1, bias 0, running mean 0, running var 1', () => {
    const bn = new BatchNorm2d(4);
    expect(Array.from(bn.weight.dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(bn.bias.dataSync())).toEqual([0, 0, 0, 0]);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var']);
    expect(Array.from(bn.runningVar.dataSync())).toEqual([1, 1, 1, 1]);
    bn.dispose();
  });

  it.each([
    { offset: 3, std: 2 },
    // |μ| ≫ σ: the fused kernel's float32 sums must not cancel
    { offset: 100, std: 0.05 },
  ])('training mode normalises with batch stats and moves running stats by momentum 0.1 (unbiased var), μ $offset σ $std', ({ offset, std }) => {
    const rng = new Rng('bn-train');
    const bn = new BatchNorm2d(C);
    const x = tf.tidy(() => tf.add(tf.mul(randomImages([4, 5, 5, C], rng), std / 2), offset) as tf.Tensor4D);
    const stats = channelStats(x.dataSync() as Float32Array, C);
    const y = bn.apply(x, { training: true });

    const yStats = channelStats(y.dataSync() as Float32Array, C);
    for (let c = 0; c < C; c++) {
      expect(yStats.mean[c]).toBeCloseTo(0, 3);
      expect(yStats.biased[c]).toBeCloseTo(stats.biased[c] / (stats.biased[c] + 1e-5), 3);
    }
    const rm = bn.runningMean.dataSync();
    const rv = bn.runningVar.dataSync();
    for (let c = 0; c < C; c++) {
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

  it.each([
    { relu: false, residual: false },
    { relu: true, residual: false },
    { relu: true, residual: true },
    { relu: false, residual: true },
  ])('training-mode values and gradients equal autodiff through tf.moments + tf.batchNorm (relu $relu, residual $residual)', ({ relu, residual }) => {
    const rng = new Rng('bn-grad');
    const bn = new BatchNorm2d(C);
    const values = (scale: number, shift: number) => Array.from({ length: C }, (_, i) => shift + scale * Math.sin(1 + 2.3 * i));
    bn.weight.assign(tf.tensor1d(values(1.5, 0.2)));
    bn.bias.assign(tf.tensor1d(values(0.3, 0)));
    const shape: [number, number, number, number] = [3, 4, 2, C];
    const x = randomImages(shape, rng, 1);
    const r = randomImages(shape, rng);
    const w = randomImages(shape, rng);
    const act = (y: tf.Tensor, ri: tf.Tensor) => {
      const sum = residual ? tf.add(y, ri) : y;
      return relu ? tf.relu(sum) : sum;
    };
    // a loss that weights every output differently, so no gradient term cancels by symmetry
    const ours = (xi: tf.Tensor, ri: tf.Tensor) =>
      tf.sum(tf.mul(bn.applyAct(xi as tf.Tensor4D, { training: true, relu, residual: residual ? (ri as tf.Tensor4D) : undefined }), w)) as tf.Scalar;
    const reference = (xi: tf.Tensor, ri: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2]);
      const y = tf.batchNorm4d(xi as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, bn.bias as tf.Tensor1D, bn.weight as tf.Tensor1D, 1e-5);
      return tf.sum(tf.mul(act(y, ri), w)) as tf.Scalar;
    };
    const gradients = (f: (xi: tf.Tensor, ri: tf.Tensor) => tf.Scalar) => {
      const inputGrads = residual ? tf.grads(f)([x, r]) : tf.grads((xi) => f(xi, r))([x]);
      const { grads, value } = tf.variableGrads(() => f(x, r), [bn.weight, bn.bias]);
      return [value, grads[bn.weight.name], grads[bn.bias.name], ...inputGrads];
    };
    const a = gradients(ours);
    const ref = gradients(reference);
    for (let i = 0; i < a.length; i++) {
      const av = a[i].dataSync();
      const rv = ref[i].dataSync();
      expect(av.length).toBe(rv.length);
      for (let j = 0; j < av.length; j++) expect(av[j]).toBeCloseTo(rv[j], 3);
    }
    expect(tf.max(tf.abs(a[3])).dataSync()[0]).toBeGreaterThan(0.01);
    tf.dispose([x, r, w, ...a, ...ref]);
    bn.dispose();
  });

  it.each([
    { relu: true, residual: false },
    { relu: true, residual: true },
    { relu: false, residual: false },
  ])('eval mode: values and gradients equal autodiff through tf.batchNorm with the running stats (relu $relu, residual $residual)', ({ relu, residual }) => {
    const rng = new Rng('bn-eval-grad');
    const bn = new BatchNorm2d(C);
    const values = (scale: number, shift: number) => Array.from({ length: C }, (_, i) => shift + scale * Math.cos(0.7 + 1.9 * i));
    bn.weight.assign(tf.tensor1d(values(1.2, 0.1)));
    bn.bias.assign(tf.tensor1d(values(0.4, 0)));
    bn.runningMean.assign(tf.tensor1d(values(0.5, 0.3)));
    bn.runningVar.assign(tf.tensor1d(values(0.3, 1)));
    const shape: [number, number, number, number] = [2, 3, 5, C];
    const x = randomImages(shape, rng, 0.5);
    const r = randomImages(shape, rng);
    const w = randomImages(shape, rng);
    const ours = (xi: tf.Tensor, ri: tf.Tensor) =>
      tf.sum(tf.mul(bn.applyAct(xi as tf.Tensor4D, { training: false, relu, residual: residual ? (ri as tf.Tensor4D) : undefined }), w)) as tf.Scalar;
    const reference = (xi: tf.Tensor, ri: tf.Tensor) => {
      const y = tf.batchNorm4d(xi as tf.Tensor4D, bn.runningMean as tf.Tensor1D, bn.runningVar as tf.Tensor1D, bn.bias as tf.Tensor1D, bn.weight as tf.Tensor1D, 1e-5);
      const sum = residual ? tf.add(y, ri) : y;
      return tf.sum(tf.mul(relu ? tf.relu(sum) : sum, w)) as tf.Scalar;
    };
    const gradients = (f: (xi: tf.Tensor, ri: tf.Tensor) => tf.Scalar) => {
      const inputGrads = residual ? tf.grads(f)([x, r]) : tf.grads((xi) => f(xi, r))([x]);
      const { grads, value } = tf.variableGrads(() => f(x, r), [bn.weight, bn.bias]);
      return [value, grads[bn.weight.name], grads[bn.bias.name], ...inputGrads];
    };
    const a = gradients(ours);
    const ref = gradients(reference);
    for (let i = 0; i < a.length; i++) {
      const av = a[i].dataSync();
      const rv = ref[i].dataSync();
      expect(av.length).toBe(rv.length);
      for (let j = 0; j < av.length; j++) expect(av[j]).toBeCloseTo(rv[j], 3);
    }
    expect(Array.from(bn.runningMean.dataSync())).toEqual(Array.from(tf.tensor1d(values(0.5, 0.3)).dataSync()));
    tf.dispose([x, r, w, ...a, ...ref]);
    bn.dispose();
  });

  it('rejects a residual whose shape differs from the input', () => {
    const bn = new BatchNorm2d(C);
    const x = tf.zeros([2, 2, 2, C]) as tf.Tensor4D;
    const r = tf.zeros([2, 2, 1, C]) as tf.Tensor4D;
    expect(() => bn.applyAct(x, { training: true, residual: r })).toThrow(/residual's shape \[2,2,1,\d+\] differs from the input's \[2,2,2,\d+\]/);
    tf.dispose([x, r]);
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
