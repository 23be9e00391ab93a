import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';
import { BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { type ApplyOptions, Module } from './module.js';

/**
 * The 1×1 conv (stride s, no padding) + BN that carries a residual block's input to the block's
 * output resolution and width. Its children are `0` and `1`, so the parent's name for it gives the
 * reference keys: `shortcut.0/.1` in the CIFAR/STL BasicBlock, `downsample.0/.1` in torchvision's
 * Bottleneck.
 */
export class Projection extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, stride: number, rng: Rng) {
    super();
    this.conv = this.addModule('0', new Conv2d(inChannels, outChannels, { kernelSize: 1, stride }, rng));
    this.bn = this.addModule('1', new BatchNorm2d(outChannels));
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D {
    return this.bn.apply(this.conv.apply(x), opts);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    return this.bn.toOnnx(g, this.conv.toOnnx(g, x));
  }
}
