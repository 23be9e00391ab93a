import type * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Module } from './module.js';

/** An image encoder: NHWC images [b, h, w, c] → features [b, featureDim]. */
export interface Backbone extends Module<tf.Tensor4D, tf.Tensor2D> {
  readonly featureDim: number;
  readonly inChannels: number;
  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D;
}

/** Rejects input that is not NHWC with the expected channel count, naming what was expected. */
export function assertImageBatch(model: string, x: tf.Tensor, inChannels: number): asserts x is tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== inChannels) {
    throw new Error(`${model}: expected NHWC images [batch, height, width, ${inChannels}], got shape [${x.shape}]`);
  }
}
