import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, UsageError } from '@twindb/core-tensors';
import {
  NeighborsDataset,
  openImageSource,
  stackImages,
  trainTransform,
  valTransform,
  type ImageFormat,
  type ImageSource,
  type ImageTransform,
} from '@twindb/core-tensors/data';
import type { ClusteringModel } from '../clustering-model.js';
import type { FeatureSet } from '../frozen/feature-set.js';
import type { NeighborTable } from '../frozen/neighbor-table.js';
import type { ScanBatch } from '../scan-epoch.js';
import type { PretextRun } from './pretext-run.js';

/** The rows of an image DB as the outputs describe them (ids, paths, labels, DB name). */
export interface ImageRows {
  source: ImageSource;
  rows: number;
  ids: string[];
  paths: (string | null)[];
  labels: Int32Array;
  labelled: number;
  meta: { db: string };
}

/** The image-mode view of a step config: DBs and transforms (falling back to the pretext run's). */
export interface ImageStepConfig {
  train_db: unknown;
  val_db?: unknown;
  augmentation_strategy?: string;
  augmentation_kwargs?: Record<string, unknown>;
  transformation_kwargs?: Record<string, unknown>;
}

export interface ImageInputs {
  train: ImageRows;
  val: ImageRows;
  sameVal: boolean;
  format: ImageFormat;
  /** The val transform (spec §3.1): mining, evaluation, the self-label weak view. */
  valTransform: ImageTransform;
  transformationKwargs: { crop_size: number; normalize: { mean: number[]; std: number[] } };
}

export function rowsOf(source: ImageSource): ImageRows {
  const labels = Int32Array.from(source.records, (r) => (r.label === undefined || r.label < 0 ? -1 : r.label));
  return {
    source,
    rows: source.records.length,
    ids: source.records.map((r) => r.id),
    paths: source.records.map((r) => r.path ?? null),
    labels,
    labelled: labels.filter((l) => l >= 0).length,
    meta: { db: source.name },
  };
}

/** Opens train_db and val_db with the pretext run's image format; the val transform from the config, else the run's. */
export async function openImageInputs(c: ImageStepConfig, run: PretextRun, log: (line: string) => void): Promise<ImageInputs> {
  const format = run.format;
  const train = rowsOf(await openImageSource(c.train_db, { format, warn: log }));
  const val = c.val_db === undefined ? train : rowsOf(await openImageSource(c.val_db, { format, warn: log }));
  const tk = (c.transformation_kwargs ?? run.config.transformation_kwargs) as ImageInputs['transformationKwargs'] | undefined;
  if (!tk) throw new UsageError('transformation_kwargs: missing in the config and in the pretext run (image mode needs crop_size and normalize)');
  return { train, val, sameVal: c.val_db === undefined, format, valTransform: valTransform(tk), transformationKwargs: tk };
}

/** The config's training augmentation (augmentation_strategy + kwargs), else the pretext run's. */
export function trainingTransformOf(c: ImageStepConfig, run: PretextRun): ImageTransform {
  if (c.augmentation_strategy !== undefined) return trainTransform({ augmentation_strategy: c.augmentation_strategy, augmentation_kwargs: c.augmentation_kwargs });
  return trainTransform({ augmentation_strategy: run.config.augmentation_strategy, augmentation_kwargs: run.config.augmentation_kwargs });
}

/** The val transform draws nothing; transforms still take an Rng. */
const VAL_RNG = new Rng('val-transform');

/** Val-transformed images of `rows` in order, `chunk` at a time, NHWC. */
export async function* imageChunks(rows: ImageRows, transform: ImageTransform, chunk = 256): AsyncGenerator<{ start: number; data: Float32Array; shape: [number, number, number, number] }> {
  for (let s = 0; s < rows.rows; s += chunk) {
    const e = Math.min(rows.rows, s + chunk);
    const imgs = await Promise.all(Array.from({ length: e - s }, (_, i) => rows.source.load(s + i)));
    // The val transform is deterministic; it takes no randomness.
    const stacked = stackImages(imgs.map((im) => transform(im, VAL_RNG)), rows.source.name);
    yield { start: s, ...stacked };
  }
}

/** Softmax outputs of every head (eval mode, val transform), one row-major [n × K] array per head. */
export async function imageHeadProbabilities(model: ClusteringModel, rows: ImageRows, transform: ImageTransform): Promise<Float32Array[]> {
  const k = model.nclusters;
  const out = Array.from({ length: model.nheads }, () => new Float32Array(rows.rows * k));
  for await (const b of imageChunks(rows, transform)) {
    const probs = tf.tidy(() => model.headLogits(model.backboneFeatures(tf.tensor4d(b.data, b.shape), { training: false })).map((l) => tf.softmax(l)));
    probs.forEach((p, h) => out[h].set(p.dataSync() as Float32Array, b.start * k));
    tf.dispose(probs);
  }
  return out;
}

/**
 * The backbone's features of `rows` (val transform), row-major [n × featureDim], in eval mode or —
 * `training: true` — with batch-statistics batch norm over chunks of `chunk` rows, as the heads see
 * them during training (the BN running statistics are restored afterwards; a last chunk of one row,
 * which batch norm cannot normalise, is left out).
 */
export async function backboneFeatures(model: ClusteringModel, rows: ImageRows, transform: ImageTransform, o: { training?: boolean; chunk?: number } = {}): Promise<Float32Array> {
  const training = o.training ?? false;
  const dim = model.backbone.featureDim;
  const kept = training ? model.backbone.buffers().map((b) => tf.keep(b.clone())) : [];
  const out = new Float32Array(rows.rows * dim);
  let end = 0;
  try {
    for await (const b of imageChunks(rows, transform, o.chunk ?? 256)) {
      if (training && b.shape[0] < 2) continue;
      const f = tf.tidy(() => model.backboneFeatures(tf.tensor4d(b.data, b.shape), { training }));
      out.set(f.dataSync() as Float32Array, b.start * dim);
      end = (b.start + b.shape[0]) * dim;
      f.dispose();
    }
  } finally {
    if (training) model.backbone.buffers().forEach((b, i) => b.assign(kept[i]));
    tf.dispose(kept);
  }
  // Only the last chunk can be left out, so the rows computed are a prefix.
  return out.subarray(0, end);
}

/** Embeddings of `rows` through an encoder, as a FeatureSet (what mining and purity read). */
export async function embedRows(rows: ImageRows, transform: ImageTransform, encoder: { embed(x: tf.Tensor4D): tf.Tensor2D; dim: number }, name: string): Promise<FeatureSet> {
  const dim = encoder.dim;
  const embeddings = new Float32Array(rows.rows * dim);
  for await (const b of imageChunks(rows, transform)) {
    const z = encoder.embed(tf.tensor4d(b.data, b.shape));
    embeddings.set(z.dataSync() as Float32Array, b.start * dim);
    z.dispose();
  }
  const h = createHash('sha256');
  h.update(new Uint8Array(embeddings.buffer));
  h.update(rows.ids.join('\n'));
  return {
    file: name,
    meta: { format: '1', encoder: name, dim, normalized: true, db: rows.meta.db },
    rows: rows.rows,
    dim,
    ids: rows.ids,
    paths: rows.paths,
    labels: rows.labels,
    labelled: rows.labelled,
    embeddings,
    digest: h.digest('hex').slice(0, 16),
  };
}

/**
 * Image-mode SCAN batches of one epoch (spec §7.4): NeighborsDataset order and augmentations seeded
 * per (seed, epoch, image), drop_last. Full mode: anchors and neighbours in two training-mode passes
 * (BN statistics per pass, running statistics updated), gradients through both. Head-only mode:
 * backbone in inference mode and outside the tape, heads with gradient.
 */
export async function* imageScanBatches(
  rows: ImageRows,
  table: NeighborTable,
  transform: ImageTransform,
  model: ClusteringModel,
  o: { seed: number; epoch: number; batchSize: number; headOnly: boolean; concurrency?: number },
): AsyncGenerator<ScanBatch> {
  const ds = new NeighborsDataset(rows.source, { indices: table.indices, columns: table.m }, { anchorTransform: transform, seed: o.seed, concurrency: o.concurrency });
  for await (const b of ds.batches({ batchSize: o.batchSize, shuffle: true, dropLast: true, epoch: o.epoch })) {
    if (o.headOnly) {
      const [fa, fn] = tf.tidy(() => [tf.tensor4d(b.anchor, b.shape), tf.tensor4d(b.neighbor, b.shape)].map((x) => model.backboneFeatures(x, { training: false })));
      try {
        yield { size: b.indices.length, forward: () => ({ anchors: model.headLogits(fa), neighbors: model.headLogits(fn) }) };
      } finally {
        tf.dispose([fa, fn]);
      }
    } else {
      yield {
        size: b.indices.length,
        forward: () => ({
          anchors: model.headLogits(model.backboneFeatures(tf.tensor4d(b.anchor, b.shape), { training: true })),
          neighbors: model.headLogits(model.backboneFeatures(tf.tensor4d(b.neighbor, b.shape), { training: true })),
        }),
      };
    }
  }
}
