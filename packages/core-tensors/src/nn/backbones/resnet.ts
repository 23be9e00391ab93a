import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { assertImageBatch } from './backbone.js';
import { globalAveragePool } from '../onnx/onnx-ops.js';
import type { ApplyOptions } from './module.js';
import { ResNet18Base, type ResNet18Options } from './resnet18-base.js';

export type ResNet18CifarOptions = ResNet18Options;

/**
 * ResNet-18, CIFAR variant of the SCAN reference (`models/resnet_cifar.py`): a 3×3 stride-1 stem
 * with no max-pool (so 32×32 input keeps full resolution in layer1), stages of [2, 2, 2, 2]
 * BasicBlocks, global average pool → 512-d features, no classifier. 11,168,832 parameters.
 * Input is NHWC; any spatial size works (the pool is adaptive).
 */
export class ResNet18Cifar extends ResNet18Base {
  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    assertImageBatch('ResNet18Cifar', x, this.inChannels);
    let h = this.stem(x, opts);
    for (const stage of this.stages) h = stage.apply(h, opts);
    return tf.mean(h, [1, 2]);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    let h = this.stemToOnnx(g, x);
    for (const stage of this.stages) h = stage.toOnnx(g, h);
    return globalAveragePool(g, h);
  }
}
