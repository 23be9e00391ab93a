/**
 * @twindb/core-tensors/backend — TensorFlow.js backend choice, twindb's wasm training kernels and
 * ONNX Runtime sessions. Importing it loads tfjs and onnxruntime-node.
 */

// --- backend: TensorFlow.js backend selection and wasm training kernels ------------------------
export { initBackend, type BackendInfo } from './init-backend.js';
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
} from './backend-options.js';
export { registerWasmTrainingKernels } from './wasm/register-training-kernels.js';
export { explainWasmAbort } from './wasm/wasm-abort.js';
export { BATCH_NORM_ACT_TRAIN, type BatchNormActTrainAttrs } from './wasm/kernels/BatchNormActTrain.js';
export { BATCH_NORM_ACT_TRAIN_GRAD, type BatchNormActTrainGradAttrs } from './wasm/kernels/BatchNormActTrainGrad.js';
export { BATCH_NORM_ACT_INFER } from './wasm/kernels/BatchNormActInfer.js';
export { batchNormActTrain, batchNormActInfer, hasFusedBatchNorm, type BatchNormActAttrs } from './wasm/ops/batch-norm-act.js';
export { ConvPlanFile, ConvPlanFileSchema, ConvRunnerSchema, convPlanMachineKey, defaultConvPlanPath, type PlannedRunner } from './wasm/ort-conv/conv-plan.js';
export { setConvEngine, setConvPlan, convEngine, ortConvSessionCount, ortConvChoices, type ConvEngine, type ConvMethodChoice, type ConvDecisionSource } from './wasm/ort-conv/ort-conv.js';
export {
  enableKernelProfile,
  disableKernelProfile,
  resetKernelProfile,
  kernelProfile,
  kernelProfileDetails,
  kernelProfileEnabled,
  formatKernelProfile,
  profileScope,
  type KernelProfileRow,
} from './profile/kernel-profile.js';
export { ortAvailability, OrtSyncSession, type OrtFeed, type OrtSyncSessionOptions } from './ort/ort-sync-session.js';
export {
  configureWasmThreads,
  defaultWasmThreads,
  type WasmThreadsOptions,
  type WasmThreadsPlan,
} from './wasm/wasm-threads.js';

