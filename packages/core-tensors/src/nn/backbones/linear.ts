import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';
import { uniformTensor } from './init.js';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { dense } from '../onnx/onnx-ops.js';
import { Module } from './module.js';

/**
 * A fully connected layer with PyTorch's default initialisation (weight and bias ~ U(±1/√inFeatures)).
 * The weight is stored as [in, out] so that `x·W` needs no transpose; PyTorch stores [out, in].
 */
export class Linear extends Module<tf.Tensor2D, tf.Tensor2D> {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(inFeatures: number, outFeatures: number, rng: Rng) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.addParameter('weight', uniformTensor([inFeatures, outFeatures], bound, rng));
    this.bias = this.addParameter('bias', uniformTensor([outFeatures], bound, rng));
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.weight as tf.Tensor2D), this.bias);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    const shape = this.weight.shape as [number, number];
    return dense(g, x, this.weight.dataSync() as Float32Array, shape, this.bias.dataSync() as Float32Array);
  }
}
