/**
 * A tiny conv-bn-relu-maxpool-conv(stride 2)-mean-dense net trained on wasm with the training
 * kernels: its gradients equal cpu's (relative error max|wasm − cpu| / max(1, max|cpu|) < 1e-4
 * per variable) and a few SGD-momentum steps lower the loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../math/random.js';
import { registerWasmTrainingKernels } from './register-training-kernels.js';

const shapes: Record<string, number[]> = {
  w1: [3, 3, 3, 8],
  gamma: [8],
  beta: [8],
  w2: [3, 3, 8, 12],
  skip: [1, 1, 8, 12],
  wd: [12, 4],
  bd: [4],
};

function initialValues(seed: string): Record<string, Float32Array> {
  const rng = new Rng(seed);
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : shape[0];
    out[name] = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      out[name][i] = name === 'gamma' ? 1 : name === 'beta' || name === 'bd' ? 0 : rng.normal(0, Math.sqrt(2 / fanIn));
    }
  }
  return out;
}

function batch(seed: string): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(6 * 11 * 11 * 3);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = Int32Array.from({ length: 6 }, (_, i) => i % 4);
  return { x, labels };
}

function lossFn(v: Record<string, tf.Variable>, x: tf.Tensor4D, labels: tf.Tensor1D): () => tf.Scalar {
  return () => {
    let h = tf.conv2d(x, v.w1 as tf.Tensor4D, 1, 'same');
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    h = tf.relu(tf.batchNorm(h, mean, variance, v.beta, v.gamma, 1e-5)) as tf.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'same');
    const main = tf.relu(tf.conv2d(h, v.w2 as tf.Tensor4D, 2, 'same'));
    h = tf.add(main, tf.conv2d(h, v.skip as tf.Tensor4D, 2, 'same'));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(pooled, v.wd as tf.Tensor2D), v.bd);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), logits) as tf.Scalar;
  };
}

async function gradientsOn(backend: string): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const init = initialValues('tiny-net:init');
  const { x, labels } = batch('tiny-net:batch');
  return tf.tidy(() => {
    const vars: Record<string, tf.Variable> = {};
    for (const [name, data] of Object.entries(init)) vars[name] = tf.variable(tf.tensor(data, shapes[name]), true, `${backend}/${name}`);
    const { grads } = tf.variableGrads(lossFn(vars, tf.tensor4d(x, [6, 11, 11, 3]), tf.tensor1d(labels, 'int32')));
    const out: Record<string, Float32Array> = {};
    for (const [name, variable] of Object.entries(vars)) out[name] = grads[variable.name].dataSync() as Float32Array;
    Object.values(vars).forEach((variable) => variable.dispose());
    return out;
  });
}

describe('training a tiny conv net on wasm', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it('computes the same gradients as cpu', async () => {
    const expected = await gradientsOn('cpu');
    const actual = await gradientsOn('wasm');
    for (const name of Object.keys(shapes)) {
      let diff = 0;
      let scale = 1;
      expected[name].forEach((e, i) => {
        diff = Math.max(diff, Math.abs(actual[name][i] - e));
        scale = Math.max(scale, Math.abs(e));
      });
      expect(diff / scale, name).toBeLessThan(1e-4);
    }
  });

  it('lowers the loss over a few SGD-momentum steps', async () => {
    await tf.setBackend('wasm');
    const init = initialValues('tiny-net:init');
    const { x, labels } = batch('tiny-net:batch');
    const vars: Record<string, tf.Variable> = {};
    for (const [name, data] of Object.entries(init)) vars[name] = tf.variable(tf.tensor(data, shapes[name]), true, `train/${name}`);
    const xs = tf.tensor4d(x, [6, 11, 11, 3]);
    const ys = tf.tensor1d(labels, 'int32');
    const optimizer = tf.train.momentum(0.05, 0.9);
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const loss = optimizer.minimize(lossFn(vars, xs, ys), true);
      losses.push(loss!.dataSync()[0]);
      loss!.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.9);
    optimizer.dispose();
    tf.dispose([xs, ys, ...Object.values(vars)]);
  });
});
