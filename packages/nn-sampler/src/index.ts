/**
 * @twindb/nn-sampler — STEP 1-2: build the new training DB whose distribution matches the target DB
 * from each target's nearest pool neighbours, and prove it (report metrics).
 * Importing it loads neither tfjs nor ONNX Runtime; an exact search loads tfjs when it runs.
 */

// --- the step: options, entry, result ---------------------------------------------------------
export { SampleOptionsSchema, parseSampleOptions, type SampleOptions, type SampleOptionsInput } from './options.js';
export { runSample, SampleGuardError, type SampleResult } from './run-sample.js';
export { NN_MAKER_DEFAULTS } from './options.js';
export { encodeNpyInt64, readNpyInt } from './seed/npy.js';
export type { UncoveredTarget } from './phases/report-match.js';
// a sharded exact search: one --pool-shard run per part of the pool, then runSample with `merge`
export { runPartialSearch, type PartialSearchResult } from './partial/run-partial-search.js';
export { PoolShardSchema, parsePoolShard, poolShardRange, type PoolShard } from './partial/pool-shard.js';
export { openPartialFile, type PartialFile, type PartialHeader } from './partial/partial-file.js';
// report.json: its zod schema (the source of its types and of report.schema.json) and those types
export {
  SampleReportSchema,
  MatchReportSchema,
  FeatureMatchSchema,
  ClassMixSchema,
  DistanceHistogramSchema,
  AnnotationMatchSchema,
  reportJsonSchema,
  type SampleReport,
  type MatchReport,
  type FeatureMatch,
  type ClassMix,
  type AnnotationMatch,
  type FieldMix,
  type ObjectMix,
  type TvToTarget,
  type DistanceHistogram,
} from './report/report-schema.js';
export type { PerSet, RowAnnotation } from './report/annotation-mix.js';
export type { Selection, SelectionMode } from './select/selection.js';
export { formatSummary } from './report/format-summary.js';

// --- in-memory inputs (embeddings that never touched a file) ---------------------------------
export { memoryFeatureSource, type FeatureSource } from './search/feature-source.js';

// --- the neighbour search on its own (benchmarks, other tools) --------------------------------
export { ExactSearch, type PoolBlock, type ExactEngine } from './search/exact-search.js';
export { HnswSearch, type HnswParams, type HnswShardStats } from './search/hnsw-search.js';
export { chooseIndex } from './search/index-choice.js';
export { normalizeRows, type EmbeddingMatrix } from './embedding-matrix.js';
export type { NeighborLists } from './search/neighbor-lists.js';

// --- the raw-pixel MNIST demo (`twindb demo --quick`) -------------------------------------------
export { runMnistPixelDemo } from './demo/mnist-pixel-demo.js';
