import type * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { type ApplyOptions, Module } from './module.js';

/** Modules applied in order, registered as `0`, `1`, ... like PyTorch's `nn.Sequential`. */
export class Sequential extends Module<tf.Tensor4D, tf.Tensor4D> {
  private readonly layers: Array<Module<tf.Tensor4D, tf.Tensor4D>>;

  constructor(layers: Array<Module<tf.Tensor4D, tf.Tensor4D>>) {
    super();
    this.layers = layers.map((m, i) => this.addModule(String(i), m));
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D {
    let h = x;
    for (const layer of this.layers) h = layer.apply(h, opts);
    return h;
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    return this.layers.reduce((h, layer) => layer.toOnnx(g, h), x);
  }
}
