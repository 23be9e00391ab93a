import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { initBackend } from '@twindb/core-tensors/backend';
import { OnnxGraphBuilder } from '@twindb/core-tensors/onnx';
import { OrtSyncSession, ortAvailability } from '@twindb/core-tensors/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeatureStandardizer } from './feature-standardizer.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Rows with a large shared offset and small, different spreads per dimension (what a ReLU backbone's pooled features look like). */
function offsetFeatures(n: number, dim: number, seed: string): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, (_, i) => 0.5 + 0.05 * ((i % dim) + 1) * rng.normal());
}

describe('FeatureStandardizer', () => {
  it('fits mean and √(population variance + 1% of the mean variance) per dimension as a float64 reference does, and maps the rows to mean 0, std just below 1', () => {
    const n = 300;
    const dim = 6;
    const x = offsetFeatures(n, dim, 'fit');
    const s = new FeatureStandardizer(dim);
    s.fit(x);
    const mean = s.mean.dataSync();
    const std = s.std.dataSync();
    const m = new Float64Array(dim);
    const v = new Float64Array(dim);
    for (let d = 0; d < dim; d++) {
      for (let i = 0; i < n; i++) m[d] += x[i * dim + d] / n;
      for (let i = 0; i < n; i++) v[d] += (x[i * dim + d] - m[d]) ** 2 / n;
    }
    const eps = (0.01 * v.reduce((a, b) => a + b, 0)) / dim;
    for (let d = 0; d < dim; d++) {
      expect(mean[d]).toBeCloseTo(m[d], 6);
      expect(std[d]).toBeCloseTo(Math.sqrt(v[d] + eps), 6);
    }
    const y = tf.tidy(() => s.apply(tf.tensor2d(x, [n, dim])));
    const [ym, yv] = tf.tidy(() => {
      const mo = tf.moments(y, 0);
      return [mo.mean.dataSync(), mo.variance.dataSync()];
    });
    for (let d = 0; d < dim; d++) {
      expect(Math.abs(ym[d])).toBeLessThan(1e-5);
      expect(yv[d]).toBeCloseTo(v[d] / (v[d] + eps), 4);
    }
    y.dispose();
    s.dispose();
  });

  it('keeps a constant dimension finite (ε) and starts as the identity', () => {
    const s = new FeatureStandardizer(2);
    const id = tf.tidy(() => Array.from(s.apply(tf.tensor2d([[3, -1]])).dataSync()));
    expect(id).toEqual([3, -1]);
    s.fit(Float32Array.from([1, 7, 2, 7, 3, 7]));
    const y = tf.tidy(() => Array.from(s.apply(tf.tensor2d([[2, 7]])).dataSync()));
    expect(y.every(Number.isFinite)).toBe(true);
    expect(y[1]).toBe(0);
    s.dispose();
  });

  it('holds its statistics as buffers (state dict mean/std), not trainable parameters', () => {
    const s = new FeatureStandardizer(3);
    expect(s.parameters()).toHaveLength(0);
    expect(s.namedBuffers().map(([n]) => n)).toEqual(['mean', 'std']);
    s.dispose();
  });

  it.skipIf(!ortAvailability().ok)('exports to ONNX (Sub, Div) with the same values', () => {
    const dim = 5;
    const x = offsetFeatures(40, dim, 'onnx');
    const s = new FeatureStandardizer(dim);
    s.fit(x);
    const g = new OnnxGraphBuilder('std');
    g.node('Identity', [s.toOnnx(g, g.input('x', ['batch', dim]))], {}, 'y');
    g.output('y', ['batch', dim]);
    const session = new OrtSyncSession(g.toBytes());
    const got = session.run({ x: { data: x, dims: [40, dim] } }, ['y']).y;
    const want = tf.tidy(() => s.apply(tf.tensor2d(x, [40, dim])).dataSync());
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
    session.dispose();
    s.dispose();
  });
});
