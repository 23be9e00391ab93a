import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import type { Rng } from '../../math/random.js';
import type { Backbone } from './backbone.js';
import { BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import { relu } from '../onnx/onnx-ops.js';
import { type ApplyOptions, Module } from './module.js';
import { resnet18Stages } from './resnet18-stages.js';
import type { Sequential } from './sequential.js';

export interface ResNet18Options {
  /** Source of the Kaiming-normal conv initialisation. */
  rng: Rng;
  /** Image channels (3 for CIFAR/STL). */
  inChannels?: number;
}

/**
 * What the CIFAR and STL variants of the reference's ResNet-18 share: the 3×3 stride-1 stem and the
 * four [2, 2, 2, 2] BasicBlock stages, under the reference's state-dict names (`conv1`, `bn1`,
 * `layer1.0.conv1`, …). The variants differ only in their pooling.
 */
export abstract class ResNet18Base extends Module<tf.Tensor4D, tf.Tensor2D> implements Backbone {
  readonly featureDim = 512;
  readonly inChannels: number;
  protected readonly conv1: Conv2d;
  protected readonly bn1: BatchNorm2d;
  protected readonly stages: Sequential[];

  constructor(opts: ResNet18Options) {
    super();
    const { rng } = opts;
    this.inChannels = opts.inChannels ?? 3;
    this.conv1 = this.addModule('conv1', new Conv2d(this.inChannels, 64, { kernelSize: 3, stride: 1, padding: 1 }, rng));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(64));
    this.stages = resnet18Stages(rng).map((stage, i) => this.addModule(`layer${i + 1}`, stage));
  }

  /** conv1 → bn1 → ReLU. */
  protected stem(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D {
    return this.bn1.applyAct(this.conv1.apply(x), { ...opts, relu: true });
  }

  protected stemToOnnx(g: OnnxGraphBuilder, x: string): string {
    return relu(g, this.bn1.toOnnx(g, this.conv1.toOnnx(g, x)));
  }
}
