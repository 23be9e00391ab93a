/**
 * The fused batch-norm + residual + ReLU kernels (BatchNormActTrain*) against a float64 reference
 * written out in plain TypeScript, on batches of several 256-row blocks (the float32 → float64
 * hand-over) with a ragged last block, and on data whose mean dwarfs its spread.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../math/random.js';
import { registerWasmTrainingKernels } from '../register-training-kernels.js';
import { BATCH_NORM_ACT_TRAIN } from './BatchNormActTrain.js';
import { BATCH_NORM_ACT_TRAIN_GRAD } from './BatchNormActTrainGrad.js';

const EPS = 1e-5;

/** Forward and backward of relu?(γ·x̂ + β + r) in float64, the textbook way (x̂ kept, mask from y). */
function reference(x: Float32Array, r: Float32Array | null, dy: Float32Array, gamma: Float32Array, beta: Float32Array, relu: boolean) {
  const c = gamma.length;
  const n = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  x.forEach((v, i) => (mean[i % c] += v / n));
  x.forEach((v, i) => (variance[i % c] += (v - mean[i % c]) ** 2 / n));
  const inv = variance.map((v) => 1 / Math.sqrt(v + EPS));
  const xHat = Float64Array.from(x, (v, i) => (v - mean[i % c]) * inv[i % c]);
  const y = xHat.map((h, i) => {
    const v = gamma[i % c] * h + beta[i % c] + (r ? r[i] : 0);
    return relu ? Math.max(v, 0) : v;
  });
  const g = Float64Array.from(dy, (d, i) => (!relu || y[i] > 0 ? d : 0));
  const dBeta = new Float64Array(c);
  const dGamma = new Float64Array(c);
  g.forEach((v, i) => {
    dBeta[i % c] += v;
    dGamma[i % c] += v * xHat[i];
  });
  const dx = g.map((v, i) => {
    const k = i % c;
    return gamma[k] * inv[k] * (v - dBeta[k] / n - (xHat[i] * dGamma[k]) / n);
  });
  return { y, mean, variance, inv, dx, dGamma, dBeta, dr: g };
}

function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

describe('BatchNormActTrain / BatchNormActTrainGrad on wasm', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  const cases = [
    { shape: [3, 15, 14, 4], relu: true, residual: false, offset: 0, spread: 1 },
    { shape: [2, 9, 40, 12], relu: false, residual: false, offset: 0, spread: 3 },
    { shape: [5, 7, 11, 8], relu: true, residual: true, offset: 0, spread: 1 },
    { shape: [4, 10, 10, 16], relu: false, residual: true, offset: 0, spread: 1 },
    // E[x²] − E[x]² in float32 would lose the variance here (2500 against 0.01); the shifted sums keep it
    { shape: [2, 13, 17, 8], relu: true, residual: false, offset: 50, spread: 0.1 },
  ];

  it.each(cases)('matches the float64 reference: $shape relu $relu residual $residual mean $offset spread $spread', ({ shape, relu, residual, offset, spread }) => {
    const rng = new Rng(`bn-act-${shape.join('x')}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const c = shape[3];
    const random = (n: number, mean = 0, std = 1) => Float32Array.from({ length: n }, () => mean + std * rng.normal());
    const x = random(size, offset, spread);
    const r = residual ? random(size) : null;
    const dy = random(size);
    const gamma = random(c, 1, 0.5);
    const beta = random(c, 0, 0.5);
    const want = reference(x, r, dy, gamma, beta, relu);

    tf.tidy(() => {
      const xt = tf.tensor(x, shape);
      const inputs: tf.NamedTensorMap = { x: xt, gamma: tf.tensor1d(gamma), beta: tf.tensor1d(beta) };
      if (r) inputs.residual = tf.tensor(r, shape);
      const [y, mean, variance, invStd] = tf.engine().runKernel(BATCH_NORM_ACT_TRAIN, inputs, { epsilon: EPS, relu }) as tf.Tensor[];
      expect(maxError(y.dataSync(), want.y)).toBeLessThan(1e-4);
      expect(maxError(mean.dataSync(), want.mean)).toBeLessThan(1e-5);
      expect(maxError(variance.dataSync(), want.variance)).toBeLessThan(1e-4);
      expect(maxError(invStd.dataSync(), want.inv)).toBeLessThan(1e-4);

      const operands = { dy: tf.tensor(dy, shape), x: xt, y, gamma: inputs.gamma, mean, invStd };
      const grads = tf.engine().runKernel(BATCH_NORM_ACT_TRAIN_GRAD, operands, { relu, residual }) as tf.Tensor[];
      expect(grads).toHaveLength(residual ? 4 : 3);
      expect(maxError(grads[0].dataSync(), want.dx)).toBeLessThan(1e-4);
      expect(maxError(grads[1].dataSync(), want.dGamma)).toBeLessThan(1e-4);
      expect(maxError(grads[2].dataSync(), want.dBeta)).toBeLessThan(1e-4);
      if (residual) expect(maxError(grads[3].dataSync(), want.dr)).toBeLessThan(1e-6);
    });
  });

  it('leaves no scratch behind: the heap does not grow over repeated calls', () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([4, 16, 16, 8]);
        const [y, mean, , invStd] = tf.engine().runKernel(BATCH_NORM_ACT_TRAIN, { x, gamma: tf.ones([8]), beta: tf.zeros([8]) }, { epsilon: EPS, relu: true }) as tf.Tensor[];
        tf.engine().runKernel(BATCH_NORM_ACT_TRAIN_GRAD, { dy: tf.onesLike(y), x, y, gamma: tf.ones([8]), mean, invStd }, { relu: true, residual: false });
      });
    run();
    const before = tf.memory().numBytes;
    for (let i = 0; i < 20; i++) run();
    expect(tf.memory().numBytes).toBe(before);
  });

  it('names the operand that does not fit', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 3, 3, 6]);
      expect(() => tf.engine().runKernel(BATCH_NORM_ACT_TRAIN, { x, gamma: tf.ones([6]), beta: tf.zeros([6]) }, { epsilon: EPS, relu: true })).toThrow(
        /TwindbBatchNormActTrain: expected a float32 tensor whose channel \(last\) axis is a multiple of 4, got float32 \[2,3,3,6\]/,
      );
      const x8 = tf.zeros([2, 3, 3, 8]);
      expect(() => tf.engine().runKernel(BATCH_NORM_ACT_TRAIN, { x: x8, gamma: tf.ones([4]), beta: tf.zeros([8]) }, { epsilon: EPS, relu: true })).toThrow(
        /expected float32 \[8\] per-channel operands, got float32 \[4\]/,
      );
    });
  });
});

describe('assembled SIMD modules', () => {
  it('are up to date with their .wat sources (npm run build:wat)', () => {
    const script = fileURLToPath(new URL('../../../../../../tools/wasm/assemble-wat.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
