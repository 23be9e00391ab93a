export { entropy, ENTROPY_EPS } from './entropy.js';
export { scanLoss, BCE_LOG_FLOOR, type ScanLossTerms } from './scan-loss.js';
export { scanEvaluate, type HeadScore, type ScanEvaluation } from './scan-evaluate.js';
export { mineNearestNeighbors, neighborAccuracy } from './mine-neighbors.js';
export { ClusteringModel, ClusterHeads, type ClusteringModelOptions } from './clustering-model.js';
