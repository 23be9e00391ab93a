/**
 * @twindb/core-tensors — the lean root: Arrow feature files, runs (progress, logs, atomic files,
 * the step contract), errors, math and metrics. Importing it never loads tfjs, ONNX Runtime or
 * sharp; those live behind the subpath entry points `/backend`, `/nn`, `/data` and `/onnx`.
 */

// --- errors: one base class with a code (= the CLI's exit code), one zod-issue formatter -------
export { TwindbError, UsageError, InputDataError, OutputPathError, GuardError, exitCodeOf, EXIT_CODES, type TwindbErrorCode } from './errors/twindb-error.js';
export { formatZodIssues, type IssueKeyNamer } from './errors/format-zod-issues.js';

// --- math: seeded random numbers, vector math, top-k -------------------------------------------
export { Rng, hashString } from './math/random.js';
export { l2Normalize, type L2NormalizeOptions } from './math/l2-normalize.js';
export { dot } from './math/dot.js';
export { cosineDistance } from './math/cosine-distance.js';
export { topKCosine, type TopKCosineOptions, type TopKResult } from './math/top-k-cosine.js';
export { resolveTopKEngine, TOP_K_ENGINES, topKCosineFast, type TopKCosineFastOptions, type TopKEngine } from './math/top-k-cosine-fast.js';
export { mergeTopK, type TopKPart } from './math/merge-top-k.js';

// --- run: progress with ETA, JSON-lines logs, atomic files ------------------------------------
export { Progress, formatDuration, type ProgressOptions } from './run/progress.js';
export { Terminal, isWarning, type Verbosity, type TerminalOptions, type TerminalStream } from './run/terminal.js';
export { RunLog, type RunEvent } from './run/run-log.js';
export { writeFileAtomic, writeStdout } from './run/atomic-file.js';
// --- run: data safety (output paths, ownership of output folders, temp files, signals, hashes) --
export { planOutputFile, type OutputTarget, type OutputPathOptions } from './run/output-path.js';
export {
  checkOutputFolder,
  claimRunFolder,
  recordRunFiles,
  removeOwnedOutput,
  readRunManifest,
  writeRunManifest,
  isInside,
  RUN_MANIFEST,
  TWINDB_VERSION,
  RunManifestSchema,
  type RunManifest,
  type OutputFolderCheck,
  type OutputFolderOptions,
  type RunFolderOptions,
  type ClaimedRunFolder,
} from './run/output-manifest.js';
export {
  tempPathFor,
  parseTempName,
  isPidAlive,
  trackTemp,
  untrackTemp,
  liveTemps,
  removeLiveTemps,
  removeStaleTemps,
  logRemovedTemps,
  removeTempsOnExit,
} from './run/temp-files.js';
export { installSignalCleanup, SIGNAL_EXIT_CODES, type SignalCleanupOptions } from './run/signal-cleanup.js';
export { sha256File } from './run/file-hash.js';
export { shardFromEnv, SHARD_ENV, type EnvShard } from './run/shard-from-env.js';
export { MALLOC_TUNING_ENV, mallocTuning, mallocTuningPrefix, type MallocTuningState } from './run/malloc-tuning.js';
export { stepContext, type StepContext } from './run/step-context.js';
export { flattenIdentity, identityHash, identityChanges } from './run/config-identity.js';
export { readYamlFile, parseConfigWith } from './run/config-file.js';

// --- features: Arrow feature files -------------------------------------------------------------
export {
  FeatureMetadataSchema,
  FeatureMetadataCodec,
  FEATURE_FORMAT_VERSION,
  FEATURE_METADATA_KEYS,
  type FeatureMetadata,
} from './features/feature-metadata.js';
export { featureSchema, FEATURE_COLUMNS, ANNOTATION_COLUMNS, type FeatureSchemaOptions } from './features/feature-schema.js';
export { formatCsvField, parseCsvLine } from './features/csv-line.js';
export { FeatureFileError } from './features/feature-file-error.js';
export type { FeatureBatch } from './features/feature-batch.js';
export {
  FeatureWriter,
  DEFAULT_BATCH_ROWS,
  type FeatureMetadataInput,
  type FeatureWriterOptions,
  type FeatureRow,
  type FeatureRowBatch,
} from './features/feature-writer.js';
export { ChunkSink } from './features/chunk-sink.js';
export {
  openFeatureFile,
  readFeatureBatches,
  type FeatureFileInfo,
  type ReadFeatureOptions,
} from './features/feature-reader.js';
export {
  loadFeatures,
  LOAD_FEATURES_MAX_BYTES,
  type LoadFeaturesOptions,
  type LoadedFeatures,
} from './features/load-features.js';
export {
  exportFeaturesCsv,
  importFeaturesCsv,
  type ExportFeaturesCsvOptions,
  type ImportFeaturesCsvOptions,
} from './features/features-csv.js';

// --- metrics: clustering metrics ---------------------------------------------------------------
export type { Labels } from './metrics/labels.js';
export { confusionMatrix } from './metrics/confusion-matrix.js';
export { hungarianMatch, type HungarianMatch } from './metrics/hungarian-match.js';
export { clusteringAccuracy } from './metrics/clustering-accuracy.js';
export { manyToOneAccuracy, majorityVoteMapping } from './metrics/many-to-one-accuracy.js';
export { nmi } from './metrics/nmi.js';
export { ari } from './metrics/ari.js';
export { topKAccuracy } from './metrics/top-k-accuracy.js';
export { classHistogram } from './metrics/class-histogram.js';
export { totalVariation } from './metrics/total-variation.js';
export {
  evaluateClustering,
  type ClusteringEvaluation,
  type EvaluateClusteringOptions,
} from './metrics/evaluate-clustering.js';

