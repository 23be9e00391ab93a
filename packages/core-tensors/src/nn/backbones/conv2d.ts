import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';
import { kaimingNormalFanOut } from './init.js';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { conv } from '../onnx/onnx-ops.js';
import { Module } from './module.js';

export interface Conv2dOptions {
  kernelSize: number;
  stride?: number;
  /** Symmetric zero padding on height and width, as PyTorch's `padding=` (not TF's 'same'). */
  padding?: number;
}

/**
 * A bias-free 2-D convolution on NHWC input (every conv of the reference backbones is followed by
 * batch norm, so none has a bias). The weight is stored as [kh, kw, in, out]; the state-dict name
 * is `weight` as in PyTorch, whose layout is [out, in, kh, kw].
 * Padding is explicit and symmetric because TF's 'same' pads stride-2 convs asymmetrically
 * (bottom/right only), which would not match PyTorch's output pixels.
 */
export class Conv2d extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly weight: tf.Variable;
  private readonly stride: number;
  private readonly padding: number;
  private readonly pad: 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

  constructor(inChannels: number, outChannels: number, opts: Conv2dOptions, rng: Rng) {
    super();
    const k = opts.kernelSize;
    this.stride = opts.stride ?? 1;
    const p = opts.padding ?? 0;
    this.padding = p;
    this.pad = p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]];
    this.weight = this.addParameter('weight', kaimingNormalFanOut([k, k, inChannels, outChannels], rng));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.weight as tf.Tensor4D, this.stride, this.pad);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    const p = this.padding;
    const shape = this.weight.shape as [number, number, number, number];
    return conv(g, x, { kernel: this.weight.dataSync() as Float32Array, shape, stride: this.stride, pads: [p, p, p, p] });
  }
}
