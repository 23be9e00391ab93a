import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputDataError, Rng, UsageError, writeFileAtomic } from '@twindb/core-tensors';
import { AugmentedDataset, cutout, openImageSource, trainTransform, valTransform, type ImageTransform } from '@twindb/core-tensors/data';
import { loadState } from '@twindb/core-tensors/nn';
import {
  classifierToOnnx,
  createClusteringModel,
  imageHeadProbabilities,
  narrowNeighborTable,
  readClusterModel,
  readNeighborsArrow,
  rowsOf,
  SCAN_FILES,
  writeClusterModel,
  type ImageRows,
  type NeighborTable,
} from '@twindb/scan';
import type { SelflabelConfig } from './selflabel-config.js';
import type { SelflabelBatch, SelflabelDriver } from './selflabel-driver.js';

/**
 * Image-mode self-labelling (spec §7.5): the SCAN run's backbone + kept head (its
 * model.safetensors), trained on AugmentedDataset pairs: weak = the val transform, forwarded in
 * training mode outside the tape (BN batch statistics, running statistics updated, as the
 * reference); strong = the config's augmentation (plus Cutout when `augmentation_kwargs.cutout_kwargs`
 * is given) inside the tape. The backbone is fine-tuned unless update_cluster_head_only.
 */
export async function imageSelflabelDriver(x: { scanModelPath: string; scanDir: string; valNeighbors: number; log: (l: string) => void }, c: SelflabelConfig): Promise<SelflabelDriver> {
  const file = await readClusterModel(x.scanModelPath, 'scan');
  const spec = file.spec;
  const K = c.num_classes;
  if (spec.backbone !== c.backbone) throw new UsageError(`backbone "${c.backbone}" of the config differs from backbone "${spec.backbone}" of the SCAN model ${x.scanModelPath}`);
  if (file.numClasses !== K) throw new UsageError(`num_classes ${K} differs from the ${file.numClasses} clusters of the SCAN model ${x.scanModelPath}`);
  const format = { channels: spec.inChannels as 1 | 3, ...(spec.imageSize ? { size: spec.imageSize, fit: 'crop' as const } : {}) };
  const train = rowsOf(await openImageSource(c.train_db, { format, warn: x.log }));
  const sameVal = c.val_db === undefined;
  const val = sameVal ? train : rowsOf(await openImageSource(c.val_db, { format, warn: x.log }));
  const valNb = await scanValNeighbors(x.scanDir, val, sameVal, x.valNeighbors);
  const weak = valTransform((c.transformation_kwargs as never) ?? { crop_size: spec.inputShape[0], normalize: spec.normalize });
  const strong = strongTransformOf(c);
  // The SCAN model's feature standardisation (fixed statistics) comes along with its head.
  const model = createClusteringModel(spec, K, 1, new Rng(`selflabel:init:${c.seed}`), { featureNorm: file.featureNorm });
  const loadScan = () => loadState(model, file.tensors, { source: x.scanModelPath });
  loadScan();
  const dataset = new AugmentedDataset(train.source, { transform: { standard: weak, augment: strong }, seed: c.seed, concurrency: c.num_workers });
  const headOnly = c.update_cluster_head_only;
  async function* batches(epoch: number): AsyncGenerator<SelflabelBatch> {
    // reuseBuffers: the consumer runs both closures (tensor copies) before it asks for the next batch.
    for await (const b of dataset.batches({ batchSize: c.batch_size, shuffle: true, dropLast: true, epoch, reuseBuffers: true })) {
      yield {
        size: b.indices.length,
        weakProbs: () => tf.tidy(() => tf.softmax(model.headLogits(model.backboneFeatures(tf.tensor4d(b.image, b.shape), { training: !headOnly }))[0]).dataSync() as Float32Array),
        strongLogits: () => model.headLogits(model.backboneFeatures(tf.tensor4d(b.augmented, b.shape), { training: !headOnly }))[0],
      };
    }
  }
  const rows = (w: 'train' | 'val'): ImageRows => (w === 'train' ? train : val);
  return {
    mode: `images, ${headOnly ? 'heads only' : 'backbone fine-tuned'}`,
    trainName: `train_db ${train.meta.db}`,
    train,
    val,
    sameVal,
    valNb,
    model,
    parameters: () => (headOnly ? model.clusterHead.parameters() : model.parameters()),
    buffers: () => model.buffers(),
    identity: { scanModel: file.metadata.config_hash ?? '', scanHead: Array.from(file.tensors.get('cluster_head.0.bias')!.data.slice(0, 4)), trainDb: train.meta.db },
    startInfo: { trainDb: train.meta.db, valDb: val.meta.db, scanModel: x.scanModelPath, parameters: model.numParameters() },
    describe: `${spec.backbone} + head →${K} from ${x.scanModelPath} (${model.numParameters().toLocaleString('en')} parameters${headOnly ? ', heads only' : ''})`,
    batches,
    probabilities: async (w) => (await imageHeadProbabilities(model, rows(w), weak))[0],
    loadScan,
    writeModel: async (out, metadata) => {
      const f = path.join(out, 'model.safetensors');
      const onnx = path.join(out, 'classifier.onnx');
      await writeClusterModel(f, model, 0, spec, { ...metadata, db: train.meta.db });
      await writeFileAtomic(onnx, classifierToOnnx(model, 0, spec, { 'twindb.config_hash': metadata.config_hash ?? '' }));
      return { model: f, classifierOnnx: onnx };
    },
    dispose: () => model.dispose(),
  };
}

/** The strong view: the config's augmentation, then Cutout when `augmentation_kwargs.cutout_kwargs` is set for a strategy without its own (digits). */
function strongTransformOf(c: SelflabelConfig): ImageTransform {
  if (c.augmentation_strategy === undefined) throw new UsageError('augmentation_strategy: missing (image mode needs the strong view, e.g. ours or digits)');
  const t = trainTransform({ augmentation_strategy: c.augmentation_strategy, augmentation_kwargs: c.augmentation_kwargs });
  const ck = (c.augmentation_kwargs?.cutout_kwargs ?? undefined) as { n_holes: number; length: number } | undefined;
  if (c.augmentation_strategy === 'ours' || ck === undefined) return t;
  const p = { nHoles: ck.n_holes, length: ck.length };
  return (img, rng) => cutout(t(img, rng), p, rng);
}

/** The SCAN run's val neighbours (neighbors-val.arrow, else neighbors.arrow when val = train), first valNeighbors + 1 columns. */
async function scanValNeighbors(scanDir: string, val: ImageRows, sameVal: boolean, k: number): Promise<NeighborTable> {
  const candidates = [path.join(scanDir, SCAN_FILES.valNeighbors), path.join(scanDir, SCAN_FILES.neighbors)];
  for (const f of sameVal ? candidates.slice(1) : candidates) {
    if (!existsSync(f)) continue;
    const { table, ids } = await readNeighborsArrow(f);
    if (ids.length !== val.rows || ids.some((id, i) => id !== val.ids[i])) continue;
    if (table.m < k + 1) throw new InputDataError(`scan: ${f} has ${table.m - 1} neighbours per row; valNeighbors ${k} needs ${k + 1} columns`);
    return narrowNeighborTable(table, k + 1);
  }
  throw new InputDataError(`scan: ${scanDir} holds no neighbours file for the val DB ${val.meta.db} (neighbors-val.arrow / neighbors.arrow with its rows); self-label it with the val_db the SCAN run used`);
}
