import * as tf from '@tensorflow/tfjs-core';
import type { Module, Optimizer } from '@twindb/core-tensors/nn';
import { simclrLoss } from './simclr-loss.js';

/** Two views of one batch, NHWC float32, as AugmentedDataset yields them. */
export interface ViewBatch {
  image: Float32Array;
  augmented: Float32Array;
  shape: [number, number, number, number];
}

/**
 * One SimCLR iteration (reference `simclr_train`): both views in one training-mode forward pass (so
 * batch-norm statistics cover both, as in the reference), the one-directional SimCLR loss, and one
 * optimiser step. Returns the loss; when it is not finite no update is made to the parameters, so the
 * caller can stop with the parameters as they were. `model` is any module from images to [n, d]
 * L2-normalised features (a ContrastiveModel in training; tests also pass wrappers of one).
 */
export function simclrStep(model: Module<tf.Tensor4D, tf.Tensor2D>, optimizer: Optimizer, views: ViewBatch, temperature: number): number {
  const vars = model.parameters();
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.concat([tf.tensor4d(views.image, views.shape), tf.tensor4d(views.augmented, views.shape)], 0);
    // Rows 0..b−1 are the first views and b..2b−1 the second: simclrLoss's layout.
    return simclrLoss(model.apply(x, { training: true }), temperature);
  }, vars);
  const loss = value.dataSync()[0];
  if (Number.isFinite(loss)) optimizer.step(vars, grads);
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}
