/**
 * @twindb/nn-sampler — STEP 1-2: build the new training DB whose distribution matches the target DB
 * from each target's nearest pool neighbours, and prove it (report metrics).
 */
export { sampleTwinDb, type SampleResult } from './sample-twin-db.js';
export { SampleOptionsSchema, parseSampleOptions, type SampleOptions, type SampleOptionsInput } from './options.js';
export { memoryFeatureSource, type FeatureSource } from './search/feature-source.js';
export { embeddingMatrix, normalizeRows, takeRows, concatRows, type EmbeddingMatrix } from './embedding-matrix.js';
export { ExactSearch, type PoolBlock, type ExactEngine } from './search/exact-search.js';
export { HnswSearch, type HnswParams, type HnswShardStats } from './search/hnsw-search.js';
export { chooseIndex } from './search/index-choice.js';
export { clipNeighborLists, truncateNeighborLists, emptyNeighborLists, listLength, type NeighborLists } from './search/neighbor-lists.js';
export { unionSelection } from './select/union-selection.js';
export { quotaSelection, type QuotaOptions } from './select/quota-selection.js';
export { matchSelection, type MatchOptions } from './select/match-selection.js';
export { adaptiveRadius } from './select/adaptive-radius.js';
export { dedupSelection } from './select/dedup-selection.js';
export { codebookDensityRatio, type CodebookDensityRatio } from './select/density-ratio.js';
export { coveredCount, type Selection, type SelectionMode } from './select/selection.js';
export { sphericalKMeans, nearestCentroid, type KMeansResult } from './cluster/spherical-kmeans.js';
export { classMix, type ClassMix } from './report/class-mix.js';
export { rbfMmd2, medianSqDistance } from './report/rbf-mmd.js';
export { frechetDistance, fitProjection } from './report/frechet-distance.js';
export { knnPrecisionRecall } from './report/knn-precision-recall.js';
export { klReduction } from './report/kl-reduction.js';
export { distanceHistogram, type DistanceHistogram } from './report/distance-histogram.js';
export type { MatchReport, FeatureMatch } from './report/build-report.js';
export { runMnistPixelDemo } from './demo/mnist-pixel-demo.js';
export { formatSummary } from './report/format-summary.js';
