import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@twindb/core-tensors';
import { Linear, Module, onnxOps } from '@twindb/core-tensors/nn';
import type { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';

/**
 * The reference's `mlp` contrastive head, Linear(d, d) → ReLU → Linear(d, featuresDim), registered
 * as `0` and `2` like the `nn.Sequential` it mirrors (the ReLU at index 1 has no state), so its
 * state-dict keys are `contrastive_head.0.*` and `contrastive_head.2.*`.
 */
export class MlpHead extends Module<tf.Tensor2D, tf.Tensor2D> {
  private readonly hidden: Linear;
  private readonly out: Linear;

  constructor(inFeatures: number, featuresDim: number, rng: Rng) {
    super();
    this.hidden = this.addModule('0', new Linear(inFeatures, inFeatures, rng));
    this.out = this.addModule('2', new Linear(inFeatures, featuresDim, rng));
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.out.apply(tf.relu(this.hidden.apply(x)));
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    return this.out.toOnnx(g, onnxOps.relu(g, this.hidden.toOnnx(g, x)));
  }
}
