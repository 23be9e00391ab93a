/**
 * @twindb/pretext — the public API (STEP 1: SimCLR self-supervised training).
 */

// --- backbones: ResNet-18 (CIFAR and STL variants), ResNet-50, the small MNIST CNN, blocks -----
export { Module, type ApplyOptions } from './backbones/module.js';
export { type Backbone } from './backbones/backbone.js';
export { Conv2d, type Conv2dOptions } from './backbones/conv2d.js';
export { BatchNorm2d } from './backbones/batch-norm.js';
export { Linear } from './backbones/linear.js';
export { Sequential } from './backbones/sequential.js';
export { BasicBlock } from './backbones/basic-block.js';
export { Bottleneck, BOTTLENECK_EXPANSION } from './backbones/bottleneck.js';
export { Projection } from './backbones/projection.js';
export { ResNet18Base, type ResNet18Options } from './backbones/resnet18-base.js';
export { ResNet18Cifar, type ResNet18CifarOptions } from './backbones/resnet.js';
export { ResNet18Stl, RESNET18_STL_IMAGE_SIZE, type ResNet18StlOptions } from './backbones/resnet18-stl.js';
export { ResNet50, type ResNet50Options } from './backbones/resnet50.js';
export { SmallCnn, type SmallCnnOptions } from './backbones/small-cnn.js';
export { kaimingNormalFanOut, uniformTensor } from './backbones/init.js';

// --- loss, schedules, optimisers (PyTorch / SCAN reference semantics) ---------------------------
export { simclrLoss, deinterleaveViews } from './simclr-loss.js';
export { learningRateAt, LrScheduleSchema, type LrSchedule } from './lr-schedule.js';
export { type Optimizer, type OptimizerSlot } from './optim/optimizer.js';
export { Sgd, type SgdOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';

// --- SimCLR training: config, contrastive model, loop, checkpoints, kNN monitoring ---------------
export {
  PretextConfigSchema,
  parsePretextConfig,
  loadPretextConfig,
  lrScheduleOf,
  EnvConfigSchema,
  type PretextConfig,
  type EnvConfig,
  type LoadedPretextConfig,
} from './pretext-config.js';
export { ContrastiveModel, l2NormalizeRows, type ContrastiveModelOptions, type ContrastiveOutputs, type ContrastiveHeadKind } from './contrastive-model.js';
export { MlpHead } from './contrastive-head.js';
export { createBackbone, defaultInChannels, type BackboneName, type ResNet18Variant } from './create-backbone.js';
export { createOptimizer } from './create-optimizer.js';
export { simclrStep, type ViewBatch } from './simclr-step.js';
export {
  trainSimclr,
  RUN_FILES,
  type TrainSimclrOptions,
  type TrainSimclrResult,
  type EpochRecord,
  type KnnReport,
} from './train-simclr.js';
export { NonFiniteLossError } from './non-finite-loss-error.js';
export { trainingIdentity, identityHash, identityChanges } from './config-identity.js';
export { encodeSafetensors, decodeSafetensors, type Safetensors, type SafetensorsEntry } from './checkpoint/safetensors.js';
export { namedState, readState, loadState, type LoadReport, type LoadStateOptions } from './checkpoint/state-dict.js';
export {
  saveTrainingCheckpoint,
  readTrainingCheckpoint,
  restoreTrainingCheckpoint,
  saveModelWeights,
  type CheckpointInfo,
  type LoadedCheckpoint,
} from './checkpoint/training-checkpoint.js';
export { unionSources } from './data/union-source.js';
export { knnAccuracy, type KnnAccuracy, type KnnAccuracyInput } from './knn/knn-accuracy.js';
export { extractFeatures, type ExtractedFeatures } from './knn/extract-features.js';

// --- ONNX export (what makes extraction fast: ONNX Runtime runs the encoder) -------------------
export { OnnxGraphBuilder, type OnnxDim, type OnnxAttribute } from '@twindb/core-tensors';
export { encoderToOnnx, writeEncoderOnnx, ONNX_INPUT, ONNX_OUTPUT, type EncoderOnnxOptions } from './onnx/export-encoder.js';
