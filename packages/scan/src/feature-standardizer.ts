import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@twindb/core-tensors/nn';
import type { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';

/**
 * std_d = √(var_d + ε) with ε = 1% of the mean variance: a dimension that is (nearly) dead on the
 * un-augmented DB in eval mode can wake up under augmentation and batch statistics during training,
 * and dividing it by ~0 made the loss NaN within two steps; this caps its gain at 10× the typical one
 * while leaving live dimensions almost untouched (MNIST: the smallest std, 0.050, becomes 0.052).
 */
const REL_EPS = 0.01;

/**
 * Fixed per-dimension standardisation of backbone features in front of the cluster heads,
 * `(f − mean) / std`, with the statistics as buffers (state dict `feature_norm.mean` / `.std`):
 * set once from the pretext backbone's eval-mode features on the DB being clustered and never
 * trained. Why: the pooled features of a ReLU backbone share a large positive offset (on MNIST mean
 * 0.47 against per-dimension std 0.05–0.31), so freshly initialised linear heads barely see the
 * differences between images and Adam at a few 1e-3 takes many epochs to find them — in image mode
 * the backbone drifts meanwhile. Frozen-feature mode standardises its stored features for the same
 * reason; measured on digits 0–4 (PyTorch, the same weights and neighbours), image-mode SCAN
 * reached 0.97 after 4 epochs with it and 0.73 without.
 */
export class FeatureStandardizer extends Module<tf.Tensor2D, tf.Tensor2D> {
  readonly mean: tf.Variable;
  readonly std: tf.Variable;

  constructor(readonly dim: number) {
    super();
    this.mean = this.addBuffer('mean', tf.zeros([dim]));
    this.std = this.addBuffer('std', tf.ones([dim]));
  }

  /** Sets the statistics from row-major [n × dim] features (population variance, plus ε as above). */
  fit(features: Float32Array): void {
    const n = features.length / this.dim;
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`FeatureStandardizer: need at least 2 rows of ${this.dim} values, got ${features.length} values`);
    const mean = new Float64Array(this.dim);
    const sq = new Float64Array(this.dim);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < this.dim; d++) mean[d] += features[i * this.dim + d];
    }
    for (let d = 0; d < this.dim; d++) mean[d] /= n;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < this.dim; d++) sq[d] += (features[i * this.dim + d] - mean[d]) ** 2;
    }
    const meanVar = sq.reduce((a, s) => a + s / n, 0) / this.dim;
    const eps = REL_EPS * meanVar + 1e-12;
    const std = Float32Array.from(sq, (s) => Math.sqrt(s / n + eps));
    this.mean.assign(tf.tensor1d(Float32Array.from(mean)));
    this.std.assign(tf.tensor1d(std));
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.div(tf.sub(x, this.mean), this.std) as tf.Tensor2D);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    const mean = g.initializer('feature_mean', this.mean.dataSync() as Float32Array, [this.dim]);
    const std = g.initializer('feature_std', this.std.dataSync() as Float32Array, [this.dim]);
    return g.node('Div', [g.node('Sub', [x, mean]), std]);
  }
}
