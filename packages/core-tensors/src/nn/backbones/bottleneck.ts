import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';
import { BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { add, relu } from '../onnx/onnx-ops.js';
import { type ApplyOptions, Module } from './module.js';
import { Projection } from './projection.js';

/** Output channels per bottleneck width (torchvision's `Bottleneck.expansion`). */
export const BOTTLENECK_EXPANSION = 4;

/**
 * torchvision's ResNet v1.5 Bottleneck: conv1×1 (in → width) → BN → ReLU → conv3×3 (stride s,
 * pad 1) → BN → ReLU → conv1×1 (width → 4·width) → BN → + downsample → ReLU. The stride sits on
 * the 3×3 conv (v1.5; v1 put it on the first 1×1), and the `downsample` projection (conv1×1 stride
 * s + BN, keys `downsample.0/.1`) exists only where the stride or the width changes.
 */
export class Bottleneck extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly outChannels: number;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly conv3: Conv2d;
  private readonly bn3: BatchNorm2d;
  private readonly downsample: Projection | null;

  constructor(inChannels: number, width: number, stride: number, rng: Rng) {
    super();
    this.outChannels = width * BOTTLENECK_EXPANSION;
    this.conv1 = this.addModule('conv1', new Conv2d(inChannels, width, { kernelSize: 1 }, rng));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(width));
    this.conv2 = this.addModule('conv2', new Conv2d(width, width, { kernelSize: 3, stride, padding: 1 }, rng));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(width));
    this.conv3 = this.addModule('conv3', new Conv2d(width, this.outChannels, { kernelSize: 1 }, rng));
    this.bn3 = this.addModule('bn3', new BatchNorm2d(this.outChannels));
    this.downsample =
      stride !== 1 || inChannels !== this.outChannels
        ? this.addModule('downsample', new Projection(inChannels, this.outChannels, stride, rng))
        : null;
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D {
    const h1 = this.bn1.applyAct(this.conv1.apply(x), { ...opts, relu: true });
    const h2 = this.bn2.applyAct(this.conv2.apply(h1), { ...opts, relu: true });
    const skip = this.downsample ? this.downsample.apply(x, opts) : x;
    return this.bn3.applyAct(this.conv3.apply(h2), { ...opts, relu: true, residual: skip });
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    const h1 = relu(g, this.bn1.toOnnx(g, this.conv1.toOnnx(g, x)));
    const h2 = relu(g, this.bn2.toOnnx(g, this.conv2.toOnnx(g, h1)));
    const y = this.bn3.toOnnx(g, this.conv3.toOnnx(g, h2));
    return relu(g, add(g, y, this.downsample ? this.downsample.toOnnx(g, x) : x));
  }
}
