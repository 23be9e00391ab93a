export { entropy, ENTROPY_EPS } from './entropy.js';
export { scanLoss, BCE_LOG_FLOOR, type ScanLossTerms } from './scan-loss.js';
export { scanEvaluate, type HeadScore, type ScanEvaluation } from './scan-evaluate.js';
export { mineNearestNeighbors, neighborAccuracy } from './mine-neighbors.js';
export { ClusteringModel, ClusterHeads, type ClusteringModelOptions } from './clustering-model.js';

// --- STEP 2 driver (frozen-feature mode) and what selflabel / image mode reuse -------------------
export { ScanConfigSchema, parseScanConfig, loadScanConfig, scanTrainingKeys, type ScanConfig, type ScanConfigInput } from './scan-config.js';
export { ScanOptionsSchema, parseScanOptions, type ScanOptions, type ScanOptionsInput } from './scan-options.js';
export {
  runScan,
  SCAN_FILES,
  SCAN_CHECKPOINT_FORMAT,
  collapseMessage,
  metricsOf,
  writeStepOutputs,
  type ScanResult,
  type ScanSummary,
  type ScanEpochRecord,
  type ClusterMetrics,
} from './run-scan.js';
export { scanTrainEpoch, NonFiniteScanLossError, type ScanBatch, type ScanEpochStats, type ScanEpochOptions } from './scan-epoch.js';
export { frozenScanBatches, headProbabilities, argmaxRows, clusterSizes } from './frozen/frozen-batches.js';
export { loadFeatureSet, computeStandardization, applyStandardization, type FeatureSet, type Standardization } from './frozen/feature-set.js';
export { loadFrozenInputs, valNeighborTable, ensureBackend, type FrozenInputs } from './frozen/frozen-inputs.js';
export { mineNeighborTable, narrowNeighborTable, writeNeighborsArrow, readNeighborsArrow, type NeighborTable } from './frozen/neighbor-table.js';
export { evaluateAgainstLabels, type LabelEvaluation } from './eval-labels.js';
export { writePredictions, writeConfusion, type PredictionRows } from './io/write-results.js';
export { writeHeadModel, readHeadModel, HEAD_MODEL_FORMAT, type HeadModel } from './io/head-model.js';
export {
  saveHeadCheckpoint,
  readHeadCheckpoint,
  restoreHeadCheckpoint,
  checkpointExtras,
  snapshotState,
  type HeadCheckpointInfo,
  type LoadedHeadCheckpoint,
} from './io/head-checkpoint.js';

// --- image mode (backbone from a pretext run + heads, on augmented images); selflabel reuses it ----
export { type ScanDriver, type StepRows } from './scan-driver.js';
export { readPretextRun, type PretextRun } from './image/pretext-run.js';
export {
  createClusteringModel,
  loadPretextBackbone,
  pretextEncoder,
  classifierToOnnx,
  classifierProbabilities,
  writeClusterModel,
  readClusterModel,
  modelFormat,
  CLUSTER_MODEL_FORMAT,
  CLASSIFIER_INPUT,
  CLASSIFIER_OUTPUT,
  type ImageSpec,
  type ClusterModelFile,
} from './image/image-model.js';
export { openImageInputs, rowsOf, trainingTransformOf, imageHeadProbabilities, imageChunks, embedRows, imageScanBatches, type ImageRows, type ImageInputs, type ImageStepConfig } from './image/image-data.js';
export { imageSpecOf } from './image/image-driver.js';
export { writePrototypeGrid, writeRunPrototypes, type PrototypeGridInput } from './io/prototype-grid.js';
export { readPredictions, type PredictionsFile } from './io/read-predictions.js';
export { openRunFolder, claimStepFolder, stepRunFiles, readResumableCheckpoint, type RunFolder, type OpenRunFolderOptions, type StepFolderInputs, type StepName } from './io/run-folder.js';
