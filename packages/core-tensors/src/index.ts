/**
 * @twindb/core-tensors — the public API. Everything another package may use is exported here;
 * nothing else is reachable from outside.
 */

// --- math: seeded random numbers, vector math, top-k -------------------------------------------
export { Rng, hashString } from './math/random.js';

// --- backend: TensorFlow.js backend selection and wasm training kernels ------------------------
export { initBackend, type BackendInfo } from './backend/init-backend.js';
export {
  BackendChoiceSchema,
  BackendOptionsSchema,
  parseBackendChoice,
  type BackendChoice,
  type BackendOptions,
} from './backend/backend-options.js';

// --- run: progress with ETA, JSON-lines logs, atomic files ------------------------------------
export { Progress, formatDuration, type ProgressOptions } from './run/progress.js';
export { RunLog, type RunEvent } from './run/run-log.js';
export { tempPathFor, writeFileAtomic } from './run/atomic-file.js';

// --- features: Arrow feature files -------------------------------------------------------------

// --- metrics: clustering metrics ---------------------------------------------------------------

// --- data: image DBs, decoding, augmentations, datasets ----------------------------------------
