import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { assertImageBatch } from './backbone.js';
import { averagePool, flatten, maxPool } from '../onnx/onnx-ops.js';
import type { ApplyOptions } from './module.js';
import { ResNet18Base, type ResNet18Options } from './resnet18-base.js';
import { zeroPadMaxPool } from './zero-pad-max-pool.js';

export type ResNet18StlOptions = ResNet18Options;

/** The only input size the fixed 7×7 average pool fits: 96 → 49 → 25 → 13 → 7. */
export const RESNET18_STL_IMAGE_SIZE = 96;
const IMAGE_SIZE = RESNET18_STL_IMAGE_SIZE;
const POOL_SIZE = 7;

/**
 * ResNet-18, STL variant of the SCAN reference (`models/resnet_stl.py`): the CIFAR variant's 3×3
 * stride-1 stem followed by a max-pool (kernel 2, stride 2, padding 1: 96×96 → 49×49), the same
 * [2, 2, 2, 2] BasicBlock stages, and a fixed AvgPool(7, stride 1) instead of an adaptive pool →
 * 512-d features. Same parameters and state-dict names as the CIFAR variant (11,168,832; the pools
 * have none), so only 96×96 NHWC input is accepted: any other size would leave layer4 at another
 * size than 7×7 and change the feature dimension, as it does in the reference.
 */
export class ResNet18Stl extends ResNet18Base {
  readonly imageSize = IMAGE_SIZE;

  /** The pooled stem output and the output of each stage (49², 49², 25², 13², 7² at 96×96 input). */
  featureMaps(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D[] {
    assertImageBatch('ResNet18Stl', x, this.inChannels);
    if (x.shape[1] !== IMAGE_SIZE || x.shape[2] !== IMAGE_SIZE) {
      throw new Error(
        `ResNet18Stl: expected ${IMAGE_SIZE}×${IMAGE_SIZE} images [batch, ${IMAGE_SIZE}, ${IMAGE_SIZE}, ${this.inChannels}] ` +
          `(its fixed ${POOL_SIZE}×${POOL_SIZE} average pool fits no other size), got shape [${x.shape}]`,
      );
    }
    const maps = [zeroPadMaxPool(this.stem(x, opts), 2, 2, 1)];
    for (const stage of this.stages) maps.push(stage.apply(maps[maps.length - 1], opts));
    return maps;
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    const maps = this.featureMaps(x, opts);
    const pooled = tf.avgPool(maps[maps.length - 1], POOL_SIZE, 1, 'valid');
    return tf.reshape(pooled, [x.shape[0], this.featureDim]);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    // ONNX's MaxPool pads with −∞ like PyTorch; after the ReLU that equals the tfjs zero padding.
    let h = maxPool(g, this.stemToOnnx(g, x), 2, 2, [1, 1, 1, 1]);
    for (const stage of this.stages) h = stage.toOnnx(g, h);
    return flatten(g, averagePool(g, h, POOL_SIZE, 1));
  }
}
