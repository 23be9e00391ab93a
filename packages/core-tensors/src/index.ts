/**
 * @twindb/core-tensors — the public API. Everything another package may use is exported here;
 * nothing else is reachable from outside.
 */

// --- math: seeded random numbers, vector math, top-k -------------------------------------------
export { Rng, hashString } from './math/random.js';

// --- backend: TensorFlow.js backend selection and wasm training kernels ------------------------

// --- features: Arrow feature files -------------------------------------------------------------

// --- metrics: clustering metrics ---------------------------------------------------------------

// --- data: image DBs, decoding, augmentations, datasets ----------------------------------------
