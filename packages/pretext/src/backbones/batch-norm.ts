import * as tf from '@tensorflow/tfjs-core';
import { type ApplyOptions, Module } from './module.js';

/** PyTorch's BatchNorm2d defaults. */
const EPS = 1e-5;
const MOMENTUM = 0.1;

/**
 * Batch normalisation over the channel (last, NHWC) axis with PyTorch semantics: in training mode
 * it normalises with the biased batch variance and updates the running statistics as
 * `running ← (1 − 0.1)·running + 0.1·batch`, using the *unbiased* batch variance for
 * `running_var`; in eval mode it normalises with the running statistics and changes nothing.
 * State-dict names: `weight` (γ = 1), `bias` (β = 0), `running_mean` (0), `running_var` (1).
 */
export class BatchNorm2d extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(readonly numFeatures: number) {
    super();
    this.weight = this.addParameter('weight', tf.ones([numFeatures]));
    this.bias = this.addParameter('bias', tf.zeros([numFeatures]));
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures]));
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D {
    const c = x.shape[3];
    if (c !== this.numFeatures) {
      throw new Error(`BatchNorm2d: expected ${this.numFeatures} channels (NHWC last axis), got input shape [${x.shape}]`);
    }
    if (!this.isTraining(opts)) {
      return tf.batchNorm4d(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, this.bias as tf.Tensor1D, this.weight as tf.Tensor1D, EPS);
    }
    const n = x.size / c;
    if (n < 2) throw new Error(`BatchNorm2d: training needs more than one value per channel, got input shape [${x.shape}]`);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    this.updateRunningStats(mean as tf.Tensor1D, variance as tf.Tensor1D, n);
    return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, this.bias as tf.Tensor1D, this.weight as tf.Tensor1D, EPS);
  }

  private updateRunningStats(mean: tf.Tensor1D, biasedVar: tf.Tensor1D, n: number): void {
    // Not on the path to the output, so a gradient tape records but never differentiates these ops.
    tf.tidy(() => {
      const unbiasedVar = tf.mul(biasedVar, n / (n - 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - MOMENTUM), tf.mul(unbiasedVar, MOMENTUM)));
    });
  }
}
