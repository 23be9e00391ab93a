import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';
import { assertImageBatch, type Backbone } from './backbone.js';
import { BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { globalAveragePool, maxPool, relu } from '../onnx/onnx-ops.js';
import { type ApplyOptions, Module } from './module.js';

export interface SmallCnnOptions {
  /** Source of the Kaiming-normal conv initialisation. */
  rng: Rng;
  /** Image channels (1 for MNIST). */
  inChannels?: number;
}

const WIDTHS = [32, 64, 128] as const;

/**
 * The small CNN of the MNIST anchor: three conv3×3 (no bias) → BN → ReLU blocks of 32, 64 and
 * 128 channels, a 2×2 max-pool after the first two (28 → 14 → 7), global average pool → 128-d.
 * 92,896 parameters for one input channel. State-dict names: `conv1`, `bn1`, ..., `conv3`, `bn3`.
 */
export class SmallCnn extends Module<tf.Tensor4D, tf.Tensor2D> implements Backbone {
  readonly featureDim = 128;
  readonly inChannels: number;
  private readonly blocks: Array<{ conv: Conv2d; bn: BatchNorm2d }>;

  constructor(opts: SmallCnnOptions) {
    super();
    this.inChannels = opts.inChannels ?? 1;
    let inWidth = this.inChannels;
    this.blocks = WIDTHS.map((width, i) => {
      const conv = this.addModule(`conv${i + 1}`, new Conv2d(inWidth, width, { kernelSize: 3, stride: 1, padding: 1 }, opts.rng));
      const bn = this.addModule(`bn${i + 1}`, new BatchNorm2d(width));
      inWidth = width;
      return { conv, bn };
    });
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    assertImageBatch('SmallCnn', x, this.inChannels);
    let h = x;
    this.blocks.forEach(({ conv, bn }, i) => {
      h = bn.applyAct(conv.apply(h), { ...opts, relu: true });
      if (i < this.blocks.length - 1) h = tf.maxPool(h, 2, 2, 'valid');
    });
    return tf.mean(h, [1, 2]);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    let h = x;
    this.blocks.forEach(({ conv, bn }, i) => {
      h = relu(g, bn.toOnnx(g, conv.toOnnx(g, h)));
      if (i < this.blocks.length - 1) h = maxPool(g, h, 2, 2);
    });
    return globalAveragePool(g, h);
  }
}
