import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@twindb/core-tensors/backend';
import { Rng } from '@twindb/core-tensors';
import * as ort from 'onnxruntime-node';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { perturbBatchNorm } from '../../../test/nn/onnx-parity.js';
import { maxRelError } from '../../../test/max-rel-error.js';
import type { Backbone } from '../backbones/backbone.js';
import { Module } from '../backbones/module.js';
import { ResNet18Cifar } from '../backbones/resnet.js';
import { SmallCnn } from '../backbones/small-cnn.js';
import { encoderToOnnx, ONNX_INPUT, ONNX_OUTPUT, writeEncoderOnnx } from './export-encoder.js';

async function parity(model: Backbone, shape: [number, number, number], rng: Rng, l2 = true): Promise<number> {
  model.eval();
  perturbBatchNorm(model, rng);
  const n = 3;
  const images = Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => rng.normal());
  const want = tf.tidy(() => {
    let e = model.apply(tf.tensor4d(images, [n, ...shape]));
    if (l2) e = tf.div(e, tf.maximum(tf.norm(e, 2, 1, true), 1e-12));
    return e.dataSync() as Float32Array;
  });
  const session = await ort.InferenceSession.create(encoderToOnnx(model, { inputShape: shape, l2Normalize: l2 }));
  const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', images, [n, ...shape]) });
  const got = out[ONNX_OUTPUT].data as Float32Array;
  expect(out[ONNX_OUTPUT].dims).toEqual([n, model.featureDim]);
  return maxRelError(got, want);
}

describe('encoder ONNX export', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });

  it('small CNN: ONNX Runtime reproduces the tfjs forward pass (max rel. error < 1e-4)', async () => {
    const rng = new Rng(1);
    expect(await parity(new SmallCnn({ rng }), [28, 28, 1], rng)).toBeLessThan(1e-4);
  });

  it('ResNet-18 (CIFAR): ONNX Runtime reproduces the tfjs forward pass, without L2 too', async () => {
    const rng = new Rng(2);
    expect(await parity(new ResNet18Cifar({ rng }), [32, 32, 3], rng, false)).toBeLessThan(1e-4);
  });

  it('records layout, input shape, normalisation and dimension in the metadata; writes atomically', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-onnx-'));
    const file = path.join(dir, 'encoder.onnx');
    const model = new SmallCnn({ rng: new Rng(3) });
    await writeEncoderOnnx(file, model, { inputShape: [28, 28, 1], name: 'simclr-small-cnn', normalize: { mean: [0.1307], std: [0.3081] } });
    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toEqual([ONNX_INPUT]);
    expect(session.outputNames).toEqual([ONNX_OUTPUT]);
    // onnxruntime-node exposes no metadata reader; check the bytes carry the entries.
    const bytes = Buffer.from(encoderToOnnx(model, { inputShape: [28, 28, 1], name: 'simclr-small-cnn', normalize: { mean: [0.1307], std: [0.3081] } }));
    for (const s of ['twindb.layout', 'NHWC', 'twindb.input_shape', '[28,28,1]', 'twindb.normalize_mean', '[0.1307]', 'twindb.dim', 'simclr-small-cnn']) {
      expect(bytes.includes(Buffer.from(s))).toBe(true);
    }
  });

  it('refuses a module that has no ONNX form, naming it', () => {
    class PlainPool extends Module<tf.Tensor4D, tf.Tensor2D> {
      apply(x: tf.Tensor4D): tf.Tensor2D {
        return tf.mean(x, [1, 2]);
      }
    }
    expect(() => encoderToOnnx(new PlainPool(), { inputShape: [28, 28, 1] })).toThrow('PlainPool cannot be exported to ONNX');
  });
});
