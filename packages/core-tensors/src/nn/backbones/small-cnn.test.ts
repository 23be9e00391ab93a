import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@twindb/core-tensors';
import { SmallCnn } from '@twindb/core-tensors/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../test/nn/test-backend.js';

beforeAll(() => useBackend('cpu'));

describe('SmallCnn', () => {
  it('has the MNIST anchor parameter count (92,896 for one input channel)', () => {
    const net = new SmallCnn({ rng: new Rng(0) });
    expect(net.numParameters()).toBe(92_896);
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight', 'bn1.weight', 'bn1.bias',
      'conv2.weight', 'bn2.weight', 'bn2.bias',
      'conv3.weight', 'bn3.weight', 'bn3.bias',
    ]);
    net.dispose();
  });

  it('repeats its initialisation exactly from the seed, and only from it', () => {
    const weights = (seed: number) => {
      const net = new SmallCnn({ rng: new Rng(seed) });
      const values = net.parameters().map((p) => Array.from(p.dataSync()));
      net.dispose();
      return values;
    };
    const a = weights(5);
    expect(weights(5)).toEqual(a);
    const c = weights(6);
    expect(c[0]).not.toEqual(a[0]);
    expect(c[6]).not.toEqual(a[6]);
  });

  it('maps 28×28×1 digits to 128-d features', () => {
    const net = new SmallCnn({ rng: new Rng(0) });
    const rng = new Rng(3);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 28 * 28 }, () => rng.uniform()), [2, 28, 28, 1]);
    const f = net.apply(x, { training: true });
    expect(f.shape).toEqual([2, 128]);
    tf.dispose([x, f]);
    net.dispose();
  });

  it('updates running statistics in training mode only', () => {
    const net = new SmallCnn({ rng: new Rng(0) });
    const rng = new Rng(4);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 12 * 12 }, () => rng.uniform(0, 1)), [2, 12, 12, 1]);
    const snapshot = () => net.buffers().map((b) => Array.from(b.dataSync()));
    const initial = snapshot();

    tf.dispose(net.apply(x, { training: false }));
    expect(snapshot()).toEqual(initial);
    net.eval();
    tf.dispose(net.apply(x));
    expect(snapshot()).toEqual(initial);

    net.train();
    tf.dispose(net.apply(x));
    const after = snapshot();
    after.forEach((values, i) => expect(values).not.toEqual(initial[i]));
    net.dispose();
  });
});
