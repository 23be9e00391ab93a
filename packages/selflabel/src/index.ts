/**
 * @twindb/selflabel — STEP 3: self-labelling (frozen-feature or image mode): the SCAN head (and backbone) fine-tuned on its
 * own confident predictions with the confidence-thresholded cross-entropy.
 */
export { confidenceMask, confidenceCrossEntropy, type ConfidenceMask } from './confidence-ce.js';
export { SelflabelConfigSchema, parseSelflabelConfig, loadSelflabelConfig, type SelflabelConfig, type SelflabelConfigInput } from './selflabel-config.js';
export { SelflabelOptionsSchema, parseSelflabelOptions, type SelflabelOptions, type SelflabelOptionsInput } from './selflabel-options.js';
export {
  runSelflabel,
  headCriterion,
  SELFLABEL_CHECKPOINT_FORMAT,
  type SelflabelResult,
  type SelflabelSummary,
  type SelflabelEpochRecord,
  type HeadCriterion,
} from './run-selflabel.js';
export { type SelflabelDriver, type SelflabelBatch } from './selflabel-driver.js';
