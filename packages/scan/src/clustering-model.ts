import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@twindb/core-tensors';
import { Linear, Module, type ApplyOptions, type Backbone } from '@twindb/core-tensors/nn';
import { FeatureStandardizer } from './feature-standardizer.js';

/** H independent Linear(D → K) heads registered as `0`, `1`, … (state-dict `cluster_head.<h>.weight/bias`). */
export class ClusterHeads extends Module<tf.Tensor2D, tf.Tensor3D> {
  readonly heads: Linear[];

  constructor(featureDim: number, nclusters: number, nheads: number, rng: Rng) {
    super();
    this.heads = Array.from({ length: nheads }, (_, h) => this.addModule(String(h), new Linear(featureDim, nclusters, rng)));
  }

  /** Logits of every head on backbone features, stacked: [H, b, K]. */
  apply(features: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => tf.stack(this.logits(features)) as tf.Tensor3D);
  }

  /** Logits of every head on backbone features, one [b, K] tensor per head. */
  logits(features: tf.Tensor2D): tf.Tensor2D[] {
    return this.heads.map((h) => h.apply(features));
  }
}

export interface ClusteringModelOptions {
  /** K, the number of clusters each head predicts. */
  nclusters: number;
  /** H, independent heads trained side by side; the lowest-loss one is kept (default 1). */
  nheads?: number;
  /** Put a fixed per-dimension standardisation (`feature_norm`) between backbone and heads (default false, the reference). */
  featureNorm?: boolean;
  rng: Rng;
}

/**
 * The reference's ClusteringModel (spec §4.7): a backbone and H linear cluster heads returning
 * logits (no softmax inside). State-dict names: `backbone.*` and `cluster_head.<h>.weight/bias`.
 * Forward modes: `apply` (images → H logits, stacked), `backboneFeatures` (images → features),
 * `headLogits` (features → H logits) and `returnAll` (images → both). With `featureNorm`, the heads
 * see standardised features (`feature_norm.mean/std`, see FeatureStandardizer); `backboneFeatures`
 * still returns the backbone's raw output.
 */
export class ClusteringModel extends Module<tf.Tensor4D, tf.Tensor3D> {
  readonly backbone: Backbone;
  readonly clusterHead: ClusterHeads;
  readonly nclusters: number;
  readonly nheads: number;
  readonly featureNorm?: FeatureStandardizer;

  constructor(backbone: Backbone, opts: ClusteringModelOptions) {
    super();
    const nheads = opts.nheads ?? 1;
    if (!Number.isInteger(opts.nclusters) || opts.nclusters < 2) throw new RangeError(`ClusteringModel: nclusters must be an integer ≥ 2, got ${opts.nclusters}`);
    if (!Number.isInteger(nheads) || nheads < 1) throw new RangeError(`ClusteringModel: nheads must be a positive integer, got ${nheads}`);
    this.backbone = this.addModule('backbone', backbone);
    if (opts.featureNorm) this.featureNorm = this.addModule('feature_norm', new FeatureStandardizer(backbone.featureDim));
    this.clusterHead = this.addModule('cluster_head', new ClusterHeads(backbone.featureDim, opts.nclusters, nheads, opts.rng));
    this.nclusters = opts.nclusters;
    this.nheads = nheads;
  }

  apply(images: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor3D {
    return tf.tidy(() => tf.stack(this.headLogits(this.backbone.apply(images, opts))) as tf.Tensor3D);
  }

  backboneFeatures(images: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor2D {
    return this.backbone.apply(images, opts);
  }

  headLogits(features: tf.Tensor2D): tf.Tensor2D[] {
    return this.clusterHead.logits(this.headInput(features));
  }

  /** What the heads see: the backbone features, standardised when the model has `feature_norm`. */
  headInput(features: tf.Tensor2D): tf.Tensor2D {
    return this.featureNorm ? this.featureNorm.apply(features) : features;
  }

  returnAll(images: tf.Tensor4D, opts?: ApplyOptions): { features: tf.Tensor2D; output: tf.Tensor2D[] } {
    const features = this.backbone.apply(images, opts);
    return { features, output: this.headLogits(features) };
  }
}
