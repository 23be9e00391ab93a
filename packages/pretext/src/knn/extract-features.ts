import * as tf from '@tensorflow/tfjs-core';
import { AugmentedDataset, type ImageSource, type ImageTransform } from '@twindb/core-tensors/data';
import type { ContrastiveModel } from '../contrastive-model.js';

export interface ExtractedFeatures {
  /** L2-normalised head outputs [n × featuresDim]. */
  features: Float32Array;
  /** Backbone features [n × backboneDim]. */
  backbone: Float32Array;
  /** Label per row, −1 when unknown. */
  labels: Int32Array;
  /** Source index per row (unreadable images are skipped, so rows need not be 0..n−1). */
  indices: Int32Array;
}

/**
 * Eval-mode features of every image of a source, in source order, through a deterministic transform
 * (the val transform): what SCAN's fill_memory_bank computes for its memory banks.
 */
export async function extractFeatures(
  model: ContrastiveModel,
  source: ImageSource,
  transform: ImageTransform,
  opts: { batchSize: number; concurrency?: number },
): Promise<ExtractedFeatures> {
  const n = source.records.length;
  const fd = model.featuresDim;
  const bd = model.backbone.featureDim;
  const features = new Float32Array(n * fd);
  const backbone = new Float32Array(n * bd);
  const labels = new Int32Array(n);
  const indices = new Int32Array(n);
  const dataset = new AugmentedDataset(source, { transform: { standard: transform, augment: identityView }, concurrency: opts.concurrency });
  let row = 0;
  for await (const batch of dataset.batches({ batchSize: opts.batchSize, shuffle: false, dropLast: false })) {
    const out = tf.tidy(() => model.applyWithBackbone(tf.tensor4d(batch.image, batch.shape), { training: false }));
    features.set(out.features.dataSync(), row * fd);
    backbone.set(out.backbone.dataSync(), row * bd);
    tf.dispose([out.features, out.backbone]);
    labels.set(batch.targets, row);
    indices.set(batch.indices, row);
    row += batch.indices.length;
  }
  return {
    features: features.subarray(0, row * fd),
    backbone: backbone.subarray(0, row * bd),
    labels: labels.subarray(0, row),
    indices: indices.subarray(0, row),
  };
}

/** The second view AugmentedDataset always makes; evaluation ignores it, so make it free. */
const identityView: ImageTransform = () => ({ width: 1, height: 1, channels: 1, data: new Float32Array(1) });
