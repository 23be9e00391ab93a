import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { ContrastiveModel } from '@twindb/pretext';
import { encoderToOnnx, ONNX_INPUT, ONNX_OUTPUT, SmallCnn } from '@twindb/core-tensors/nn';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../test-backend.js';

beforeAll(() => useBackend('wasm'));

describe('ContrastiveModel ONNX export', () => {
  it.each(['mlp', 'linear'] as const)('backbone + %s head + L2 runs in ONNX Runtime like tfjs (max abs error < 1e-5)', async (head) => {
    const rng = new Rng(`onnx-${head}`);
    const model = new ContrastiveModel(new SmallCnn({ rng }), { head, featuresDim: 24, rng });
    const n = 3;
    const images = Float32Array.from({ length: n * 16 * 16 }, () => rng.normal());
    // one training-mode pass gives the batch norms non-trivial running statistics
    tf.dispose(model.apply(tf.tensor4d(images, [n, 16, 16, 1]), { training: true }));
    const want = tf.tidy(() => model.apply(tf.tensor4d(images, [n, 16, 16, 1]), { training: false }).dataSync());
    const session = await ort.InferenceSession.create(encoderToOnnx(model, { inputShape: [16, 16, 1], l2Normalize: false }));
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', images, [n, 16, 16, 1]) });
    expect(out[ONNX_OUTPUT].dims).toEqual([n, 24]);
    const got = out[ONNX_OUTPUT].data as Float32Array;
    const err = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
    expect(err).toBeLessThan(1e-5);
    model.dispose();
  });
});
