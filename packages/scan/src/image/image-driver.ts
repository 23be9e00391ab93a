import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputDataError, Rng, writeFileAtomic } from '@twindb/core-tensors';
import type { SafetensorsEntry } from '@twindb/core-tensors/nn';
import type { ClusteringModel } from '../clustering-model.js';
import type { FeatureSet } from '../frozen/feature-set.js';
import { frozenScanBatches } from '../frozen/frozen-batches.js';
import { loadFrozenInputs, type FrozenInputs } from '../frozen/frozen-inputs.js';
import type { ScanConfig } from '../scan-config.js';
import type { ScanDriver } from '../scan-driver.js';
import { backboneFeatures, embedRows, imageHeadProbabilities, imageScanBatches, openImageInputs, trainingTransformOf, type ImageInputs, type ImageRows } from './image-data.js';
import type { ImageTransform } from '@twindb/core-tensors/data';
import { classifierToOnnx, createClusteringModel, loadPretextBackbone, pretextEncoder, writeClusterModel, type ImageSpec } from './image-model.js';
import { readPretextRun, type PretextRun } from './pretext-run.js';

export interface ImageScanInputs {
  pretext: string;
  /** Mining features of train_db (else computed with the pretext model, eval mode, val transform). */
  features?: string;
  valFeatures?: string;
  log: (line: string) => void;
}

/**
 * Image-mode SCAN (spec §7.4): ClusteringModel(backbone + `num_heads` linear heads) whose backbone
 * comes from the pretext run (§4.8), trained on anchors and neighbours both augmented with the
 * config's strategy; `update_cluster_head_only` freezes the backbone (eval mode, outside the tape).
 */
export async function imageScanDriver(x: ImageScanInputs, c: ScanConfig): Promise<ScanDriver> {
  const run = readPretextRun(x.pretext, c.backbone);
  const inputs = await openImageInputs(c, run, x.log);
  const transform = trainingTransformOf(c, run);
  const mining = await miningFeatures(x, run, inputs);
  const headOnly = c.update_cluster_head_only;
  const model = createClusteringModel(run, c.num_classes, c.num_heads, new Rng(`scan:init:${c.seed}`), { featureNorm: c.standardize_features });
  const report = loadPretextBackbone(model, run);
  x.log(`weights: backbone ${report.loaded.length} tensors from ${run.dir}/model.safetensors (contrastive head left out; ${c.num_heads} fresh head(s))`);
  let fixedFeatures: Float32Array | undefined;
  if (model.featureNorm) {
    // Fixed statistics of the pretext backbone's features as the heads will see them in training:
    // batch-statistics BN over batches when the backbone trains, eval mode when it is frozen. (Eval
    // mode for both failed on a backbone whose BN running statistics are still the init's 0/1: its
    // training-mode features sat far outside the fitted range and the heads collapsed at once.)
    // Deterministic, so a resumed run computes the same values before loading its checkpoint.
    fixedFeatures = await backboneFeatures(model, inputs.train, inputs.valTransform, { training: !headOnly, chunk: c.batch_size });
    model.featureNorm.fit(fixedFeatures);
    x.log(`heads see standardised backbone features (standardize_features: true; statistics of the pretext backbone on ${inputs.train.meta.db}, ${headOnly ? 'eval' : 'training'}-mode batch norm)`);
  }
  const spec = imageSpecOf(run, inputs);
  const warmup = c.head_warmup_epochs > 0 ? headWarmup(model, inputs.train, inputs.valTransform, c, fixedFeatures) : undefined;
  const rows = (w: 'train' | 'val') => (w === 'train' ? inputs.train : inputs.val);
  return {
    mode: `images, ${headOnly ? 'heads only' : 'backbone fine-tuned'}`,
    trainName: `train_db ${inputs.train.meta.db}`,
    train: inputs.train,
    val: inputs.val,
    sameVal: inputs.sameVal,
    mining,
    model,
    parameters: () => (headOnly ? model.clusterHead.parameters() : model.parameters()),
    identity: {
      pretext: { digest: run.digest },
      trainDb: inputs.train.meta.db,
      mining: { digest: mining.train.digest, rows: mining.train.rows },
      valDb: inputs.sameVal ? 'train_db' : { db: inputs.val.meta.db, digest: mining.val.digest },
    },
    startInfo: { pretext: run.dir, trainDb: inputs.train.meta.db, valDb: inputs.val.meta.db, miningFeatures: mining.train.file, parameters: model.numParameters() },
    describe: `${c.backbone} + ${c.num_heads} head(s) →${c.num_classes} (${model.numParameters().toLocaleString('en')} parameters${headOnly ? ', heads only' : ''})`,
    ...(warmup ? { warmup: await warmup } : {}),
    batches: (nb, epoch) => imageScanBatches(inputs.train, nb, transform, model, { seed: c.seed, epoch, batchSize: c.batch_size, headOnly, concurrency: c.num_workers }),
    probabilities: (w) => imageHeadProbabilities(model, rows(w), inputs.valTransform),
    sizesOn: 'val',
    extras: () => new Map<string, SafetensorsEntry>(),
    restoreExtras: () => undefined,
    writeModel: async (out, head, metadata) => {
      const file = path.join(out, 'model.safetensors');
      const onnx = path.join(out, 'classifier.onnx');
      const meta = { ...metadata, pretext: run.dir, db: inputs.train.meta.db };
      await writeClusterModel(file, model, head, spec, meta);
      await writeFileAtomic(onnx, classifierToOnnx(model, head, spec, { 'twindb.config_hash': metadata.config_hash ?? '' }));
      return { model: file, classifierOnnx: onnx };
    },
    dispose: () => model.dispose(),
  };
}

/**
 * `head_warmup_epochs`: heads-only SCAN on fixed backbone features before image training. The
 * features are the ones the standardisation was fitted on (training-mode BN over batches, val
 * transform), else eval-mode ones; standardised once here, so a warm-up step is a frozen-mode step.
 * Why: with random heads, the backbone (Adam 3e-3) drifts before the heads find the classes, and on
 * digits 0–4 one seed in three settled on a partition at 0.80 heldout ACC; heads that start from a
 * clustering of the pretext features give the backbone a sensible target from step one.
 */
async function headWarmup(model: ClusteringModel, rows: ImageRows, transform: ImageTransform, c: ScanConfig, fitted: Float32Array | undefined): Promise<NonNullable<ScanDriver['warmup']>> {
  const raw = fitted ?? (await backboneFeatures(model, rows, transform));
  const x = tf.tidy(() => model.headInput(tf.tensor2d(raw, [raw.length / model.backbone.featureDim, model.backbone.featureDim])).dataSync() as Float32Array);
  const dim = model.backbone.featureDim;
  return {
    batches: (nb, epoch) => frozenScanBatches(x, dim, nb, c.batch_size, new Rng(`scan:warmup:${c.seed}:${epoch}`), model.clusterHead),
    parameters: () => model.clusterHead.parameters(),
  };
}

/** The image pipeline of a run: what model.safetensors and classifier.onnx record. */
export function imageSpecOf(run: PretextRun, inputs: ImageInputs): ImageSpec {
  const crop = inputs.transformationKwargs.crop_size;
  return {
    backbone: run.backbone,
    ...(run.variant ? { variant: run.variant } : {}),
    inChannels: run.inChannels,
    inputShape: [crop, crop, run.inChannels],
    normalize: inputs.transformationKwargs.normalize,
    ...(typeof run.format.size === 'number' ? { imageSize: run.format.size } : {}),
  };
}

/**
 * The embeddings neighbours are mined on (spec §7.4/§8: the L2-normalised SimCLR head output):
 * the given feature files, whose ids must be the DBs' in order, else computed with the pretext
 * model in eval mode on val-transformed images.
 */
export async function miningFeatures(x: ImageScanInputs, run: PretextRun, inputs: ImageInputs): Promise<FrozenInputs> {
  if (x.features !== undefined) {
    const given = await loadFrozenInputs(x.features, inputs.sameVal ? undefined : x.valFeatures);
    checkRows(given.train, inputs.train, 'features');
    if (!inputs.sameVal && x.valFeatures !== undefined) {
      checkRows(given.val, inputs.val, 'valFeatures');
      return given;
    }
    if (inputs.sameVal) return given;
    return { train: given.train, val: await computed(run, inputs.val, inputs, 'val'), sameVal: false };
  }
  const train = await computed(run, inputs.train, inputs, 'train');
  return { train, val: inputs.sameVal ? train : await computed(run, inputs.val, inputs, 'val'), sameVal: inputs.sameVal };
}

async function computed(run: PretextRun, rows: ImageRows, inputs: ImageInputs, what: string): Promise<FeatureSet> {
  const enc = pretextEncoder(run);
  try {
    return await embedRows(rows, inputs.valTransform, enc, `${run.dir} (pretext model, ${what})`);
  } finally {
    enc.dispose();
  }
}

function checkRows(f: FeatureSet, rows: ImageRows, key: string): void {
  const same = f.rows === rows.rows && f.ids.every((id, i) => id === rows.ids[i]);
  if (!same) throw new InputDataError(`${key}: ${f.file} does not hold the rows of ${rows.meta.db} in order (${f.rows} rows vs ${rows.rows}); extract it from that DB, or leave it out to embed the images with the pretext model`);
}
