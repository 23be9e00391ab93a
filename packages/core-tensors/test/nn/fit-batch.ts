import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { type Backbone, Linear, Sgd } from '@twindb/core-tensors/nn';

/** A few SGD-momentum steps (PyTorch semantics) of backbone + linear classifier on one fixed batch; returns the losses. */
export function fitBatch(backbone: Backbone, x: tf.Tensor4D, labels: number[], steps: number, lr: number) {
  const head = new Linear(backbone.featureDim, 10, new Rng('head'));
  const vars = [...backbone.parameters(), ...head.parameters()];
  const opt = new Sgd({ lr, momentum: 0.9 });
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10));
  const named = [...backbone.namedParameters(), ...head.namedParameters().map(([n, v]) => [`head.${n}`, v] as const)];
  const losses: number[] = [];
  const missingGrads: string[] = [];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, head.apply(backbone.apply(x, { training: true }))) as tf.Scalar,
      vars,
    );
    if (s === 0) {
      // every parameter must receive a gradient, or some layer is cut off from the loss
      for (const [name, v] of named) {
        const g = grads[v.name];
        if (!g || tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) === 0) missingGrads.push(name);
      }
    }
    losses.push(value.dataSync()[0]);
    opt.step(vars, grads);
    tf.dispose([value, ...Object.values(grads)]);
  }
  tf.dispose(y);
  opt.dispose();
  head.dispose();
  return { losses, missingGrads };
}

/** Seeded standard-normal NHWC images and uniform labels over 10 classes. */
export function randomBatch(shape: [number, number, number, number], seed: string) {
  const rng = new Rng(seed);
  const x = tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
  const labels = Array.from({ length: shape[0] }, () => rng.int(10));
  return { x, labels };
}
