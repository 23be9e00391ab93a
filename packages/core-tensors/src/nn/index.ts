/**
 * @twindb/core-tensors/nn — neural-network building blocks with PyTorch / SCAN-reference semantics:
 * `Module` and the layers, the four backbones, optimisers, LR schedules, safetensors checkpoints and
 * state dicts, ONNX export. Every step that trains (pretext, scan, selflabel) builds on these.
 * Importing it loads tfjs-core (not a backend: call `initBackend` from `/backend`).
 */

// Training needs tfjs's gradient functions, which tfjs-core's Node build does not register itself.
import '../backend/register-gradients.js';

// --- layers and blocks -----------------------------------------------------------------------
export { Module, type ApplyOptions } from './backbones/module.js';
export { Conv2d, type Conv2dOptions } from './backbones/conv2d.js';
export { BatchNorm2d, type BatchNormActOptions } from './backbones/batch-norm.js';
export { Linear } from './backbones/linear.js';
export { Sequential } from './backbones/sequential.js';
export { BasicBlock } from './backbones/basic-block.js';
export { Bottleneck, BOTTLENECK_EXPANSION } from './backbones/bottleneck.js';
export { Projection } from './backbones/projection.js';
export { kaimingNormalFanOut, uniformTensor } from './backbones/init.js';

// --- backbones: ResNet-18 (CIFAR and STL variants), ResNet-50, the small MNIST CNN ---------------
export { type Backbone } from './backbones/backbone.js';
export { ResNet18Base, type ResNet18Options } from './backbones/resnet18-base.js';
export { ResNet18Cifar, type ResNet18CifarOptions } from './backbones/resnet.js';
export { ResNet18Stl, RESNET18_STL_IMAGE_SIZE, type ResNet18StlOptions } from './backbones/resnet18-stl.js';
export { ResNet50, type ResNet50Options } from './backbones/resnet50.js';
export { SmallCnn, type SmallCnnOptions } from './backbones/small-cnn.js';
export { createBackbone, defaultInChannels, type BackboneName, type ResNet18Variant, type CreateBackboneOptions } from './create-backbone.js';

// --- optimisers and schedules ------------------------------------------------------------------
export { type Optimizer, type OptimizerSlot } from './optim/optimizer.js';
export { Sgd, type SgdOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export {
  OptimizerKwargsSchema,
  SchedulerKwargsSchema,
  OptimizerNameSchema,
  SchedulerNameSchema,
  checkOptimizerConfig,
  createOptimizer,
  lrScheduleOf,
  type OptimizerConfig,
} from './optim/optimizer-config.js';
export { learningRateAt, LrScheduleSchema, type LrSchedule } from './lr-schedule.js';

// --- checkpoints: safetensors, state dicts, training checkpoints -------------------------------
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

// --- ONNX export ---------------------------------------------------------------------------------
export * as onnxOps from './onnx/onnx-ops.js';
export { encoderToOnnx, writeEncoderOnnx, ONNX_INPUT, ONNX_OUTPUT, type EncoderOnnxOptions } from './onnx/export-encoder.js';
