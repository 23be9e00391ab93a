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
export { createImageU8, toChannels, toFloat01, luma, lumaPlane } from './data/image.js';
export type { ImageU8, ImageF32 } from './data/image.js';
export { DbSpecSchema, DB_SOURCE_KINDS, parseDbSpec, formatDbSpec } from './data/spec/db-spec.js';
export type { DbSpec, DbSpecInput, DbSourceKind } from './data/spec/db-spec.js';
export { parseClassList, formatClassList } from './data/spec/class-filter.js';
export type { ClassSelector } from './data/spec/class-filter.js';
export type { ImageRecord, ImageSource, ImageFormat } from './data/sources/image-source.js';
export { openImageSource } from './data/sources/open-image-source.js';
export type { OpenSourceOptions } from './data/sources/open-image-source.js';
export { selectRecords, subsetSource } from './data/sources/subset-source.js';
export type { Selection } from './data/sources/subset-source.js';
export { openFolderSource, IMAGE_EXTENSIONS } from './data/sources/folder-source.js';
export { openListFileSource } from './data/sources/list-file-source.js';
export { openMnistSource, loadMnistDigits, mnistSplitIndices, MNIST_SIZE, MNIST_POOL_SIZE, MNIST_MEAN, MNIST_STD } from './data/sources/mnist-source.js';
export { openCifarSource } from './data/sources/cifar-source.js';
export type { CifarVariant } from './data/sources/cifar-source.js';
export { CIFAR100_TO_20, CIFAR20_CLASS_NAMES } from './data/sources/cifar100-superclasses.js';
export { openStl10Source } from './data/sources/stl10-source.js';
export type { Stl10Split } from './data/sources/stl10-source.js';
export { decodeImageFile, decodeImageBuffer } from './data/decode/decode-image-file.js';
export { fitImage } from './data/decode/fit-image.js';
export { ImageReadError } from './data/decode/image-read-error.js';
export { decodeStream, defaultDecodeConcurrency } from './data/decode/decode-stream.js';
export type { DecodedImage, DecodeStreamOptions } from './data/decode/decode-stream.js';
export { RejectedImages } from './data/decode/rejected-images.js';
export type { RejectedImage } from './data/decode/rejected-images.js';
