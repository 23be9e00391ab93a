import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@twindb/core-tensors';
import { type ApplyOptions, type Backbone, Linear, Module, onnxOps } from '@twindb/core-tensors/nn';
import { MlpHead } from './contrastive-head.js';
import type { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';

export type ContrastiveHeadKind = 'mlp' | 'linear';

export interface ContrastiveModelOptions {
  head?: ContrastiveHeadKind;
  /** Output dimension of the head (default 128, as the reference). */
  featuresDim?: number;
  /** Source of the head's initialisation. */
  rng: Rng;
}

/** Both outputs of one forward pass: what kNN monitoring and feature extraction need. */
export type ContrastiveOutputs = {
  /** Backbone features [b, D] (not normalised). */
  backbone: tf.Tensor2D;
  /** L2-normalised head output [b, featuresDim]. */
  features: tf.Tensor2D;
};

/**
 * SCAN's ContrastiveModel (spec §4.6): backbone → head (`mlp`: Linear(D, D)–ReLU–Linear(D, f);
 * `linear`: Linear(D, f)) → L2 normalisation, dividing by max(‖z‖₂, 1e-12). State-dict names are
 * `backbone.*` and `contrastive_head.*`, as in the reference's checkpoints.
 */
export class ContrastiveModel extends Module<tf.Tensor4D, tf.Tensor2D> {
  readonly backbone: Backbone;
  readonly head: Module<tf.Tensor2D, tf.Tensor2D>;
  readonly headKind: ContrastiveHeadKind;
  readonly featuresDim: number;

  constructor(backbone: Backbone, opts: ContrastiveModelOptions) {
    super();
    this.headKind = opts.head ?? 'mlp';
    this.featuresDim = opts.featuresDim ?? 128;
    this.backbone = this.addModule('backbone', backbone);
    const d = backbone.featureDim;
    const head = this.headKind === 'mlp' ? new MlpHead(d, this.featuresDim, opts.rng) : new Linear(d, this.featuresDim, opts.rng);
    this.head = this.addModule('contrastive_head', head);
  }

  /** Normalised features [b, featuresDim]. */
  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    return tf.tidy(() => l2NormalizeRows(this.head.apply(this.backbone.apply(x, opts))));
  }

  /** The whole model (normalised output included); export with `l2Normalize: false` to avoid normalising twice. */
  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    return onnxOps.l2Normalize(g, this.head.toOnnx(g, this.backbone.toOnnx(g, x)));
  }

  /** Backbone features and normalised head features from one forward pass. */
  applyWithBackbone(x: tf.Tensor4D, opts?: ApplyOptions): ContrastiveOutputs {
    return tf.tidy(() => {
      const backbone = this.backbone.apply(x, opts);
      return { backbone, features: l2NormalizeRows(this.head.apply(backbone)) };
    });
  }
}

/** Rows divided by max(‖row‖₂, 1e-12), as torch.nn.functional.normalize. */
export function l2NormalizeRows(z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(z, tf.maximum(tf.norm(z, 'euclidean', 1, true), 1e-12)));
}
