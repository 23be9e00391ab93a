/**
 * @twindb/core-tensors/data — image DBs (specs and sources), decoding, augmentations and datasets.
 * Loads sharp for decoding; never tfjs or ONNX Runtime.
 */

// --- data: image DBs, decoding, augmentations, datasets ----------------------------------------
export { createImageU8, toChannels, toFloat01, luma, lumaPlane } from './image.js';
export type { ImageU8, ImageF32 } from './image.js';
export { DbSpecSchema, DB_SOURCE_KINDS, parseDbSpec, formatDbSpec } from './spec/db-spec.js';
export type { DbSpec, DbSpecInput, DbSourceKind } from './spec/db-spec.js';
export { DbSpecInputSchema, checkDbSpec } from './spec/db-spec-input.js';
export { dbSpecRoot } from './spec/db-spec-root.js';
export { parseClassList, formatClassList } from './spec/class-filter.js';
export type { ClassSelector } from './spec/class-filter.js';
export type { ImageRecord, ImageSource, ImageFormat, AnnotationProblem } from './sources/image-source.js';
export { openImageSource } from './sources/open-image-source.js';
export type { OpenSourceOptions } from './sources/open-image-source.js';
export { selectRecords, subsetSource } from './sources/subset-source.js';
export type { Selection } from './sources/subset-source.js';
export { openFolderSource, IMAGE_EXTENSIONS } from './sources/folder-source.js';
export { dbFingerprint } from './sources/db-fingerprint.js';
export { openListFileSource } from './sources/list-file-source.js';
export { openMnistSource, loadMnistDigits, mnistSplitIndices, MNIST_SIZE, MNIST_POOL_SIZE, MNIST_MEAN, MNIST_STD } from './sources/mnist-source.js';
export { openCifarSource } from './sources/cifar-source.js';
export type { CifarVariant } from './sources/cifar-source.js';
export { CIFAR100_TO_20, CIFAR20_CLASS_NAMES } from './sources/cifar100-superclasses.js';
export { openStl10Source } from './sources/stl10-source.js';
export { openVocSource } from './sources/voc-source.js';
export type { VocSourceOptions } from './sources/voc-source.js';
export { parseXml, parseVocAnnotation, decodeXmlEntities, XmlSyntaxError } from './sources/voc-xml.js';
export type { XmlElement, VocAnnotation } from './sources/voc-xml.js';
export type { Stl10Split } from './sources/stl10-source.js';
export { decodeImageFile, decodeImageBuffer } from './decode/decode-image-file.js';
export { fitImage } from './decode/fit-image.js';
export { writeImageFile, encodeImage, type ImageFileFormat } from './decode/write-image-file.js';
export { ImageReadError } from './decode/image-read-error.js';
export { decodeStream, defaultDecodeConcurrency } from './decode/decode-stream.js';
export type { DecodedImage, DecodeStreamOptions } from './decode/decode-stream.js';
export { RejectedImages } from './decode/rejected-images.js';
export type { RejectedImage } from './decode/rejected-images.js';
export { imageGrid } from './image-grid.js';
export type { ImageTransform, ImageOp } from './augment/transform.js';
export { resampleBilinear } from './augment/resample.js';
export { crop, centerCrop, randomCrop } from './augment/crop.js';
export { flipHorizontal } from './augment/flip.js';
export { randomResizedCrop, sampleResizedCropBox, DEFAULT_RESIZED_CROP } from './augment/random-resized-crop.js';
export type { ResizedCropParams, CropBox } from './augment/random-resized-crop.js';
export { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, grayscale } from './augment/enhance.js';
export { adjustHue } from './augment/hue.js';
export { colorJitter } from './augment/color-jitter.js';
export type { ColorJitterParams } from './augment/color-jitter.js';
export { solarize, posterize } from './augment/point-ops.js';
export { autoContrast, equalize } from './augment/histogram-ops.js';
export { affineNearest, rotate, shearX, shearY, translateX, translateY } from './augment/affine.js';
export { STRONG_AUGMENT_OPS, strongAugment } from './augment/strong-augment-ops.js';
export type { StrongAugmentOp } from './augment/strong-augment-ops.js';
export { normalize, denormalize } from './augment/normalize.js';
export type { Normalization } from './augment/normalize.js';
export { cutout } from './augment/cutout.js';
export type { CutoutParams } from './augment/cutout.js';
export { morph3x3 } from './augment/morphology.js';
export { randomCropRotate } from './augment/digit-warp.js';
export { syntheticScene } from './augment/test-images.js';
export {
  AugmentationConfig,
  SimclrKwargs,
  OursKwargs,
  DigitsKwargs,
  TransformationKwargs,
  NormalizeKwargs,
} from './augment/strategies/augmentation-kwargs.js';
export type { SimclrKwargsInput, OursKwargsInput, DigitsKwargsInput } from './augment/strategies/augmentation-kwargs.js';
export { simclrTransform } from './augment/strategies/simclr-transform.js';
export { strongTransform } from './augment/strategies/strong-transform.js';
export { valTransform } from './augment/strategies/val-transform.js';
export { digitsTransform } from './augment/strategies/digits-transform.js';
export { trainTransform } from './augment/strategies/train-transform.js';
export type { TransformRecipe } from './augment/strategies/transform-recipe.js';
export { boundedMap } from './decode/bounded-map.js';
export type { BoundedMapOptions, Settled } from './decode/bounded-map.js';
export { epochOrder, sampleRng } from './datasets/epoch-order.js';
export { stackImages } from './datasets/batch-stack.js';
export { AugmentedDataset } from './datasets/augmented-dataset.js';
export type { AugmentedDatasetOptions, AugmentedSample, AugmentedBatch, BatchOptions } from './datasets/augmented-dataset.js';
export { DatasetWorkersSchema, resolveDatasetWorkers, AUTO_WORKERS_MIN_SIZE } from './datasets/dataset-workers.js';
export type { DatasetWorkers } from './datasets/dataset-workers.js';
export { NeighborsDataset } from './datasets/neighbors-dataset.js';
export type { NeighborTable, NeighborsDatasetOptions, NeighborsSample, NeighborsBatch } from './datasets/neighbors-dataset.js';
