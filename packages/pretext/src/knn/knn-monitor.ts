import {
  openImageSource,
  valTransform,
  type ImageFormat,
  type ImageSource,
} from '@twindb/core-tensors/data';
import type { ContrastiveModel } from '../contrastive-model.js';
import type { PretextConfig } from '../pretext-config.js';
import { extractFeatures } from './extract-features.js';
import { type KnnAccuracy, knnAccuracy } from './knn-accuracy.js';

/** kNN accuracy on both the normalised head output (the reference's monitor) and the backbone features. */
export interface KnnReport {
  head: KnnAccuracy;
  backbone: KnnAccuracy;
  seconds: number;
}

export interface Monitor {
  evaluate(model: ContrastiveModel): Promise<KnnReport>;
}

/** kNN monitoring of val_db against the training DB (val transform, eval mode), when both have labels. */
export async function openMonitor(c: PretextConfig, trainSource: ImageSource, format: ImageFormat, log: (line: string) => void): Promise<Monitor | undefined> {
  if (!c.val_db || c.knn.every === 0) return undefined;
  const valSource = await openImageSource(c.val_db, { format, warn: log });
  const labelled = (s: ImageSource) => s.records.some((r) => r.label !== undefined && r.label >= 0);
  if (!labelled(valSource) || !labelled(trainSource)) {
    log(`kNN monitoring off: ${!labelled(valSource) ? `val_db ${valSource.name}` : `train_db ${trainSource.name}`} has no labels`);
    return undefined;
  }
  if (valSource.classNames && trainSource.classNames && JSON.stringify(valSource.classNames) !== JSON.stringify(trainSource.classNames)) {
    log(`kNN monitoring off: val_db ${valSource.name} and train_db ${trainSource.name} name their classes differently`);
    return undefined;
  }
  const transform = valTransform(c.transformation_kwargs);
  const temperature = c.criterion_kwargs.temperature;
  return {
    async evaluate(model) {
      const t0 = performance.now();
      const opts = { batchSize: c.batch_size, concurrency: c.num_workers };
      const bank = await extractFeatures(model, trainSource, transform, opts);
      const val = await extractFeatures(model, valSource, transform, opts);
      const score = (b: Float32Array, q: Float32Array, dim: number) =>
        knnAccuracy({ bank: b, bankLabels: bank.labels, queries: q, queryLabels: val.labels, dim, k: c.knn.k, temperature });
      return {
        head: await score(bank.features, val.features, model.featuresDim),
        backbone: await score(bank.backbone, val.backbone, model.backbone.featureDim),
        seconds: (performance.now() - t0) / 1000,
      };
    },
  };
}

export function formatKnn(r: KnnReport): string {
  return `head ${r.head.weighted.toFixed(4)} (majority ${r.head.majority.toFixed(4)}), backbone ${r.backbone.weighted.toFixed(4)} [${r.head.k}-NN, ${r.seconds.toFixed(1)} s]`;
}

