import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@twindb/core-tensors';
import { type Backbone, encoderToOnnx, ONNX_INPUT, ONNX_OUTPUT } from '@twindb/core-tensors/nn';
import * as ort from 'onnxruntime-node';
import { maxRelError } from '../max-rel-error.js';

/** Batch-norm state names of the ResNets: `bn1`…`bn3`, `shortcut.1` (CIFAR/STL), `downsample.1` (ResNet-50). */
const BN_STATE = /(bn\d|shortcut\.1|downsample\.1)\.(weight|bias|running_mean|running_var)$/;

/** Gives every batch norm non-trivial affine parameters and running statistics, so their export is really exercised. */
export function perturbBatchNorm(model: Backbone, rng: Rng): void {
  for (const [name, v] of [...model.namedParameters(), ...model.namedBuffers()]) {
    if (!BN_STATE.test(name)) continue;
    const positive = /weight|running_var/.test(name);
    const values = Float32Array.from({ length: v.size }, () => (positive ? rng.uniform(0.5, 1.5) : rng.normal() * 0.1));
    v.assign(tf.tensor(values, v.shape));
  }
}

/**
 * Max relative error between ONNX Runtime's run of the exported backbone and the tfjs eval-mode
 * forward pass on `n` seeded random images of `shape` (one image's [h, w, c]).
 */
export async function onnxParity(model: Backbone, shape: [number, number, number], n: number, rng: Rng): Promise<{ error: number; dims: readonly number[] }> {
  model.eval();
  perturbBatchNorm(model, rng);
  const images = Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.normal());
  const want = tf.tidy(() => model.apply(tf.tensor4d(images, [n, ...shape])).dataSync() as Float32Array);
  const session = await ort.InferenceSession.create(encoderToOnnx(model, { inputShape: shape, l2Normalize: false }));
  const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', images, [n, ...shape]) });
  await session.release();
  return { error: maxRelError(out[ONNX_OUTPUT].data as Float32Array, want), dims: out[ONNX_OUTPUT].dims };
}
