import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_ACT_INFER, BATCH_NORM_ACT_TRAIN } from '@twindb/core-tensors/backend';
import { Rng } from '@twindb/core-tensors';
import { BatchNorm2d } from '@twindb/core-tensors/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../test/nn/test-backend.js';


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

interface ActCase {
  training: boolean;
  relu: boolean;
  residual: boolean;
}

/**
 * The loss Σ w·bn.applyAct(x) (a weight per output, so no gradient term cancels by symmetry) against
 * the same loss through `normalise` (plain tfjs batch norm) + residual + ReLU, autodiffed: asserts
 * equal values and gradients for x, γ, β (and the residual), and returns them (ours first).
 */
function compareWithAutodiff(bn: BatchNorm2d, shape: [number, number, number, number], rng: Rng, offset: number, act: ActCase, normalise: (x: tf.Tensor4D) => tf.Tensor4D) {
  const x = randomImages(shape, rng, offset);
  const r = randomImages(shape, rng);
  const w = randomImages(shape, rng);
  const ours = (xi: tf.Tensor, ri: tf.Tensor) =>
    tf.sum(tf.mul(bn.applyAct(xi as tf.Tensor4D, { training: act.training, relu: act.relu, residual: act.residual ? (ri as tf.Tensor4D) : undefined }), w)) as tf.Scalar;
  const reference = (xi: tf.Tensor, ri: tf.Tensor) => {
    const y = normalise(xi as tf.Tensor4D);
    const sum = act.residual ? tf.add(y, ri) : y;
    return tf.sum(tf.mul(act.relu ? tf.relu(sum) : sum, w)) as tf.Scalar;
  };
  const gradients = (f: (xi: tf.Tensor, ri: tf.Tensor) => tf.Scalar) => {
    const inputGrads = act.residual ? tf.grads(f)([x, r]) : tf.grads((xi) => f(xi, r))([x]);
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
  const maxAbsDx = tf.max(tf.abs(a[3])).dataSync()[0];
  tf.dispose([x, r, w, ...a, ...ref]);
  return { maxAbsDx };
}

/** C per-channel values shift + scale·f(phase + step·i): distinct, smooth, not symmetric. */
const channelValues = (c: number, scale: number, shift: number, f: (v: number) => number, phase: number, step: number) =>
  tf.tensor1d(Array.from({ length: c }, (_, i) => shift + scale * f(phase + step * i)));

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
    // BatchNorm2d takes the fused path only where the kernels exist and the channels divide by 4.
    expect(backend === 'wasm' && C % 4 === 0).toBe(fused);
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
    const bn = new BatchNorm2d(C);
    bn.weight.assign(channelValues(C, 1.5, 0.2, Math.sin, 1, 2.3));
    bn.bias.assign(channelValues(C, 0.3, 0, Math.sin, 1, 2.3));
    const batchStats = (x: tf.Tensor4D) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, bn.bias as tf.Tensor1D, bn.weight as tf.Tensor1D, 1e-5);
    };
    const { maxAbsDx } = compareWithAutodiff(bn, [3, 4, 2, C], new Rng('bn-grad'), 1, { training: true, relu, residual }, batchStats);
    expect(maxAbsDx).toBeGreaterThan(0.01);
    bn.dispose();
  });

  it.each([
    { relu: true, residual: false },
    { relu: true, residual: true },
    { relu: false, residual: false },
  ])('eval mode: values and gradients equal autodiff through tf.batchNorm with the running stats (relu $relu, residual $residual)', ({ relu, residual }) => {
    const bn = new BatchNorm2d(C);
    bn.weight.assign(channelValues(C, 1.2, 0.1, Math.cos, 0.7, 1.9));
    bn.bias.assign(channelValues(C, 0.4, 0, Math.cos, 0.7, 1.9));
    bn.runningMean.assign(channelValues(C, 0.5, 0.3, Math.cos, 0.7, 1.9));
    bn.runningVar.assign(channelValues(C, 0.3, 1, Math.cos, 0.7, 1.9));
    const before = Array.from(bn.runningMean.dataSync());
    const runningStats = (x: tf.Tensor4D) =>
      tf.batchNorm4d(x, bn.runningMean as tf.Tensor1D, bn.runningVar as tf.Tensor1D, bn.bias as tf.Tensor1D, bn.weight as tf.Tensor1D, 1e-5);
    compareWithAutodiff(bn, [2, 3, 5, C], new Rng('bn-eval-grad'), 0.5, { training: false, relu, residual }, runningStats);
    expect(Array.from(bn.runningMean.dataSync())).toEqual(before);
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
