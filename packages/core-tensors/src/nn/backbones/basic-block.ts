import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';
import { BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { add, relu } from '../onnx/onnx-ops.js';
import { type ApplyOptions, Module } from './module.js';
import { Projection } from './projection.js';

/**
 * The ResNet BasicBlock of the reference (`models/resnet_cifar.py`):
 * conv3×3(stride s) → BN → ReLU → conv3×3 → BN → + shortcut → ReLU, where the shortcut is the
 * identity unless the stride or the width changes.
 */
export class BasicBlock extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly shortcut: Projection | null;

  constructor(inChannels: number, outChannels: number, stride: number, rng: Rng) {
    super();
    this.conv1 = this.addModule('conv1', new Conv2d(inChannels, outChannels, { kernelSize: 3, stride, padding: 1 }, rng));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(outChannels));
    this.conv2 = this.addModule('conv2', new Conv2d(outChannels, outChannels, { kernelSize: 3, stride: 1, padding: 1 }, rng));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(outChannels));
    this.shortcut =
      stride !== 1 || inChannels !== outChannels ? this.addModule('shortcut', new Projection(inChannels, outChannels, stride, rng)) : null;
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D {
    const h = this.bn1.applyAct(this.conv1.apply(x), { ...opts, relu: true });
    const skip = this.shortcut ? this.shortcut.apply(x, opts) : x;
    return this.bn2.applyAct(this.conv2.apply(h), { ...opts, relu: true, residual: skip });
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    const h = relu(g, this.bn1.toOnnx(g, this.conv1.toOnnx(g, x)));
    const y = this.bn2.toOnnx(g, this.conv2.toOnnx(g, h));
    return relu(g, add(g, y, this.shortcut ? this.shortcut.toOnnx(g, x) : x));
  }
}
