import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@twindb/core-tensors';
import { assertImageBatch, type Backbone } from './backbone.js';
import { BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import type { OnnxGraphBuilder } from '@twindb/core-tensors';
import { globalAveragePool, relu } from '../onnx/onnx-ops.js';
import { type ApplyOptions, Module } from './module.js';
import { resnet18Stages } from './resnet18-stages.js';
import type { Sequential } from './sequential.js';

export interface ResNet18CifarOptions {
  /** Source of the Kaiming-normal conv initialisation. */
  rng: Rng;
  /** Image channels (3 for CIFAR/STL). */
  inChannels?: number;
}

/**
 * ResNet-18, CIFAR variant of the SCAN reference (`models/resnet_cifar.py`): a 3×3 stride-1 stem
 * with no max-pool (so 32×32 input keeps full resolution in layer1), stages of [2, 2, 2, 2]
 * BasicBlocks, global average pool → 512-d features, no classifier. 11,168,832 parameters.
 * Input is NHWC; any spatial size works (the pool is adaptive).
 */
export class ResNet18Cifar extends Module<tf.Tensor4D, tf.Tensor2D> implements Backbone {
  readonly featureDim = 512;
  readonly inChannels: number;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly stages: Sequential[];

  constructor(opts: ResNet18CifarOptions) {
    super();
    const { rng } = opts;
    this.inChannels = opts.inChannels ?? 3;
    this.conv1 = this.addModule('conv1', new Conv2d(this.inChannels, 64, { kernelSize: 3, stride: 1, padding: 1 }, rng));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(64));
    this.stages = resnet18Stages(rng).map((stage, i) => this.addModule(`layer${i + 1}`, stage));
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    assertImageBatch('ResNet18Cifar', x, this.inChannels);
    let h = tf.relu(this.bn1.apply(this.conv1.apply(x), opts));
    for (const stage of this.stages) h = stage.apply(h, opts);
    return tf.mean(h, [1, 2]);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    let h = relu(g, this.bn1.toOnnx(g, this.conv1.toOnnx(g, x)));
    for (const stage of this.stages) h = stage.toOnnx(g, h);
    return globalAveragePool(g, h);
  }
}
