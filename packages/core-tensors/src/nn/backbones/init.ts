import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';

/**
 * PyTorch's `kaiming_normal_(w, mode='fan_out', nonlinearity='relu')` for a conv filter stored as
 * tfjs's [kh, kw, inChannels, outChannels]: a plain normal with σ = √(2 / (outChannels·kh·kw)).
 * Values are drawn from the seeded generator so that a model is reproducible from its seed.
 */
export function kaimingNormalFanOut(shape: [number, number, number, number], rng: Rng): tf.Tensor4D {
  const [kh, kw, , cout] = shape;
  const std = Math.sqrt(2 / (cout * kh * kw));
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.normal(0, std);
  return tf.tensor4d(values, shape);
}

/** U(−bound, bound) with the seeded generator (PyTorch's default Linear init uses bound = 1/√fanIn). */
export function uniformTensor(shape: number[], bound: number, rng: Rng): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.uniform(-bound, bound);
  return tf.tensor(values, shape);
}
