/**
 * Registry of the wasm training kernels: gradient kernels that the stock tfjs wasm backend lacks
 * (or implements naively), built on its own XNNPACK kernels.
 *
 * When to call: after `@tensorflow/tfjs-backend-wasm` has been imported (which registers the
 * stock wasm kernels and the 'wasm' backend factory). It may be called before or after
 * `tf.setBackend('wasm')`: none of these kernels has a setup function, they only call stock
 * kernels whose setup ran when the backend initialised. Calling it again is a no-op.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { batchNormActInferConfig } from './kernels/BatchNormActInfer.js';
import { batchNormActTrainConfig } from './kernels/BatchNormActTrain.js';
import { batchNormActTrainGradConfig } from './kernels/BatchNormActTrainGrad.js';
import { batchMatMulConfig } from './kernels/BatchMatMul.js';
import { conv2DConfig } from './kernels/Conv2D.js';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter.js';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput.js';
import { identityConfig } from './kernels/Identity.js';
import { maxPoolGradConfig } from './kernels/MaxPoolGrad.js';
import { meanConfig } from './kernels/Mean.js';
import { sumConfig } from './kernels/Sum.js';
import { tileConfig } from './kernels/Tile.js';
import { rememberStockKernel } from './stock-kernels.js';

const trainingKernelConfigs: KernelConfig[] = [
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  tileConfig,
  sumConfig,
  meanConfig,
  maxPoolGradConfig,
  identityConfig,
  batchNormActTrainConfig,
  batchNormActTrainGradConfig,
  batchMatMulConfig,
  batchNormActInferConfig,
];

/** Registers (replacing stock ones where ours is better) and returns the kernel names. */
export function registerWasmTrainingKernels(): string[] {
  if (getKernel('Conv2D', 'wasm') === undefined) {
    throw new Error(
      "registerWasmTrainingKernels: the wasm backend's kernels are not registered; import '@tensorflow/tfjs-backend-wasm' first",
    );
  }
  for (const config of trainingKernelConfigs) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current === config) continue;
    if (current !== undefined) {
      rememberStockKernel(current);
      unregisterKernel(config.kernelName, 'wasm');
    }
    registerKernel(config);
  }
  return trainingKernelConfigs.map((c) => c.kernelName);
}
