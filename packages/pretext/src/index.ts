/**
 * @twindb/pretext — the public API (STEP 1: SimCLR self-supervised training).
 */

// --- SimCLR loss ---------------------------------------------------------------------------
export { simclrLoss, deinterleaveViews } from './simclr-loss.js';

// --- SimCLR training: config, contrastive model, loop, checkpoints, kNN monitoring ---------------
export {
  PretextConfigSchema,
  parsePretextConfig,
  loadPretextConfig,
  EnvConfigSchema,
  type PretextConfig,
  type EnvConfig,
  type LoadedPretextConfig,
} from './pretext-config.js';
export { ContrastiveModel, l2NormalizeRows, type ContrastiveModelOptions, type ContrastiveOutputs, type ContrastiveHeadKind } from './contrastive-model.js';
export { MlpHead } from './contrastive-head.js';
export { simclrStep, type ViewBatch } from './simclr-step.js';
export { gradCacheStep, gradCacheGradients, type CachedGradients } from './grad-cache-step.js';
export {
  trainSimclr,
  RUN_FILES,
  PRETEXT_RUN_FILES,
  type TrainSimclrOptions,
  type TrainSimclrResult,
  type EpochRecord,
} from './train-simclr.js';
export type { KnnReport } from './knn/knn-monitor.js';
export { NonFiniteLossError } from './non-finite-loss-error.js';
export { trainingIdentity } from './config-identity.js';
export { unionSources } from './data/union-source.js';
export { knnAccuracy, type KnnAccuracy, type KnnAccuracyInput } from './knn/knn-accuracy.js';
export { extractFeatures, type ExtractedFeatures } from './knn/extract-features.js';

// --- the step: options, entry, summary ---------------------------------------------------------
export { PretextOptionsSchema, runPretext, pretextRunDir, type PretextOptionsInput, type PretextSummary } from './run-pretext.js';
