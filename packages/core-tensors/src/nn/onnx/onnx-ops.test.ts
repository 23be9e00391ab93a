import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelError } from '../../../test/max-rel-error.js';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { add, averagePool, batchNorm, conv, dense, flatten, globalAveragePool, hwioToOihw, l2Normalize, maxPool, nhwcToNchw, relu } from './onnx-ops.js';

function randn(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

describe('ONNX emitters', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('HWIO → OIHW moves every weight to its place', () => {
    const k = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i);
    const o = hwioToOihw(k, [2, 3, 4, 5]);
    // kernel[y=1, x=2, i=3, o=4] must land at OIHW[4, 3, 1, 2]
    expect(o[((4 * 4 + 3) * 2 + 1) * 3 + 2]).toBe(k[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
  });

  it('a conv–BN–ReLU–pool–residual–dense–L2 network runs in ONNX Runtime like in tfjs (rel. error < 1e-4)', async () => {
    const rng = new Rng(42);
    const [n, h, w, c] = [3, 11, 11, 3];
    const k1 = randn(rng, 3 * 3 * c * 8, 0.3);
    const b1 = randn(rng, 8, 0.1);
    const bn = {
      gamma: Float32Array.from({ length: 8 }, () => rng.uniform(0.5, 1.5)),
      beta: randn(rng, 8, 0.1),
      mean: randn(rng, 8, 0.1),
      variance: Float32Array.from({ length: 8 }, () => rng.uniform(0.5, 2)),
      epsilon: 1e-5,
    };
    const k2 = randn(rng, 8 * 8, 0.3); // 1×1 conv
    const wd = randn(rng, 8 * 4, 0.3);
    const bd = randn(rng, 4, 0.1);
    const input = randn(rng, n * h * w * c);

    // ONNX graph taking NHWC input.
    const g = new OnnxGraphBuilder('test');
    let x = nhwcToNchw(g, g.input('images', ['batch', h, w, c]));
    x = conv(g, x, { kernel: k1, shape: [3, 3, c, 8], bias: b1, stride: 2, pads: [1, 1, 1, 1] }); // 11 → 6
    x = relu(g, batchNorm(g, x, bn));
    x = maxPool(g, x, 2, 2); // 6 → 3
    x = add(g, x, conv(g, x, { kernel: k2, shape: [1, 1, 8, 8], stride: 1, pads: [0, 0, 0, 0] }));
    x = l2Normalize(g, dense(g, globalAveragePool(g, x), wd, [8, 4], bd));
    g.node('Identity', [x], {}, 'embedding');
    g.output('embedding', ['batch', 4]);
    const session = await ort.InferenceSession.create(g.toBytes({ 'twindb.layout': 'NHWC' }));
    const result = await session.run({ images: new ort.Tensor('float32', input, [n, h, w, c]) });
    const got = result.embedding.data as Float32Array;

    // Same network in tfjs (explicit symmetric padding + 'valid', as PyTorch).
    const want = tf.tidy(() => {
      let t: tf.Tensor4D = tf.tensor4d(input, [n, h, w, c]);
      t = tf.conv2d(tf.pad(t, [[0, 0], [1, 1], [1, 1], [0, 0]]), tf.tensor4d(k1, [3, 3, c, 8]), 2, 'valid');
      t = tf.add(t, tf.tensor1d(b1));
      t = tf.batchNorm(t, tf.tensor1d(bn.mean), tf.tensor1d(bn.variance), tf.tensor1d(bn.beta), tf.tensor1d(bn.gamma), 1e-5);
      t = tf.maxPool(tf.relu(t), 2, 2, 'valid');
      t = tf.add(t, tf.conv2d(t, tf.tensor4d(k2, [1, 1, 8, 8]), 1, 'valid'));
      let e = tf.add(tf.matMul(tf.mean(t, [1, 2]) as tf.Tensor2D, tf.tensor2d(wd, [8, 4])), tf.tensor1d(bd));
      e = tf.div(e, tf.maximum(tf.norm(e, 2, 1, true), 1e-12));
      return e.dataSync() as Float32Array;
    });
    expect(got.length).toBe(n * 4);
    expect(maxRelError(got, want)).toBeLessThan(1e-4);
    expect(session.inputNames).toEqual(['images']);
  });

  it('padded max-pool after a ReLU, stride-1 average pool and flatten match tfjs zero-pad + valid pooling', async () => {
    // The STL ResNet-18 tail in miniature: relu → max-pool k2 s2 p1 (9 → 5) → avg-pool k3 s1 (5 → 3) → flatten.
    const rng = new Rng(7);
    const [n, h, w, c] = [2, 9, 9, 4];
    const input = randn(rng, n * h * w * c);
    const g = new OnnxGraphBuilder('pools');
    let x = relu(g, nhwcToNchw(g, g.input('images', ['batch', h, w, c])));
    x = maxPool(g, x, 2, 2, [1, 1, 1, 1]);
    x = averagePool(g, x, 3, 1);
    // back to NHWC before flattening, so the values line up with tfjs's reshape
    g.node('Identity', [flatten(g, g.node('Transpose', [x], { perm: [0, 2, 3, 1] }))], {}, 'out');
    g.output('out', ['batch', 3 * 3 * c]);
    const session = await ort.InferenceSession.create(g.toBytes());
    const result = await session.run({ images: new ort.Tensor('float32', input, [n, h, w, c]) });
    expect(result.out.dims).toEqual([n, 3 * 3 * c]);
    const want = tf.tidy(() => {
      const t = tf.relu(tf.tensor4d(input, [n, h, w, c]));
      const pooled = tf.maxPool(tf.pad(t, [[0, 0], [1, 1], [1, 1], [0, 0]]), 2, 2, 'valid');
      expect(pooled.shape).toEqual([n, 5, 5, c]);
      return tf.reshape(tf.avgPool(pooled, 3, 1, 'valid'), [n, -1]).dataSync() as Float32Array;
    });
    expect(maxRelError(result.out.data as Float32Array, want)).toBeLessThan(1e-6);
  });

  it('rejects an initializer whose data does not fit its dims', () => {
    const g = new OnnxGraphBuilder('bad');
    expect(() => g.initializer('w', new Float32Array(5), [2, 3])).toThrow(/onnx initializer w: 5 values for dims \[2, 3\] \(expected 6\)/);
  });
});
