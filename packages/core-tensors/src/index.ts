/**
 * @twindb/core-tensors — the public API. Everything another package may use is exported here;
 * nothing else is reachable from outside.
 */

// --- math: seeded random numbers, vector math, top-k -------------------------------------------
export { Rng, hashString } from './math/random.js';
export { l2Normalize, type L2NormalizeOptions } from './math/l2-normalize.js';
export { dot } from './math/dot.js';
export { cosineDistance } from './math/cosine-distance.js';
export { topKCosine, type TopKCosineOptions, type TopKResult } from './math/top-k-cosine.js';
export { topKCosineFast, type TopKCosineFastOptions } from './math/top-k-cosine-fast.js';
export { mergeTopK, type TopKPart } from './math/merge-top-k.js';

// --- backend: TensorFlow.js backend selection and wasm training kernels ------------------------
export { initBackend, type BackendInfo } from './backend/init-backend.js';
export {
  BackendChoiceSchema,
  BackendOptionsSchema,
  parseBackendChoice,
  ConvEngineChoiceSchema,
  parseConvEngineChoice,
  ConvMethodChoiceSchema,
  parseConvMethodChoice,
  type BackendChoice,
  type BackendOptions,
  type ConvEngineChoice,
  type ConvMethodChoiceOption,
} from './backend/backend-options.js';
export { registerWasmTrainingKernels } from './backend/wasm/register-training-kernels.js';
export { explainWasmAbort } from './backend/wasm/wasm-abort.js';
export { BATCH_NORM_ACT_TRAIN, type BatchNormActTrainAttrs } from './backend/wasm/kernels/BatchNormActTrain.js';
export { BATCH_NORM_ACT_TRAIN_GRAD, type BatchNormActTrainGradAttrs } from './backend/wasm/kernels/BatchNormActTrainGrad.js';
export { BATCH_NORM_ACT_INFER } from './backend/wasm/kernels/BatchNormActInfer.js';
export { setConvEngine, convEngine, ortConvSessionCount, ortConvChoices, type ConvEngine, type ConvMethodChoice } from './backend/wasm/ort-conv/ort-conv.js';
export { ortAvailability, OrtSyncSession, type OrtFeed, type OrtSyncSessionOptions } from './backend/ort/ort-sync-session.js';
export {
  configureWasmThreads,
  defaultWasmThreads,
  type WasmThreadsOptions,
  type WasmThreadsPlan,
} from './backend/wasm/wasm-threads.js';

// --- onnx: building ONNX graphs (encoder export, native conv kernels) ---------------------------
export { OnnxGraphBuilder, type OnnxDim, type OnnxAttribute } from './onnx/onnx-graph.js';
export { readOnnxModelInfo, type OnnxModelInfo, type OnnxValueInfo } from './onnx/onnx-model-info.js';

// --- run: progress with ETA, JSON-lines logs, atomic files ------------------------------------
export { Progress, formatDuration, type ProgressOptions } from './run/progress.js';
export { RunLog, type RunEvent } from './run/run-log.js';
export { tempPathFor, writeFileAtomic } from './run/atomic-file.js';

// --- features: Arrow feature files -------------------------------------------------------------
export {
  FeatureMetadataSchema,
  FeatureMetadataCodec,
  FEATURE_FORMAT_VERSION,
  FEATURE_METADATA_KEYS,
  type FeatureMetadata,
} from './features/feature-metadata.js';
export { featureSchema, FEATURE_COLUMNS } from './features/feature-schema.js';
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
export { writeImageFile } from './data/decode/write-image-file.js';
export { ImageReadError } from './data/decode/image-read-error.js';
export { decodeStream, defaultDecodeConcurrency } from './data/decode/decode-stream.js';
export type { DecodedImage, DecodeStreamOptions } from './data/decode/decode-stream.js';
export { RejectedImages } from './data/decode/rejected-images.js';
export type { RejectedImage } from './data/decode/rejected-images.js';
export { imageGrid } from './data/image-grid.js';
export type { ImageTransform, ImageOp } from './data/augment/transform.js';
export { resampleBilinear } from './data/augment/resample.js';
export { crop, centerCrop, randomCrop } from './data/augment/crop.js';
export { flipHorizontal } from './data/augment/flip.js';
export { randomResizedCrop, sampleResizedCropBox, DEFAULT_RESIZED_CROP } from './data/augment/random-resized-crop.js';
export type { ResizedCropParams, CropBox } from './data/augment/random-resized-crop.js';
export { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, grayscale } from './data/augment/enhance.js';
export { adjustHue } from './data/augment/hue.js';
export { colorJitter } from './data/augment/color-jitter.js';
export type { ColorJitterParams } from './data/augment/color-jitter.js';
export { solarize, posterize } from './data/augment/point-ops.js';
export { autoContrast, equalize } from './data/augment/histogram-ops.js';
export { affineNearest, rotate, shearX, shearY, translateX, translateY } from './data/augment/affine.js';
export { STRONG_AUGMENT_OPS, strongAugment } from './data/augment/strong-augment-ops.js';
export type { StrongAugmentOp } from './data/augment/strong-augment-ops.js';
export { normalize, denormalize } from './data/augment/normalize.js';
export type { Normalization } from './data/augment/normalize.js';
export { cutout } from './data/augment/cutout.js';
export type { CutoutParams } from './data/augment/cutout.js';
export { morph3x3 } from './data/augment/morphology.js';
export { randomCropRotate } from './data/augment/digit-warp.js';
export { syntheticScene } from './data/augment/test-images.js';
export {
  AugmentationConfig,
  SimclrKwargs,
  OursKwargs,
  DigitsKwargs,
  TransformationKwargs,
  NormalizeKwargs,
} from './data/augment/strategies/augmentation-kwargs.js';
export type { SimclrKwargsInput, OursKwargsInput, DigitsKwargsInput } from './data/augment/strategies/augmentation-kwargs.js';
export { simclrTransform } from './data/augment/strategies/simclr-transform.js';
export { strongTransform } from './data/augment/strategies/strong-transform.js';
export { valTransform } from './data/augment/strategies/val-transform.js';
export { digitsTransform } from './data/augment/strategies/digits-transform.js';
export { trainTransform } from './data/augment/strategies/train-transform.js';
export { boundedMap } from './data/decode/bounded-map.js';
export type { BoundedMapOptions, Settled } from './data/decode/bounded-map.js';
export { epochOrder, sampleRng } from './data/datasets/epoch-order.js';
export { stackImages } from './data/datasets/batch-stack.js';
export { AugmentedDataset } from './data/datasets/augmented-dataset.js';
export type { AugmentedDatasetOptions, AugmentedSample, AugmentedBatch, BatchOptions } from './data/datasets/augmented-dataset.js';
export { NeighborsDataset } from './data/datasets/neighbors-dataset.js';
export type { NeighborTable, NeighborsDatasetOptions, NeighborsSample, NeighborsBatch } from './data/datasets/neighbors-dataset.js';
