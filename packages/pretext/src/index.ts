/**
 * @twindb/pretext — the public API (STEP 1: SimCLR self-supervised training).
 */

// --- backbones: ResNet-18 (CIFAR variant), the small MNIST CNN, and their building blocks -------
export { Module, type ApplyOptions } from './backbones/module.js';
export { type Backbone } from './backbones/backbone.js';
export { Conv2d, type Conv2dOptions } from './backbones/conv2d.js';
export { BatchNorm2d } from './backbones/batch-norm.js';
export { Linear } from './backbones/linear.js';
export { Sequential } from './backbones/sequential.js';
export { BasicBlock } from './backbones/basic-block.js';
export { ResNet18Cifar, type ResNet18CifarOptions } from './backbones/resnet.js';
export { SmallCnn, type SmallCnnOptions } from './backbones/small-cnn.js';
export { kaimingNormalFanOut, uniformTensor } from './backbones/init.js';

// --- loss, schedules, optimisers (PyTorch / SCAN reference semantics) ---------------------------
export { simclrLoss, deinterleaveViews } from './simclr-loss.js';
export { learningRateAt, LrScheduleSchema, type LrSchedule } from './lr-schedule.js';
export { type Optimizer, type OptimizerSlot } from './optim/optimizer.js';
export { Sgd, type SgdOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
