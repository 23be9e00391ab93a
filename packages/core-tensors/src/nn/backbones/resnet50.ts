import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../math/random.js';
import { assertImageBatch, type Backbone } from './backbone.js';
import { BatchNorm2d } from './batch-norm.js';
import { Bottleneck } from './bottleneck.js';
import { Conv2d } from './conv2d.js';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { globalAveragePool, maxPool, relu } from '../onnx/onnx-ops.js';
import { type ApplyOptions, Module } from './module.js';
import { Sequential } from './sequential.js';
import { zeroPadMaxPool } from './zero-pad-max-pool.js';

export interface ResNet50Options {
  /** Source of the Kaiming-normal conv initialisation. */
  rng: Rng;
  /** Image channels (3 for ImageNet). */
  inChannels?: number;
}

/** Bottleneck count, width and first-block stride of the four stages (torchvision `resnet50`). */
const STAGES: ReadonlyArray<{ blocks: number; width: number; stride: number }> = [
  { blocks: 3, width: 64, stride: 1 },
  { blocks: 4, width: 128, stride: 2 },
  { blocks: 6, width: 256, stride: 2 },
  { blocks: 3, width: 512, stride: 2 },
];

/**
 * ResNet-50 of the reference's ImageNet runs (`models/resnet.py`: torchvision v1.5 with `fc`
 * replaced by the identity): conv7×7 stride 2 pad 3 (in → 64) → BN → ReLU → max-pool 3×3 stride 2
 * pad 1 → [3, 4, 6, 3] Bottlenecks → global average pool → 2048-d features. 23,508,032
 * parameters; state-dict names as torchvision's (`layer3.0.downsample.1.running_var`, ...), so
 * MoCo / torchvision weights map one to one. NHWC input of any size that survives the /32
 * downsampling (224 → 112 → 56 → 28 → 14 → 7).
 */
export class ResNet50 extends Module<tf.Tensor4D, tf.Tensor2D> implements Backbone {
  readonly featureDim = 512 * 4;
  readonly inChannels: number;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly stages: Sequential[];

  constructor(opts: ResNet50Options) {
    super();
    const { rng } = opts;
    this.inChannels = opts.inChannels ?? 3;
    this.conv1 = this.addModule('conv1', new Conv2d(this.inChannels, 64, { kernelSize: 7, stride: 2, padding: 3 }, rng));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(64));
    let inWidth = 64;
    this.stages = STAGES.map(({ blocks, width, stride }, i) => {
      const layers = Array.from({ length: blocks }, (_, b) => {
        const block = new Bottleneck(inWidth, width, b === 0 ? stride : 1, rng);
        inWidth = block.outChannels;
        return block;
      });
      return this.addModule(`layer${i + 1}`, new Sequential(layers));
    });
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    assertImageBatch('ResNet50', x, this.inChannels);
    let h = zeroPadMaxPool(this.bn1.applyAct(this.conv1.apply(x), { ...opts, relu: true }), 3, 2, 1);
    for (const stage of this.stages) h = stage.apply(h, opts);
    return tf.mean(h, [1, 2]);
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    // ONNX's MaxPool pads with −∞ like PyTorch; after the ReLU that equals the tfjs zero padding.
    let h = maxPool(g, relu(g, this.bn1.toOnnx(g, this.conv1.toOnnx(g, x))), 3, 2, [1, 1, 1, 1]);
    for (const stage of this.stages) h = stage.toOnnx(g, h);
    return globalAveragePool(g, h);
  }
}
